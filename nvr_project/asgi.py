"""ASGI entry point: HTTP goes to Django, websockets to the apps' consumers (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr_project.settings")
django_asgi_app = get_asgi_application()  # before importing consumers, which touch models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from nvr_project.routing import websocket_urlpatterns  # noqa: E402
from nvr_project.websocket_origin import OriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

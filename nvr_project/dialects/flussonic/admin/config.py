"""Domain and system settings (catalog §5.1, §6.1, §6.2): `domain_config_get/save`, `system_config_get`."""

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.services import throttle
from organizations.models import SiteSettings
from organizations.services.site import COLOR_FIELDS, mail_masked, site_settings_update

from ..errors import InvalidBody
from ..openapi import responses
from .base import WatcherAdminView
from .schemas import DOMAIN_CONFIG, SYSTEM_CONFIG

SENDING_METHODS = ("SMTP", "SendGrid")
SECURITY = ("none", "tls", "starttls")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAIL_STRINGS = ("host", "login", "password", "api_key")


def domain_config(site: SiteSettings) -> dict:
    """SiteSettings → DomainConfig (§6.1); mail secrets are `***`."""
    appearance = {
        "title": site.title,
        "colors": {key: getattr(site, field) for key, field in COLOR_FIELDS.items()},
    }
    for field in ("logo", "logo_auth", "favicon"):
        if getattr(site, field):
            appearance[field] = getattr(site, field)
    config = {"appearance": appearance}
    if site.mail:
        config["mail"] = mail_masked(site.mail)
    return config


def _mail_problems(mail) -> list[tuple[str, str]]:
    if not isinstance(mail, dict):
        return [("/mail", "must be an object")]
    problems = []
    method = mail.get("sending_method")
    if method is not None and method not in SENDING_METHODS:
        problems.append(("/mail/sending_method", f"must be one of {', '.join(SENDING_METHODS)}"))
    for key in MAIL_STRINGS:
        if key in mail and not isinstance(mail[key], str):
            problems.append((f"/mail/{key}", "must be a string"))
    port = mail.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        problems.append(("/mail/port", "must be a port number (1-65535)"))
    if "security" in mail and mail["security"] not in SECURITY:
        problems.append(("/mail/security", f"must be one of {', '.join(SECURITY)}"))
    sender = mail.get("sender")
    if sender is not None:
        if not isinstance(sender, dict):
            problems.append(("/mail/sender", "must be an object"))
        else:
            for key in ("title", "email"):
                if key in sender and not isinstance(sender[key], str):
                    problems.append((f"/mail/sender/{key}", "must be a string"))
            if isinstance(sender.get("email"), str) and sender["email"] and "@" not in sender["email"]:
                problems.append(("/mail/sender/email", "must be an e-mail address"))
    return problems


def _appearance_problems(appearance) -> list[tuple[str, str]]:
    if not isinstance(appearance, dict):
        return [("/appearance", "must be an object")]
    problems = []
    if "title" in appearance and not isinstance(appearance["title"], str):
        problems.append(("/appearance/title", "must be a string"))
    for key in ("logo", "logo_auth", "favicon"):
        value = appearance.get(key)
        if key in appearance and not (
            isinstance(value, str) and (value == "" or value.startswith("data:image/"))
        ):
            problems.append((f"/appearance/{key}", "must be a data:image/… URL, or empty to remove it"))
    colors = appearance.get("colors", {})
    if not isinstance(colors, dict):
        problems.append(("/appearance/colors", "must be an object"))
    else:
        for key in COLOR_FIELDS:
            if key in colors and not (isinstance(colors[key], str) and COLOR.match(colors[key])):
                problems.append((f"/appearance/colors/{key}", "must be a #rrggbb color"))
    return problems


class DomainConfigView(WatcherAdminView):
    """GET and PUT /domain_config: mail and appearance; PUT is a partial save (§5.1.2)."""

    @extend_schema(operation_id="domain_config_get", responses=responses(DOMAIN_CONFIG, 403))
    def get(self, request):
        return Response(domain_config(SiteSettings.load()))

    @extend_schema(
        operation_id="domain_config_save",
        request={"application/json": DOMAIN_CONFIG},
        responses=responses(DOMAIN_CONFIG, 400, 403),
    )
    def put(self, request):
        body = request.data
        if not isinstance(body, dict):
            raise InvalidBody([("", "the body must be a JSON object")])
        problems = []
        if "mail" in body:
            problems += _mail_problems(body["mail"])
        if "appearance" in body:
            problems += _appearance_problems(body["appearance"])
        if problems:
            raise InvalidBody(problems)
        mail = body.get("mail")
        if mail is not None:
            stored_method = (SiteSettings.load().mail or {}).get("sending_method")
            if not mail.get("sending_method") and not stored_method:
                raise InvalidBody([("/mail/sending_method", "is required (SMTP or SendGrid)")])
        site = site_settings_update(mail=mail, appearance=body.get("appearance"), actor=self.user)
        return Response(domain_config(site))


def masked_database_url() -> str:
    """The database this installation uses, as a DSN with its password replaced by `***` (§5.1.3)."""
    url = settings.DATABASE_URL
    if not url:
        return f"sqlite:///{settings.DATABASES['default']['NAME']}"
    parts = urlsplit(url)
    if parts.password:
        user = parts.username or ""
        host = parts.hostname or ""
        netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


class SystemConfigView(WatcherAdminView):
    """GET /system_config: deployment settings, read from our configuration (read-only, §5.1.3)."""

    @extend_schema(operation_id="system_config_get", responses=responses(SYSTEM_CONFIG, 403))
    def get(self, request):
        return Response(
            {
                "license_key": "",
                "database": {"url": masked_database_url()},
                "watcher_brute_force_timeout": throttle.max_delay(),
                "loglevel": str(settings.LOGGING["root"]["level"]).lower(),
                "api_url": request.build_absolute_uri("/watcher/admin-api/v3").rstrip("/"),
                "listeners": {"http": [{"port": int(request.get_port())}]},
            }
        )

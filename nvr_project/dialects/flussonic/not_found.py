"""An unknown path under a Watcher API prefix: the catalog's 404 body, not Django's HTML page."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import error_item


@csrf_exempt
@login_not_required
def unknown_path(request, unknown: str):
    body = {"errors": [error_item(404, "not_found", f"no such path: /{unknown}")]}
    response = JsonResponse(body, status=404)
    response["Access-Control-Allow-Origin"] = "*"
    return response


unknown_path.watcher_methods = ()  # answers every method, but is no operation of the registry

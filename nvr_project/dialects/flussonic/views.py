"""The base view both Watcher APIs share (client and admin): credentials, CORS, the errors[] body.

Watcher credentials name a user, not an organization; each API narrows what that user may reach
(the Client API by organization membership and grants, the Admin API to domain administrators).
"""

from django.contrib.auth.decorators import login_not_required
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from nvr_project.dialects.common.json_body import CheckedJSONParser, body_problem

from .auth import WatcherAuthentication
from .errors import BadParameter, InvalidBody, watcher_exception_handler

CORS_HEADERS = "Authorization, Content-Type, X-Vsaas-Api-Key, X-Vsaas-User"


class WatcherView(APIView):
    authentication_classes = [WatcherAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [CheckedJSONParser]

    @classmethod
    def as_view(cls, **initkwargs):
        # The dialect answers 401 itself; the dashboard's LoginRequiredMiddleware must not redirect.
        return login_not_required(super().as_view(**initkwargs))

    def get_exception_handler(self):
        return watcher_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.user = request.user
        self.session = request.auth  # the AuthSession of a Bearer token, None for Basic or API key
        _refuse_unstorable(request)

    def check_permissions(self, request):
        if request.method != "OPTIONS":  # §1: CORS preflight answers 200 without credentials
            super().check_permissions(request)

    def options(self, request, *args, **kwargs):
        response = Response(status=status.HTTP_200_OK)
        response["Access-Control-Allow-Methods"] = ", ".join(self.allowed_methods)
        response["Access-Control-Allow-Headers"] = CORS_HEADERS
        response["Access-Control-Max-Age"] = "86400"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"  # credentials travel in headers, never cookies
        return response


def _refuse_unstorable(request) -> None:
    """NUL characters, lone surrogates and absurd nesting are a 400 on every operation, whether or
    not it reads the body: the databases cannot store such text and Python cannot parse such depth."""
    for key, values in request.query_params.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            raise BadParameter(key.replace("\x00", ""), "parameters must not contain NUL characters")
    if request.content_type.startswith("application/json") and request.body:
        problem = body_problem(request.body)
        if problem:
            raise InvalidBody([("", problem)])

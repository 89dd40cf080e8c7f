"""`login_create` (catalog §5.3.1): Basic credentials start a session; a refresh token renews its access."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from organizations.choices import AuditKind
from organizations.services import audit_event_record

from .. import auth
from ..openapi import responses
from .base import WatcherClientView


class LoginInfoSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


class LoginView(WatcherClientView):
    """POST /login. The body is ignored (empty, `null` or anything): credentials are in the headers.

    A user with two-factor authentication sends the current code in `X-TOTP` with the password, or
    signs in with an API key instead (Watcher has no field of its own for a code).
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    audit_message = "signed in to the Watcher Client API"

    def get_authenticate_header(self, request):
        return auth.REALM

    @extend_schema(
        operation_id="login_create",
        request=None,
        parameters=[
            OpenApiParameter(
                auth.TOTP_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                description="our extension: the current two-factor code, needed with the password of a "
                "user who has two-factor authentication on (401 `second_factor_required` without it). "
                "API keys need none. Accepted with Basic credentials on every operation too.",
            )
        ],
        responses=responses(LoginInfoSerializer, 403),
    )
    def post(self, request):
        credentials = auth.credentials_read(request)
        if credentials is None:
            raise exceptions.NotAuthenticated("send Basic credentials or a Bearer refresh token")
        if credentials.scheme == "bearer":
            # Rotation: the response carries a new refresh token and the one sent is spent. Clients
            # that store the refresh token of every login response (the catalog's flow) keep working.
            session, refresh = auth.session_refresh(credentials.secret)
        else:
            if credentials.scheme == "vsaas" and not credentials.login:
                raise exceptions.AuthenticationFailed("x-vsaas-api-key needs x-vsaas-user")
            user = auth.secret_check(credentials=credentials, address=auth.client_address(request))
            session, refresh = auth.session_start(user=user, request=request)
            audit_event_record(
                kind=AuditKind.LOGIN,
                actor=user,
                message=self.audit_message,
                ip_address=auth.client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
            )
        body = {"access_token": auth.access_token_issue(session), "refresh_token": refresh}
        return Response(LoginInfoSerializer(body).data)

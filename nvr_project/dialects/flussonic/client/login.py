"""`login_create` (catalog §5.3.1): Basic credentials start a session; a refresh token renews its access."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.services.sessions import session_end, sessions_end_all
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

    permission_classes = [AllowAny]
    audit_message = "signed in to the Watcher Client API"

    def get_authenticators(self):
        # POST checks the credentials itself (a refresh token is no access token); DELETE signs out
        # the caller, so it needs them checked like any other operation.
        method = getattr(getattr(self, "request", None), "method", None)  # None while the schema is built
        return super().get_authenticators() if method == "DELETE" else []

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

    @extend_schema(
        operation_id="login_delete",
        description="our extension (the catalog has no logout): ends the session of the Bearer access "
        "token sent, so its access, refresh and media tokens stop working; with `all=true`, every "
        "session of the caller (API and dashboard) ends. Basic credentials end nothing but with `all`.",
        parameters=[OpenApiParameter("all", bool, description="end every session of the caller")],
        request=None,
        responses=responses(None, status=204),
    )
    def delete(self, request):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("sign out with the access token of the session to end")
        if request.query_params.get("all", "").lower() in {"1", "true", "yes"}:
            sessions_end_all(user=request.user)
        elif request.auth is not None:
            session_end(session=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

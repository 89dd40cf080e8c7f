"""Password recovery and reset (catalog §5.3.2-5.3.3).

`password_recovery` answers 204 whatever the address, so it cannot tell who has an account.
`reset_password` sets the caller's password; the caller is whoever the credentials name (§2) or,
from the recovery mail, a recovery token sent as `Authorization: Bearer <token>` (§5.3.3).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.urls import path, reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.services.password import (
    is_recovery_token,
    password_recovery_send,
    password_reset,
    recovery_token_user,
)

from .. import auth
from ..errors import InvalidBody
from ..openapi import TEXT, component, obj, responses
from .base import WatcherClientView

PASSWORD_LENGTH = range(5, 129)  # §5.3.3: 5..128 characters
RECOVERY_SCHEMA = component("PasswordRecoveryRequest", obj("email", email={**TEXT, "format": "email"}))
RESET_SCHEMA = component(
    "ResetPasswordRequest", obj("password", password={**TEXT, "minLength": 5, "maxLength": 128})
)


class RecoveryTokenAuthentication(BaseAuthentication):
    """A Bearer recovery token from the mail; any other credentials go on to WatcherAuthentication."""

    def authenticate(self, request):
        scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not is_recovery_token(value):
            return None
        user = recovery_token_user(value)
        if user is None:
            raise exceptions.AuthenticationFailed("the recovery token is invalid, expired or already used")
        return user, None

    def authenticate_header(self, request):
        return auth.REALM


class RecoveryTokenScheme(OpenApiAuthenticationExtension):
    """Schema: the recovery token from the mail, sent as `Authorization: Bearer` (§5.3.3)."""

    target_class = RecoveryTokenAuthentication
    name = "recoveryToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "password recovery token from the e-mail"}


def _object(body) -> dict:
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    return body


class PasswordRecoveryView(WatcherClientView):
    """POST /password_recovery: mail recovery instructions to the accounts with this address."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="password_recovery",
        auth=[],
        request={"application/json": RECOVERY_SCHEMA},
        responses=responses(None, 400, status=204, public=True),
    )
    def post(self, request):
        email = _object(request.data).get("email")
        if not isinstance(email, str):
            raise InvalidBody([("/email", "is required and must be a string")])
        try:
            validate_email(email.strip())
        except DjangoValidationError:
            raise InvalidBody([("/email", "must be an e-mail address")]) from None
        password_recovery_send(email=email, reset_path=reverse("watcher_client:reset_password"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResetPasswordView(WatcherClientView):
    """POST /reset_password: a new password for the authenticated caller or the recovery token's user."""

    authentication_classes = [RecoveryTokenAuthentication, auth.WatcherAuthentication]

    @extend_schema(
        operation_id="reset_password",
        request={"application/json": RESET_SCHEMA},
        # 429: Basic credentials that keep failing are throttled (auth.py), e.g. the old password
        responses=responses(None, 400, 403, 429, status=204),
    )
    def post(self, request):
        password = _object(request.data).get("password")
        if not isinstance(password, str) or len(password) not in PASSWORD_LENGTH:
            raise InvalidBody([("/password", "must be a string of 5 to 128 characters")])
        try:
            password_reset(user=self.user, password=password, keep_session=self.session)
        except DjangoValidationError as exc:
            raise InvalidBody(
                [("/password", m) for m in exc.message_dict.get("password", exc.messages)]
            ) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("password_recovery", PasswordRecoveryView.as_view(), name="password_recovery"),
    path("reset_password", ResetPasswordView.as_view(), name="reset_password"),
]

"""Profile (catalog §5.5.1-5.5.2, §6.13): the caller's own account, read and saved."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.services import profile_api_key_set, profile_update
from organizations.models import Membership

from ..errors import InvalidBody
from ..openapi import TEXT, component, nullable, obj, responses
from .base import WatcherClientView

TEXT_FIELDS = {
    "name": "login",
    "fullname": "fullname",
    "email": "email",
    "phone": "phone",
    "locale": "locale",
    "note": "note",
}
POINTERS = {model: f"/{api}" for api, model in TEXT_FIELDS.items()} | {
    "max_sessions": "/max_sessions",
    "password": "/password",
}
API_KEY_MIN_LENGTH = 16


class ProfileSerializer(serializers.Serializer):
    """User → Profile. `apikey` is not returned: only a hash of a key is stored (accounts.ApiKey)."""

    name = serializers.CharField(source="login")
    fullname = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    locale = serializers.CharField()
    note = serializers.CharField()
    max_sessions = serializers.IntegerField()
    is_admin = serializers.SerializerMethodField()
    is_domain_admin = serializers.BooleanField()
    is_readonly = serializers.BooleanField(source="readonly")

    def get_is_admin(self, user) -> bool:
        # §6.13 (decision): an organization administrator in at least one organization.
        return Membership.objects.filter(user=user, is_admin=True).exists()


def parse_profile_body(body) -> tuple[dict, str | None, bool, str | None]:
    """(profile fields, new password or None, whether `apikey` was sent, its value); 400 per bad field.

    The read-only flags (`is_admin`, `is_domain_admin`, `is_readonly`) and unknown keys are ignored (§4).
    """
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields = [], {}
    for api, model in TEXT_FIELDS.items():
        if api in body:
            if isinstance(body[api], str):
                fields[model] = body[api]
            else:
                problems.append((f"/{api}", "must be a string"))
    if "max_sessions" in body:
        value = body["max_sessions"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(("/max_sessions", "must be a non-negative integer"))
        else:
            fields["max_sessions"] = value
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        problems.append(("/password", "must be a string"))
    apikey = body.get("apikey")
    if apikey is not None and not isinstance(apikey, str):
        problems.append(("/apikey", "must be a string or null"))
    elif apikey and len(apikey) < API_KEY_MIN_LENGTH:
        problems.append(("/apikey", f"must have at least {API_KEY_MIN_LENGTH} characters, or be empty"))
    if problems:
        raise InvalidBody(problems)
    return fields, password or None, "apikey" in body, apikey


PROFILE_BODY_SCHEMA = component(
    "ProfileBody",
    obj(
        **{api: TEXT for api in TEXT_FIELDS},
        max_sessions={"type": "integer", "minimum": 0},
        password=nullable(TEXT),
        apikey=nullable(TEXT),
    ),
)


class ProfileView(WatcherClientView):
    """GET /profile and PUT /profile: the caller's own account (§5.5)."""

    @extend_schema(operation_id="profile_get", responses=responses(ProfileSerializer))
    def get(self, request):
        return Response(ProfileSerializer(self.user).data)

    @extend_schema(
        operation_id="profile_save",
        request={"application/json": PROFILE_BODY_SCHEMA},
        responses=responses(ProfileSerializer, 400, 403),
    )
    def put(self, request):
        """A partial save. `apikey`: a string of 16+ characters becomes the key, "" asks for a new
        random one, null revokes it; the key is echoed in this response only (we keep a hash)."""
        fields, password, key_sent, apikey = parse_profile_body(request.data)
        try:
            with transaction.atomic():
                user = profile_update(user=self.user, password=password, keep_session=self.session, **fields)
                raw_key = profile_api_key_set(user=user, raw_key=apikey) if key_sent else None
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise InvalidBody(
                [(POINTERS.get(k, ""), m) for k, msgs in detail.items() for m in msgs]
            ) from None
        profile = ProfileSerializer(user).data
        if raw_key is not None:
            profile["apikey"] = raw_key
        return Response(profile)

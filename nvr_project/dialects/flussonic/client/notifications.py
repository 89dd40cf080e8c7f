"""Device tokens, event subscriptions, web push, notification_send (catalog §5.5.3-5.5.4, §5.7, §5.11, §6.19).

Web push is delivered for real (accounts.services.notifications); Firebase device tokens are only
stored, since this installation has no FCM credentials to push with.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.models import DeviceToken, WebPushSubscription
from accounts.services.notifications import (
    auth_secret_valid,
    device_token_save,
    notification_send,
    p256dh_valid,
    web_push_subscribe,
    web_push_subscription_exists,
    web_push_unsubscribe,
)
from cameras.access import access_camera
from cameras.models import EventSubscription
from cameras.services.event_subscriptions import NOTIFICATION_TYPES, event_subscription_save
from organizations.exceptions import ObjectNotFound

from ..errors import BadParameter, InvalidBody
from ..openapi import BOOL, INT, TEXT, component, obj, responses
from .base import WatcherClientView

DEVICE_LIMITS = {key: DeviceToken._meta.get_field(key).max_length for key in ("platform", "model", "version")}
EVENT_TYPES = {
    "episode_generic": "on_generic",
    "episode_vehicle": "on_vehicle",
    "episode_face": "on_face",
    "stream_dead": "on_stream_dead",  # the recorder notifies it when a camera's input is lost
}
PUSH_SCHEMES = ["http", "https"]
ENDPOINT_LIMIT = WebPushSubscription._meta.get_field("endpoint").max_length

DEVICE_SCHEMA = component("DeviceInfo", obj("platform", model=TEXT, platform=TEXT, version=TEXT))
DEVICE_TOKEN_SCHEMA = component("DeviceToken", obj("token", "device", token=TEXT, device=DEVICE_SCHEMA))
EVENT_TYPES_SCHEMA = obj(**dict.fromkeys(EVENT_TYPES, BOOL))
EVENT_SUBSCRIPTION_FIELDS = {
    "stream_name": TEXT,
    "event_types": EVENT_TYPES_SCHEMA,
    "notification_type": {"type": "string", "enum": list(NOTIFICATION_TYPES)},
    "notification_frequency": {**INT, "minimum": 0, "description": "seconds between notifications"},
}
EVENT_SUBSCRIPTION_SCHEMA = component(
    "EventSubscription", obj("stream_name", "event_types", "notification_type", **EVENT_SUBSCRIPTION_FIELDS)
)
ENDPOINT_SCHEMA = {"type": "string", "format": "uri"}
PUSH_KEYS_SCHEMA = obj("p256dh", "auth", p256dh=TEXT, auth=TEXT)
SUBSCRIBE_SCHEMA = component(
    "WebPushSubscribe", obj("endpoint", "keys", endpoint=ENDPOINT_SCHEMA, keys=PUSH_KEYS_SCHEMA)
)


def _json(schema: dict) -> dict:
    return {"application/json": schema}


def _object(body, pointer: str = "") -> dict:
    if not isinstance(body, dict):
        raise InvalidBody([(pointer, "must be a JSON object")])
    return body


def _text(body: dict, key: str, problems: list, pointer: str, *, required: bool, limit: int = 0):
    """The string at `key`, or None when absent; records a problem for a wrong type or length."""
    if key not in body or body[key] is None:
        if required:
            problems.append((pointer, "is required"))
        return None
    value = body[key]
    if not isinstance(value, str) or (required and not value):
        problems.append((pointer, "must be a non-empty string" if required else "must be a string"))
    elif limit and len(value) > limit:
        problems.append((pointer, f"must have at most {limit} characters"))
    elif "\x00" in value:
        problems.append((pointer, "must not contain NUL characters"))
    else:
        return value
    return None


# --- §5.5.3 device tokens -----------------------------------------------------------------------


def serialize_device_token(row: DeviceToken) -> dict:
    return {
        "token": row.token,
        "device": {"model": row.model, "platform": row.platform, "version": row.version},
    }


class DeviceTokenView(WatcherClientView):
    """PUT /profile/device-tokens/{token}: register or refresh a Firebase token of the caller's device."""

    @extend_schema(
        operation_id="device_token_save",
        request=_json(obj(device=DEVICE_SCHEMA)),
        responses=responses(DEVICE_TOKEN_SCHEMA, 400),
    )
    def put(self, request, token: str):
        body = _object(request.data)
        device = _object(body.get("device"), "/device") if "device" in body else {}
        if len(token) > DeviceToken._meta.get_field("token").max_length or "\x00" in token:
            raise BadParameter("token", "not a device token")
        known = DeviceToken.objects.filter(token=token, user=self.user).exists()
        problems, fields = [], {}
        for key, limit in DEVICE_LIMITS.items():
            required = key == "platform" and not known  # §5.5.3: a new token needs its platform
            value = _text(device, key, problems, f"/device/{key}", required=required, limit=limit)
            if value is not None:
                fields[key] = value
        if problems:
            raise InvalidBody(problems)
        return Response(serialize_device_token(device_token_save(user=self.user, token=token, **fields)))


# --- §5.5.4 event subscriptions -----------------------------------------------------------------


def serialize_event_subscription(row: EventSubscription) -> dict:
    return {
        "stream_name": row.camera.name,
        "event_types": {api: getattr(row, model) for api, model in EVENT_TYPES.items()},
        "notification_type": row.notification_type,
        "notification_frequency": row.notification_frequency,
    }


def parse_event_subscription(body) -> tuple[str, dict]:
    """(stream name, model fields) of a subscription body; 400 naming every bad field."""
    body = _object(body)
    problems, fields = [], {}
    name = _text(body, "stream_name", problems, "/stream_name", required=True)
    event_types = body.get("event_types")
    if not isinstance(event_types, dict):
        problems.append(("/event_types", "is required and must be an object of booleans"))
    else:
        for api, model in EVENT_TYPES.items():
            if api in event_types:
                if isinstance(event_types[api], bool):
                    fields[model] = event_types[api]
                else:
                    problems.append((f"/event_types/{api}", "must be a boolean"))
    kind = _text(body, "notification_type", problems, "/notification_type", required=True)
    if kind is not None and kind not in NOTIFICATION_TYPES:
        problems.append(("/notification_type", f"must be one of: {', '.join(NOTIFICATION_TYPES)}"))
    elif kind is not None:
        fields["notification_type"] = kind
    if "notification_frequency" in body:
        value = body["notification_frequency"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(("/notification_frequency", "must be a non-negative integer (seconds)"))
        else:
            fields["notification_frequency"] = value
    if problems:
        raise InvalidBody(problems)
    return name, fields


class EventSubscriptionView(WatcherClientView):
    """POST /profile/subscriptions/stream_event: subscribe the caller to one stream's events."""

    @extend_schema(
        operation_id="event_subscription_create",
        request=_json(EVENT_SUBSCRIPTION_SCHEMA),
        responses=responses(obj(*EVENT_SUBSCRIPTION_FIELDS, **EVENT_SUBSCRIPTION_FIELDS), 400, 404),
    )
    def post(self, request):
        name, fields = parse_event_subscription(request.data)
        camera = access_camera(self.user, name)  # a stream out of reach is 404, whatever its tenant
        subscription = event_subscription_save(user=self.user, camera=camera, **fields)
        return Response(serialize_event_subscription(subscription))


# --- §5.7 web push --------------------------------------------------------------------------------


def _is_push_url(text: str) -> bool:
    try:
        URLValidator(schemes=PUSH_SCHEMES)(text)
    except DjangoValidationError:
        return False
    return len(text) <= ENDPOINT_LIMIT


def _endpoint(body: dict, problems: list) -> str | None:
    endpoint = _text(body, "endpoint", problems, "/endpoint", required=True)
    if endpoint is not None and not _is_push_url(endpoint):
        problems.append(("/endpoint", f"must be an http or https URL of at most {ENDPOINT_LIMIT} characters"))
        return None
    return endpoint


class WebPushSubscriptionView(WatcherClientView):
    """GET /web_push/subscription?endpoint=…: 204 if the caller subscribed that endpoint, else 404."""

    @extend_schema(
        operation_id="web_push_subscription_existence_get",
        parameters=[
            OpenApiParameter("endpoint", str, required=True, description="the subscription's endpoint")
        ],
        responses=responses(None, 400, 404, status=204),
    )
    def get(self, request):
        endpoint = request.query_params.get("endpoint")
        if not endpoint or not _is_push_url(endpoint):
            raise BadParameter("endpoint", "endpoint is required and must be an http or https URL")
        if not web_push_subscription_exists(user=self.user, endpoint=endpoint):
            raise ObjectNotFound("web push subscription not found")
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebPushSubscribeView(WatcherClientView):
    """POST /web_push/subscribe: store the caller's `PushManager.subscribe()` result."""

    @extend_schema(
        operation_id="web_push_subscribe",
        request=_json(SUBSCRIBE_SCHEMA),
        responses=responses(None, 400, status=204),
    )
    def post(self, request):
        body = _object(request.data)
        problems = []
        endpoint = _endpoint(body, problems)
        keys = body.get("keys")
        p256dh = auth = None
        if not isinstance(keys, dict):
            problems.append(("/keys", "is required and must be an object with p256dh and auth"))
        else:
            p256dh = _text(keys, "p256dh", problems, "/keys/p256dh", required=True)
            if p256dh is not None and not p256dh_valid(p256dh):
                problems.append(("/keys/p256dh", "must be a base64url P-256 public key"))
            auth = _text(keys, "auth", problems, "/keys/auth", required=True)
            if auth is not None and not auth_secret_valid(auth):
                problems.append(("/keys/auth", "must be a base64url 16-byte secret"))
        if problems:
            raise InvalidBody(problems)
        web_push_subscribe(user=self.user, endpoint=endpoint, p256dh=p256dh, auth=auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebPushUnsubscribeView(WatcherClientView):
    """POST /web_push/unsubscribe: forget the caller's subscription at an endpoint (404 if none)."""

    @extend_schema(
        operation_id="web_push_unsubscribe",
        request=_json(obj("endpoint", endpoint=ENDPOINT_SCHEMA)),
        responses=responses(None, 400, 404, status=204),
    )
    def post(self, request):
        problems = []
        endpoint = _endpoint(_object(request.data), problems)
        if problems:
            raise InvalidBody(problems)
        if not web_push_unsubscribe(user=self.user, endpoint=endpoint):
            raise ObjectNotFound("web push subscription not found")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- §5.11 notification_send ----------------------------------------------------------------------


class NotificationSendView(WatcherClientView):
    """POST /notifications/notify: a test push to every browser the caller subscribed."""

    @extend_schema(
        operation_id="notification_send",
        request=_json(component("Notification", obj("title", "body", title=TEXT, body=TEXT))),
        responses=responses(None, 400, status=204),
    )
    def post(self, request):
        body = _object(request.data)
        problems = []
        title = _text(body, "title", problems, "/title", required=True, limit=200)
        text = _text(body, "body", problems, "/body", required=True)
        if problems:
            raise InvalidBody(problems)
        notification_send(user=self.user, title=title, body=text, data={"type": "test"})
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("profile/device-tokens/<str:token>", DeviceTokenView.as_view(), name="device_token_save"),
    path(
        "profile/subscriptions/stream_event",
        EventSubscriptionView.as_view(),
        name="event_subscription_create",
    ),
    path(
        "web_push/subscription",
        WebPushSubscriptionView.as_view(),
        name="web_push_subscription_existence_get",
    ),
    path("web_push/subscribe", WebPushSubscribeView.as_view(), name="web_push_subscribe"),
    path("web_push/unsubscribe", WebPushUnsubscribeView.as_view(), name="web_push_unsubscribe"),
    path("notifications/notify", NotificationSendView.as_view(), name="notification_send"),
]

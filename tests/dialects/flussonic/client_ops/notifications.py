"""Registry rows: device tokens, event subscriptions, web push and notification_send."""

import base64
import json
import secrets
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import override_settings

from accounts.models import DeviceToken, WebPushSubscription
from accounts.services.notifications import web_push_subscribe

from ..registry import JSON, Operation

ALICE_ENDPOINT = "https://push.example.test/send/alice-browser"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict:
    """What a browser's `PushManager.subscribe()` gives as `keys` (tests/support/push_service.py has
    a full browser; importing it here would load it before pytest can rewrite its asserts)."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))}


def subscribe(user, endpoint: str) -> None:
    keys = browser_keys()
    with override_settings(NVR_PUSH_ALLOW_PRIVATE=True):  # the .test name resolves nowhere
        web_push_subscribe(user=user, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"])


def existence_path(endpoint: str) -> str:
    return "/web_push/subscription?endpoint=" + quote(endpoint, safe="")


def check_device_token_save(world, api):
    body = {"device": {"model": "Pixel 8", "platform": "android", "version": "14"}}
    response = api(
        "PUT", "/profile/device-tokens/fcm:abc-123", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"token": "fcm:abc-123", **body}
    assert DeviceToken.objects.get(token="fcm:abc-123").user == world.alice


def check_event_subscription_create(world, api):
    body = {
        "stream_name": "a-lobby",
        "event_types": {
            "episode_generic": True,
            "episode_vehicle": False,
            "episode_face": True,
            "stream_dead": True,
        },
        "notification_type": "push",
    }
    response = api(
        "POST", "/profile/subscriptions/stream_event", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert isinstance(answer.pop("notification_frequency"), int)
    assert answer == body
    assert world.alice.event_subscriptions.get().camera == world.cameras.lobby


def check_web_push_subscription_existence_get(world, api):
    assert api("GET", existence_path(ALICE_ENDPOINT), login="alice").status_code == 404
    subscribe(world.alice, ALICE_ENDPOINT)
    response = api("GET", existence_path(ALICE_ENDPOINT), login="alice")
    assert response.status_code == 204 and response.content == b""


def check_web_push_subscribe(world, api):
    sent = {"endpoint": ALICE_ENDPOINT, "keys": browser_keys()}
    with override_settings(NVR_PUSH_ALLOW_PRIVATE=True):  # the .test name resolves nowhere
        response = api("POST", "/web_push/subscribe", login="alice", data=json.dumps(sent), content_type=JSON)
    assert response.status_code == 204 and response.content == b""
    row = WebPushSubscription.objects.get(user=world.alice)
    assert (row.endpoint, row.p256dh, row.auth) == (
        ALICE_ENDPOINT,
        sent["keys"]["p256dh"],
        sent["keys"]["auth"],
    )


def check_web_push_unsubscribe(world, api):
    subscribe(world.alice, ALICE_ENDPOINT)
    body = json.dumps({"endpoint": ALICE_ENDPOINT})
    response = api("POST", "/web_push/unsubscribe", login="alice", data=body, content_type=JSON)
    assert response.status_code == 204 and response.content == b""
    assert not WebPushSubscription.objects.exists()
    again = api("POST", "/web_push/unsubscribe", login="alice", data=body, content_type=JSON)
    assert again.status_code == 404 and again.json()["errors"][0]["code"] == "not_found"


def check_notification_send(world, api):
    body = json.dumps({"title": "Test", "body": "Hello from Watcher"})
    response = api("POST", "/notifications/notify", login="alice", data=body, content_type=JSON)
    assert response.status_code == 204 and response.content == b""


def carol_subscription(world) -> str:
    endpoint = "https://push.example.test/send/carol-browser"
    subscribe(world.carol, endpoint)
    return existence_path(endpoint)


OPERATIONS: dict[str, Operation] = {
    "device_token_save": Operation("PUT", "/profile/device-tokens/fcm:abc-123", check_device_token_save),
    "event_subscription_create": Operation(
        "POST", "/profile/subscriptions/stream_event", check_event_subscription_create
    ),
    "web_push_subscription_existence_get": Operation(
        "GET",
        "/web_push/subscription",
        check_web_push_subscription_existence_get,
        foreign_path=carol_subscription,
    ),
    "web_push_subscribe": Operation("POST", "/web_push/subscribe", check_web_push_subscribe),
    "web_push_unsubscribe": Operation("POST", "/web_push/unsubscribe", check_web_push_unsubscribe),
    "notification_send": Operation("POST", "/notifications/notify", check_notification_send),
}

"""Where a user's notifications go, and web push delivery (RFC 8030 push, RFC 8291 payloads, RFC 8292 VAPID).

Mobile device tokens (Firebase Cloud Messaging) are stored for the apps but not pushed to: this
installation holds no FCM credentials. Browser subscriptions are pushed to directly, signed with
the installation's VAPID key. Delivery runs in a Celery task after commit, so a slow or dead push
service never holds a request.
"""

import base64
import json
import logging

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from accounts import tasks
from accounts.models import DeviceToken, User, VapidKey, WebPushSubscription
from accounts.services.outbound import PrivateAddressRefused, public_session, public_url_problem

logger = logging.getLogger(__name__)

PUSH_TIMEOUT = 10.0  # seconds per subscription, in the worker
GONE = (404, 410)  # RFC 8030 §7.3: the subscription expired or was revoked
MAX_PAYLOAD = 3000  # bytes of JSON; one aes128gcm record carries at most 3993 (RFC 8291 §4)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_key_get() -> VapidKey:
    """The installation's VAPID key pair. Migration 0002 makes it; should the row ever be missing
    (a flushed database), it is made again here, and concurrent callers agree on one row."""
    key = VapidKey.objects.filter(id=1).first()
    if key is not None:
        return key
    private = ec.generate_private_key(ec.SECP256R1())
    secret = private.private_numbers().private_value.to_bytes(32, "big")
    # The uncompressed point is the form browsers take as `applicationServerKey`.
    point = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    try:
        with transaction.atomic():
            return VapidKey.objects.create(id=1, private_key=_b64url(secret), public_key=_b64url(point))
    except IntegrityError:
        return VapidKey.objects.get(id=1)


def vapid_public_key() -> str:
    """The `applicationServerKey` a browser passes to `PushManager.subscribe()` (base64url)."""
    return vapid_key_get().public_key


def _vapid_subject() -> str:
    # RFC 8292 §2.1: a contact for the push service's operator; Apple's service requires a real one.
    return f"mailto:{settings.NVR_ADMIN_EMAIL or 'admin@localhost'}"


def p256dh_valid(text: str) -> bool:
    """True if `text` is a base64url P-256 public key in uncompressed form, as browsers send it."""
    try:
        raw = _b64url_decode(text)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return len(raw) == 65


def auth_secret_valid(text: str) -> bool:
    """True if `text` is a base64url 16-byte authentication secret (RFC 8291 §3.2)."""
    try:
        return len(_b64url_decode(text)) == 16
    except ValueError:
        return False


# --- device tokens and subscriptions ----------------------------------------------------------------


@transaction.atomic
def device_token_save(*, user: User, token: str, **device) -> DeviceToken:
    """Register or refresh a mobile push token; `device` holds any of platform, model, version.

    A token names one app installation, so if another user held it (a shared phone changed hands)
    it moves to `user`. Keys not given keep their stored values.
    """
    row = DeviceToken.objects.select_for_update().filter(token=token).first() or DeviceToken(token=token)
    row.user = user
    for name, value in device.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def web_push_subscribe(*, user: User, endpoint: str, p256dh: str, auth: str) -> WebPushSubscription:
    """Store (or refresh the keys of) a browser subscription for `user`.

    An endpoint belongs to one browser profile: when another user signs in there and subscribes,
    the previous user's row for it is removed, so their notifications stop reaching that browser.
    ValidationError (key `endpoint`) unless it is https to a public host (accounts.services.outbound).
    """
    if (problem := public_url_problem(endpoint)) is not None:
        raise ValidationError({"endpoint": f"the endpoint {problem}"})
    WebPushSubscription.objects.filter(endpoint=endpoint).exclude(user=user).delete()
    row = WebPushSubscription.objects.filter(user=user, endpoint=endpoint).first()
    row = row or WebPushSubscription(user=user, endpoint=endpoint)
    row.p256dh, row.auth = p256dh, auth
    row.full_clean()
    row.save()
    return row


def web_push_subscription_exists(*, user: User, endpoint: str) -> bool:
    return WebPushSubscription.objects.filter(user=user, endpoint=endpoint).exists()


def web_push_unsubscribe(*, user: User, endpoint: str) -> bool:
    """Remove `user`'s subscription at `endpoint`; False if there was none."""
    deleted, _ = WebPushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted > 0


# --- delivery ---------------------------------------------------------------------------------------


def _encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def push_payload(*, title: str, body: str, data: dict | None = None) -> dict:
    """The JSON a service worker receives; the body is cut (ending in "…") until it fits one record."""
    payload = {"title": title, "body": body, **(data or {})}
    keep = len(body)
    while len(_encode(payload)) > MAX_PAYLOAD and keep > 0:
        keep -= len(_encode(payload)) - MAX_PAYLOAD + 1  # at least the excess, in characters
        payload["body"] = body[: max(keep, 0)] + "…"
    return payload


def notification_send(*, user: User, title: str, body: str, data: dict | None = None, ttl: int = 3600) -> int:
    """Push `title` and `body` to every browser `user` subscribed, after commit, in a Celery task.

    Returns how many subscriptions the push goes to. `data` adds keys to the payload (e.g. the
    message id). `ttl` is how long the push service keeps it for a browser that is offline.
    """
    payload = push_payload(title=title, body=body, data=data)
    count = WebPushSubscription.objects.filter(user=user).count()
    if count:
        user_id = user.pk
        transaction.on_commit(lambda: tasks.web_push_deliver.delay(user_id, payload, ttl))
    return count


def web_push_deliver(*, user_id: int, payload: dict, ttl: int) -> int:
    """Send one encrypted push to each of the user's subscriptions; returns how many were accepted.

    A subscription the push service reports gone (404, 410) is deleted; any other failure is
    logged and the subscription kept, since the service may only be down for a while. An endpoint
    that is not, or no longer, a public https host gets nothing (checked again on the connection).
    """
    vapid = Vapid.from_raw(vapid_key_get().private_key.encode())
    data = _encode(payload)
    delivered = 0
    session = public_session()
    for subscription in WebPushSubscription.objects.filter(user_id=user_id):
        if (problem := public_url_problem(subscription.endpoint)) is not None:
            logger.warning("web push to %s refused: the endpoint %s", subscription.endpoint, problem)
            continue
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            webpush(
                subscription_info=info,
                data=data,
                vapid_private_key=vapid,
                vapid_claims={"sub": _vapid_subject()},
                ttl=ttl,
                timeout=PUSH_TIMEOUT,
                requests_session=session,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE:
                subscription.delete()
                continue
            logger.warning("web push to %s failed: %s", subscription.endpoint, status or exc)
        except PrivateAddressRefused as exc:  # the name resolved elsewhere since it was checked
            logger.warning("web push to %s refused: %s", subscription.endpoint, exc)
        except (requests.RequestException, ValueError) as exc:  # unreachable service, unusable keys
            logger.warning("web push to %s failed: %s", subscription.endpoint, exc)
        else:
            delivered += 1
    return delivered

"""Who wants to hear about a camera's events: users' event subscriptions."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.services.notifications import notification_send
from cameras.models import Camera, EventSubscription

# The only channel this server delivers an event notification through (browser web push).
NOTIFICATION_TYPES = ("push",)
EVENT_FLAGS = ("on_generic", "on_vehicle", "on_face", "on_stream_dead")


@transaction.atomic
def event_subscription_save(*, user, camera: Camera, **fields) -> EventSubscription:
    """Create or update `user`'s one subscription to `camera`; fields not given keep their values.

    `fields` are any of the EVENT_FLAGS, `notification_type` and `notification_frequency`. The
    caller has already checked that `user` may view the camera.
    """
    subscription = EventSubscription.objects.select_for_update().filter(user=user, camera=camera).first()
    subscription = subscription or EventSubscription(user=user, camera=camera)
    for name, value in fields.items():
        setattr(subscription, name, value)
    subscription.full_clean()
    subscription.save()
    return subscription


EVENT_KINDS = {
    "generic": "on_generic",
    "vehicle": "on_vehicle",
    "face": "on_face",
    "stream_dead": "on_stream_dead",
}


def camera_event_notify(
    *, camera: Camera, kind: str, title: str, body: str = "", data: dict | None = None
) -> int:
    """Push an event of `camera` to its subscribers who asked for `kind`; returns how many users.

    `kind` is a key of EVENT_KINDS. A subscriber hears at most one event per `notification_frequency`
    seconds: each is claimed with a conditional UPDATE, so two workers reporting events at once
    notify a user once. Subscribers who may no longer view the camera are skipped. Pushes leave
    after commit (accounts.services.notifications).
    """
    now = timezone.now()
    flag = EVENT_KINDS[kind]
    notified = 0
    subscriptions = EventSubscription.objects.filter(camera=camera, **{flag: True}).select_related("user")
    for subscription in subscriptions:
        # Grants may have changed since the user subscribed.
        if not Camera.objects.for_user(subscription.user).filter(pk=camera.pk).exists():
            continue
        quiet_since = now - timedelta(seconds=subscription.notification_frequency)
        claimed = (
            EventSubscription.objects.filter(pk=subscription.pk)
            .filter(Q(last_notified_at__isnull=True) | Q(last_notified_at__lte=quiet_since))
            .update(last_notified_at=now)
        )
        if claimed != 1:
            continue  # notified within its frequency, here or by another worker
        payload = {"type": "stream_event", "event": kind, "stream_name": camera.name, **(data or {})}
        notification_send(user=subscription.user, title=title, body=body, data=payload)
        notified += 1
    return notified

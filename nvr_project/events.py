"""Realtime events: every event name in one place, sent to a Channels group only after commit.

Services call `publish(...)`; consumers relay what arrives. Sending after commit means a page
never hears of a row it cannot read yet (Zulip's `send_event`).
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

CAMERA_STATUS = "camera.status"
CAMERA_CHANGED = "camera.changed"
EPISODE_CREATED = "episode.created"
JOB_PROGRESS = "job.progress"

EVENT_TYPES = frozenset({CAMERA_STATUS, CAMERA_CHANGED, EPISODE_CREATED, JOB_PROGRESS})


def organization_group(organization_id: int) -> str:
    """The group every page of one organization listens on."""
    return f"org.{organization_id}"


def publish(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send `payload` to `group` once the current transaction commits (at once outside one)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            # Consumers dispatch on "type": dots become underscores, so camera.status -> camera_status().
            async_to_sync(layer.group_send)(group, {"type": event_type, "payload": payload})
        except Exception:  # a lost notification must never undo the write that caused it
            logger.exception("could not publish %s to %s", event_type, group)

    transaction.on_commit(send)

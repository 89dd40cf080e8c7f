"""Realtime events: every event name and payload shape in one place, sent only after commit.

Services call the `*_publish` helpers below (or `publish` with a payload built here); consumers
relay what arrives and build what they send themselves with the same builders, so a page and the
Watcher long-poll see one shape whichever path an event took. Sending after commit means a page
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


# --- payloads --------------------------------------------------------------------------------------


def camera_status_payload(
    *,
    camera: str,
    status: str,
    reason: str = "",
    video_codec: str = "",
    width: int = 0,
    height: int = 0,
    audio_transcoded: bool = False,
    bitrate: int | None = None,
) -> dict[str, Any]:
    """`camera.status`: where a camera's recorder stands, and what it reads (bitrate in kbit/s)."""
    return {
        "camera": camera,
        "status": status,
        "reason": reason,
        "video_codec": video_codec or "",
        "width": width or 0,
        "height": height or 0,
        "audio_transcoded": bool(audio_transcoded),
        "bitrate": bitrate,
    }


def camera_changed_payload(*, camera: str, enabled: bool | None = None, deleted: bool = False) -> dict:
    """`camera.changed`: a camera's configuration changed (or it is gone); pages reload it."""
    if deleted:
        return {"camera": camera, "deleted": True}
    return {"camera": camera, "enabled": enabled}


def episode_created_payload(
    *, camera: str, episode_id: int, episode_type: str, opened_at, title: str
) -> dict:
    """`episode.created`: a new episode on a camera; `opened_at` in Unix seconds."""
    return {
        "camera": camera,
        "episode": episode_id,
        "type": episode_type,
        "opened_at": opened_at.timestamp(),
        "title": title,
    }


def job_progress_payload(*, job_id: str, kind: str, **progress) -> dict:
    """`job.progress`: a job's status and progress fields (`status`, `progress`, `bytes_done`, ...)."""
    return {"job": job_id, "kind": kind, **progress}


# --- publishing what the services tell -----------------------------------------------------------


def camera_changed_publish(organization_id: int, **payload) -> None:
    publish(organization_group(organization_id), CAMERA_CHANGED, camera_changed_payload(**payload))


def camera_status_publish(organization_id: int, **payload) -> None:
    publish(organization_group(organization_id), CAMERA_STATUS, camera_status_payload(**payload))


def episode_created_publish(organization_id: int, **payload) -> None:
    publish(organization_group(organization_id), EPISODE_CREATED, episode_created_payload(**payload))


def job_progress_publish(organization_id: int, **payload) -> None:
    publish(organization_group(organization_id), JOB_PROGRESS, job_progress_payload(**payload))

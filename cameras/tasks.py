"""Celery tasks of the cameras app: thin wrappers around services."""

from celery import shared_task

from cameras.services import streamer_heartbeat as streamer_heartbeat_service


@shared_task(name="cameras.tasks.streamer_heartbeat")
def streamer_heartbeat() -> None:
    streamer_heartbeat_service()

"""Celery tasks of the recordings app: the recorder's assign pass and per-camera recording task."""

import logging
import threading
import uuid

from celery import shared_task
from celery.signals import worker_shutting_down

from recordings.recorder.lease import cameras_without_lease, ingest_queue, lease_reserve
from recordings.recorder.supervisor import record_camera

logger = logging.getLogger(__name__)

# Set when this worker process shuts down: every camera loop closes its segment and lets go.
STOPPING = threading.Event()


@worker_shutting_down.connect
def _stop_recording(**kwargs) -> None:
    STOPPING.set()


@shared_task(name="recordings.tasks.recorder_assign", ignore_result=True)
def recorder_assign() -> int:
    """Hand every enabled camera that nobody records to the ingest queue, once."""
    sent = 0
    unheld = cameras_without_lease().values_list("pk", "streamer__hostname", "_pin_draining")
    for camera_id, pinned_to, pin_draining in unheld:
        token = uuid.uuid4().hex
        if lease_reserve(camera_id=camera_id, token=token):
            # A camera pinned to a node goes to that node's own queue (ingest.<node>), unless the
            # node is draining: then to the shared queue, where any other node picks it up.
            queue = ingest_queue(None if pin_draining else pinned_to)
            camera_record.apply_async(args=[camera_id, token], queue=queue)
            sent += 1
    return sent


# Acknowledged on receipt (acks_late off): a recording runs for days, and a redelivered message
# would start a second recorder; the lease is what keeps a camera recorded if this worker dies.
@shared_task(name="recordings.tasks.camera_record", acks_late=False, ignore_result=True)
def camera_record(camera_id: int, token: str = "") -> str:
    why = record_camera(camera_id=camera_id, stop=STOPPING, token=token)
    logger.info("recording of camera %s ended: %s", camera_id, why)
    return why


@shared_task(name="recordings.tasks.export_run", ignore_result=True)
def export_run_task(job_id: int) -> None:
    from recordings.playback.exports import export_run

    export_run(job_id)


@shared_task(name="recordings.tasks.exports_expire", ignore_result=True)
def exports_expire_task() -> int:
    from recordings.playback.exports import exports_expire

    return exports_expire()


@shared_task(name="recordings.tasks.retention_enforce", ignore_result=True)
def retention_enforce_task() -> dict:
    from recordings.retention import retention_run

    report = retention_run()
    return {"deleted_segments": report.deleted_segments, "deleted_bytes": report.deleted_bytes}


@shared_task(name="recordings.tasks.batch_run", ignore_result=True)
def batch_run_task(job_id: int) -> None:
    from recordings.playback.batch import recordings_batch_run

    recordings_batch_run(job_id)


@shared_task(name="recordings.tasks.recordings_sync", ignore_result=True)
def recordings_sync_task(camera_ids: list[int] | None = None) -> dict:
    from recordings.sync import recordings_sync

    report = recordings_sync(camera_ids=camera_ids)
    return {"rows_deleted": report.rows_deleted, "files_indexed": report.files_indexed}


@shared_task(name="recordings.tasks.sync_run", ignore_result=True)
def sync_run_task(job_id: int) -> None:
    from recordings.sync import sync_run

    sync_run(job_id)


@shared_task(name="recordings.tasks.retention_daily", ignore_result=True)
def retention_daily_task() -> int:
    from recordings.retention import retention_daily

    return len(retention_daily())

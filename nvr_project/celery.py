"""The Celery app: task discovery, the two queues, the beat schedule, and the node heartbeat."""

import logging
import os
import threading

from celery import Celery
from celery.signals import worker_ready, worker_shutting_down
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr_project.settings")

logger = logging.getLogger(__name__)

app = Celery("nvr_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
# `ingest` carries only the long-running recording tasks; everything bounded goes to `default`.
app.conf.task_queues = (Queue("default"), Queue("ingest"))
app.autodiscover_tasks()

# Periodic work, all in one place.
app.conf.beat_schedule = {
    # Often enough that a dead worker's cameras are taken over within seconds of their lease expiring.
    "recorder-assign": {"task": "recordings.tasks.recorder_assign", "schedule": 3.0},
    "credentials-purge": {"task": "accounts.tasks.credentials_purge", "schedule": 3600.0},
    "retention-daily": {"task": "recordings.tasks.retention_daily", "schedule": 60.0},
    "retention-enforce": {"task": "recordings.tasks.retention_enforce", "schedule": 60.0},
    "exports-expire": {"task": "recordings.tasks.exports_expire", "schedule": 600.0},
}

HEARTBEAT_SECONDS = 10.0
_stop_heartbeat = threading.Event()


def _heartbeat_loop() -> None:
    from django.db import close_old_connections

    from cameras.services import streamer_heartbeat

    while not _stop_heartbeat.is_set():
        try:
            streamer_heartbeat()
        except Exception:  # a missed heartbeat must not kill the worker; the next one retries
            logger.exception("node heartbeat failed")
        finally:
            close_old_connections()
        _stop_heartbeat.wait(HEARTBEAT_SECONDS)


@worker_ready.connect
def _start_node_heartbeat(sender, **kwargs) -> None:
    """An ingest worker registers its host as a recording node and reports its load every 10 s.

    It runs in the worker rather than from beat because beat would reach one worker on one host,
    while every recording host must report for itself.
    """
    if "ingest" in sender.app.amqp.queues.consume_from:
        threading.Thread(target=_heartbeat_loop, name="node-heartbeat", daemon=True).start()


@worker_shutting_down.connect
def _stop_node_heartbeat(**kwargs) -> None:
    _stop_heartbeat.set()

"""The Celery app: task discovery, the two queues and the whole beat schedule in one dict."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr_project.settings")

app = Celery("nvr_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
# `ingest` carries only the long-running recording tasks; everything bounded goes to `default`.
app.conf.task_queues = (Queue("default"), Queue("ingest"))
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "recorder-assign": {"task": "recordings.tasks.recorder_assign", "schedule": 5.0},
    "streamer-heartbeat": {"task": "cameras.tasks.streamer_heartbeat", "schedule": 10.0},
}

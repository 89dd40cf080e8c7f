"""Running what a request hands to the worker, inline, the way the worker would once it commits."""

from contextlib import contextmanager

from django.test import TestCase


@contextmanager
def worker_runs_after_commit():
    """Tasks queued on commit inside the block run (Celery eager) when it ends; tests never commit."""
    from nvr_project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield
    finally:
        app.conf.task_always_eager = previous

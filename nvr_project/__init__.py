"""The nvr project package: settings, ASGI/Celery entry points and the API dialects."""

from .celery import app as celery_app

__all__ = ["celery_app"]

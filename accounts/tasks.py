"""Celery tasks of the accounts app: thin wrappers around services."""

from celery import shared_task

from accounts import services


@shared_task(name="accounts.tasks.credentials_purge")
def credentials_purge() -> dict[str, int]:
    return services.credentials_purge()

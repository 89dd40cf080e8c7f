"""Celery tasks of the accounts app: thin wrappers around services."""

from celery import shared_task

from accounts import services


@shared_task(name="accounts.tasks.credentials_purge")
def credentials_purge() -> dict[str, int]:
    return services.credentials_purge()


@shared_task(name="accounts.tasks.web_push_deliver")
def web_push_deliver(user_id: int, payload: dict, ttl: int) -> int:
    from accounts.services.notifications import web_push_deliver  # it enqueues this task: no cycle

    return web_push_deliver(user_id=user_id, payload=payload, ttl=ttl)


@shared_task(name="accounts.tasks.password_recovery_mail")
def password_recovery_mail(email: str, reset_path: str) -> int:
    from accounts.services.password import password_recovery_mail

    return password_recovery_mail(email=email, reset_path=reset_path)

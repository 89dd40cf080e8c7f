"""/healthz: is the database, the broker, the channel layer and the media disk usable right now?"""

import shutil
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from nvr_project.celery import app as celery_app


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _check_broker() -> dict:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return {"transport": conn.transport.driver_type}


def _check_channel_layer() -> dict:
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "health.ping", "token": token})
        message = await layer.receive(channel)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned another message")

    async_to_sync(round_trip)()
    return {"backend": type(layer).__name__}


def _check_disk() -> dict:
    root = settings.NVR_MEDIA_ROOT
    root.mkdir(parents=True, exist_ok=True)
    usage = shutil.disk_usage(root)
    if usage.free < settings.NVR_MIN_FREE_BYTES:
        raise RuntimeError(
            f"only {usage.free} bytes free, below NVR_MIN_FREE_BYTES={settings.NVR_MIN_FREE_BYTES}"
        )
    return {"free_bytes": usage.free, "total_bytes": usage.total}


CHECKS = {
    "database": _check_database,
    "broker": _check_broker,
    "channel_layer": _check_channel_layer,
    "disk": _check_disk,
}


def run_checks() -> tuple[bool, dict]:
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail = check()
            result = {"ok": True, **detail}
        except Exception as exc:  # a health check reports failures, it does not raise them
            healthy = False
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    return healthy, results


@login_not_required
@never_cache
@require_GET
def healthz(request):
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )

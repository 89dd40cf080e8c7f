"""One shared core: what a fresh install holds, and rules about where code may write."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_migrate_creates_the_default_organization(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["NVR_DATA_DIR"] = str(tmp_path)
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    show = (
        "from organizations.models import Organization as O; "
        "print(list(O.objects.values_list('title', 'is_default')))"
    )
    result = subprocess.run(
        [*run, "shell", "-c", show], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[('Default organization', True)]"
    # Migrating again (an upgrade) adds no second one.
    subprocess.run([*run, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [*run, "shell", "-c", show], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[('Default organization', True)]"


# --- no ORM writes under nvr_project/dialects/ ----------------------------------------------------

# Called on anything, these write (a dict has none of them; a related manager has them all).
ALWAYS_WRITES = {
    "save",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# This writes when called on a manager or queryset (dict.update is fine).
QUERYSET_WRITES = {"update"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_for_update", "select_related", "only"}
# Files allowed to write for now: none (session rows moved to accounts/services/sessions.py).
KNOWN: set[str] = set()


def _chain(node: ast.AST) -> set[str]:
    """Every attribute name along a receiver like `Camera.objects.filter(...).select_for_update()`."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        else:
            return names


def orm_writes(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in ALWAYS_WRITES or (
                method in QUERYSET_WRITES and _chain(node.func.value) & QUERYSET_STEPS
            ):
                found.append((node.lineno, ast.unparse(node.func)))
    return found


def test_the_write_finder_sees_orm_writes_and_not_dict_updates():
    source = (
        "Camera.objects.create(name='x')\n"
        "Camera.objects.filter(pk=1).update(name='y')\n"
        "camera.save(update_fields=['name'])\n"
        "row.delete()\n"
        "Grant.objects.get_or_create(user=u)\n"
        "camera.grants.create(user=u)\n"
        "item.update({'a': 1})\n"
        "payload.create = 1\n"
    )
    assert [line for line, _ in orm_writes(source)] == [1, 2, 3, 4, 5, 6]


def test_no_dialect_writes_to_the_database_itself():
    """Dialects translate HTTP to the domain; every write goes through a service in the apps."""
    offenders = []
    for file in sorted((ROOT / "nvr_project" / "dialects").rglob("*.py")):
        relative = file.relative_to(ROOT).as_posix()
        if relative in KNOWN:
            continue
        offenders += [f"{relative}:{line} {call}()" for line, call in orm_writes(file.read_text())]
    assert offenders == [], "move these writes into a service:\n" + "\n".join(offenders)


# --- the request path is async-capable -----------------------------------------------------------


def test_every_middleware_in_the_request_path_is_async_capable(settings):
    from django.utils.module_loading import import_string

    sync_only = [m for m in settings.MIDDLEWARE if not getattr(import_string(m), "async_capable", False)]
    assert sync_only == []


def test_static_files_are_served_to_async_and_sync_requests(client):
    import asyncio

    from django.test import AsyncClient

    response = asyncio.run(AsyncClient().get("/static/js/htmx.min.js"))
    assert response.status_code == 200 and b"htmx" in b"".join(response.streaming_content)
    response = client.get("/static/js/htmx.min.js")
    assert response.status_code == 200 and b"htmx" in b"".join(response.streaming_content)


# --- every setting the code reads is declared ------------------------------------------------------


def test_every_nvr_setting_the_code_reads_is_declared_in_settings_and_the_readme():
    import re

    from django.conf import settings

    read = set()
    for app in ("accounts", "organizations", "cameras", "recordings", "nvr_project"):
        for file in (ROOT / app).rglob("*.py"):
            read |= set(re.findall(r"settings\.(NVR_[A-Z0-9_]+)", file.read_text()))
            read |= set(re.findall(r"getattr\(settings, \"(NVR_[A-Z0-9_]+)\"", file.read_text()))
    declared = (ROOT / "nvr_project" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    assert sorted(n for n in read if not re.search(rf"^{n} = ", declared, re.M)) == []
    # Settings that are not environment variables (paths derived from others) are not in the table.
    environment = {n for n in read if f'"{n}"' in declared}
    assert sorted(n for n in environment if f"`{n}`" not in readme) == []
    assert all(hasattr(settings, n) for n in read)


# --- event payloads are built in one place -------------------------------------------------------


def test_events_are_sent_and_their_payloads_built_only_in_nvr_project_events():
    """Services call the events.*_publish helpers; nobody else sends to the channel layer."""
    offenders = []
    for app in ("accounts", "organizations", "cameras", "recordings", "nvr_project"):
        for file in (ROOT / app).rglob("*.py"):
            if file == ROOT / "nvr_project" / "events.py" or "migrations" in file.parts:
                continue
            for node in ast.walk(ast.parse(file.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in {"publish", "group_send"}:
                        offenders.append(f"{file.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_recorder_and_the_consumer_send_one_camera_status_shape():
    from cameras.consumers import status_payload
    from nvr_project import events

    row = {
        "name": "lobby",
        "status": "running",
        "status_reason": "",
        "video_codec": "h264",
        "width": 640,
        "height": 480,
        "audio_transcoded": False,
        "bitrate": 900,
    }
    published = events.camera_status_payload(
        camera="lobby", status="running", video_codec="h264", bitrate=900
    )
    assert set(status_payload(row)) == set(published)

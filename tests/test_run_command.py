"""The README run command on embedded defaults: all starts, works together, and Ctrl-C stops it all."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with_env(marker: str) -> list[int]:
    """PIDs whose environment holds `marker`: every process the run started, however deep."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(port: int):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


def test_run_starts_everything_on_defaults_and_ctrl_c_leaves_no_process(tmp_path, rtsp_camera):
    source = rtsp_camera()
    port = free_port()
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "NVR_NODE_NAME"}}
    env.update(
        NVR_DATA_DIR=str(data_dir),
        NVR_PORT=str(port),
        NVR_ADMIN_PASSWORD="first-admin-pass",
        NVR_NODE_NAME="e2e-node",
    )
    run = subprocess.Popen(
        [sys.executable, "scripts/nvr.py", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = wait_for(lambda: healthy(port), 120, "/healthz")
        assert body["status"] == "ok"
        assert body["checks"]["database"]["vendor"] == "sqlite"
        assert body["checks"]["broker"]["transport"] == "filesystem"

        db = sqlite3.connect(data_dir / "nvr.sqlite3", timeout=20)
        assert db.execute("SELECT role FROM accounts_user WHERE login = 'admin'").fetchone() == ("admin",)
        # The ingest worker registers this host as a recording node.
        wait_for(
            lambda: db.execute("SELECT 1 FROM cameras_streamer WHERE hostname='e2e-node'").fetchone(),
            60,
            "node heartbeat",
        )
        # A task sent through the embedded broker is executed by a real worker process.
        db.execute(
            "INSERT INTO accounts_loginfailure (login, created_at) VALUES ('old', '2000-01-01 00:00:00')"
        )
        db.commit()
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from accounts.tasks import credentials_purge; credentials_purge.delay()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        wait_for(
            lambda: db.execute("SELECT COUNT(*) FROM accounts_loginfailure").fetchone() == (0,),
            60,
            "the worker to run the task",
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            assert response.status == 200
        # A camera added while it runs is picked up by beat's assign pass and recorded by the ingest worker.
        create = (
            "from cameras.services import camera_create; from organizations.models import Organization; "
            "camera_create(organization=Organization.objects.get(is_default=True), actor=None, "
            f"name='lobby', "
            f"input_urls=['{source.url}'], segment_duration=2)"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", create],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        complete = "SELECT COUNT(*) FROM recordings_segment WHERE complete = 1"
        wait_for(lambda: db.execute(complete).fetchone()[0] >= 2, 60, "the camera's first segments")
        status = db.execute(
            "SELECT status, video_codec, width FROM cameras_camera WHERE name='lobby'"
        ).fetchone()
        assert status == ("running", "h264", 640)
        assert len(processes_with_env(f"NVR_DATA_DIR={data_dir}")) >= 5  # runner, web, 2 workers, beat
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output[-3000:]
    assert "all processes stopped" in output
    assert "Created the administrator" in output
    assert processes_with_env(f"NVR_DATA_DIR={data_dir}") == []
    # The worker closed its open segment on the way out: nothing is left half-indexed.
    db = sqlite3.connect(data_dir / "nvr.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM recordings_segment WHERE complete = 0").fetchone() == (0,)
    assert db.execute("SELECT lease_owner FROM cameras_camera WHERE name='lobby'").fetchone() == ("",)

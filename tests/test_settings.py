"""A bad environment value stops start-up with one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@localhost/nvr", "DATABASE_URL='mysql://root@localhost/nvr' is not a"),
        ("REDIS_URL", "http://localhost:6379", "REDIS_URL='http://localhost:6379' is not a"),
        ("DEBUG", "perhaps", "DEBUG='perhaps' is not a boolean"),
        ("NVR_MIN_FREE_BYTES", "lots", "NVR_MIN_FREE_BYTES='lots' is not an integer"),
    ],
)
def test_a_bad_value_fails_with_one_line(variable, value, message, tmp_path):
    env = {**os.environ, variable: value, "NVR_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("configuration error:") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_the_defaults_need_no_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["NVR_DATA_DIR"] = str(tmp_path)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "nvr_project.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "channels.layers.InMemoryChannelLayer",
    ]


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_so_web_and_workers_share_it():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("only the embedded SQLite database needs WAL")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA journal_mode")
        # The test database lives in memory, where SQLite reports "memory"; a file reports "wal".
        assert cursor.fetchone()[0] in {"wal", "memory"}

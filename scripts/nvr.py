#!/usr/bin/env python3
"""Set up and run the NVR on a fresh machine with nothing but Python 3.11 (standard library only).

    python3 scripts/nvr.py run     # venv, install, migrate, first admin, then web + workers + beat
    python3 scripts/nvr.py test    # venv, install with test extras, run the test suite

`run` supervises daphne (HTTP and websockets), a Celery worker for the default queue, one for
the ingest queue, and Celery beat. Each child gets its own process group; Ctrl-C (or SIGTERM)
stops every group, waits, and kills what is left, so no process outlives the command.
"""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("NVR_VENV", ROOT / ".venv"))
PY = VENV / "bin" / "python"
STOP_GRACE_SECONDS = 15


def log(message: str) -> None:
    print(f"[nvr] {message}", flush=True)


def ensure_venv(extras: str) -> None:
    """Create the venv and (re)install the project when pyproject.toml or the extras changed."""
    if not PY.exists():
        log(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".nvr-installed{'-' + extras if extras else ''}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    # An install with the test extras also satisfies a plain one.
    for done in {stamp, VENV / ".nvr-installed-test"}:
        if done.exists() and done.read_text() == digest:
            return
    target = f".[{extras}]" if extras else "."
    log(f"installing {target} (first run takes a minute)")
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def manage(*args: str) -> None:
    result = subprocess.run([str(PY), "manage.py", *args], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def children(host: str, port: str) -> dict[str, list[str]]:
    celery = [str(PY), "-m", "celery", "-A", "nvr_project"]
    # gossip/mingle/heartbeat need broadcast, which the embedded filesystem broker lacks.
    quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"]
    # One camera holds one thread; past ~10-16 cameras a process spends its time trading the GIL,
    # so more cameras want more ingest processes rather than more threads (bench/recorder.py).
    processes = int(os.environ.get("NVR_INGEST_WORKERS", "1"))
    # The shared queue, and this node's own for the cameras pinned to it (cameras.services.node_name).
    queues = f"ingest,ingest.{os.environ.get('NVR_NODE_NAME') or socket.gethostname()}"
    threads = os.environ.get("NVR_INGEST_THREADS", "16")
    ingest = {
        f"ingest{n or ''}": [
            *celery,
            "worker",
            "-Q",
            queues,
            "-n",
            f"ingest{n or ''}@%h",
            "-P",
            "threads",
            "-c",
            threads,
            *quiet,
        ]
        for n in range(processes)
    }
    return {
        "web": [str(PY), "-m", "daphne", "-b", host, "-p", port, "nvr_project.asgi:application"],
        "worker": [*celery, "worker", "-Q", "default", "-n", "default@%h", "-c", "2", *quiet],
        **ingest,
        "beat": [*celery, "beat", "--loglevel", "INFO"],
    }


def stop_all(procs: dict[str, subprocess.Popen]) -> None:
    for name, proc in procs.items():
        if proc.poll() is None:
            log(f"stopping {name}")
            try:  # the leader alone: Celery's warm shutdown stops its own pool children in order
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        else:
            log(f"{name} stopped")
    for name, proc in procs.items():
        try:  # the group may hold pool children even after its leader exited
            os.killpg(proc.pid, signal.SIGKILL)
            if proc.poll() is None:
                log(f"killed {name}, it did not stop within {STOP_GRACE_SECONDS}s")
        except ProcessLookupError:
            pass


def supervise(procs_spec: dict[str, list[str]]) -> int:
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name, cmd in procs_spec.items():
            procs[name] = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; stopping everything")
                    stopping = True
                    break
            time.sleep(0.3)
    finally:
        stop_all(procs)
    log("all processes stopped")
    return 0


def run() -> int:
    ensure_venv("")
    host = os.environ.get("NVR_HOST", "127.0.0.1")
    port = os.environ.get("NVR_PORT", "8000")
    manage("check", "--fail-level", "ERROR")
    manage("migrate", "--no-input", "-v", "0")
    manage("collectstatic", "--no-input", "-v", "0")
    manage("nvr_bootstrap", "--url", f"http://{host}:{port}/")
    log(f"starting web on http://{host}:{port}/, workers and beat; Ctrl-C stops them all")
    return supervise(children(host, port))


def test(args: list[str]) -> int:
    ensure_venv("test")
    workers = os.environ.get("NVR_TEST_WORKERS", "2")
    cmd = [str(PY), "-m", "pytest", "-n", workers, *args]
    return subprocess.run(cmd, cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "setup"}:
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs on whatever python3 the machine has
        sys.exit("Python 3.11 or newer is needed")
    if sys.argv[1] == "setup":  # install only (CI's lint step needs the tools before the tests run)
        ensure_venv("test")
        return 0
    return run() if sys.argv[1] == "run" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

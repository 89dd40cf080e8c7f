#!/usr/bin/env python3
"""Set up and run the NVR on a fresh machine with nothing but Python 3.11 (standard library only).

    python3 scripts/nvr.py run     # venv, install, migrate, first admin, then web + workers + beat
    python3 scripts/nvr.py test    # venv, install with test extras, run the test suite

`run` supervises daphne (HTTP and websockets), a Celery worker for the default queue, one for
the ingest queue, and Celery beat. Each child gets its own process group; one that dies is
restarted with a growing delay, and one that keeps dying stops the command with exit code 1.
Ctrl-C (or SIGTERM) stops every group, waits, and kills what is left, so no process outlives
the command.
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
# A crashed child waits 1 s before its restart, then 2, 4 ... up to 60 s while it keeps crashing; a
# child that stayed up a minute starts again from 1 s. Five deaths within five minutes is a fault a
# restart will not cure (a bad setting, a full disk): the command stops and exits non-zero.
RESTART_FIRST_DELAY = 1.0
RESTART_MAX_DELAY = 60.0
RESTART_STABLE_SECONDS = 60.0
RESTART_MAX_CRASHES = 5
RESTART_WINDOW_SECONDS = 300.0


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
        if proc.poll() is None:
            log(f"killed {name}, it did not stop within {STOP_GRACE_SECONDS}s")
        kill_group(proc)


def kill_group(proc: subprocess.Popen) -> None:
    try:  # the group may hold pool children even after its leader exited
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.poll()


class Child:
    """One supervised process and its restart bookkeeping."""

    def __init__(self, name: str, cmd: list[str]):
        self.name, self.cmd = name, cmd
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.crashes: list[float] = []  # when it died, within the give-up window
        self.delay = 0.0  # the next restart's wait; doubles with each quick crash
        self.restart_at: float | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, start_new_session=True)
        self.started, self.restart_at = time.monotonic(), None


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def supervise(
    procs_spec: dict[str, list[str]],
    *,
    first_delay: float = RESTART_FIRST_DELAY,
    max_delay: float = RESTART_MAX_DELAY,
    stable_after: float = RESTART_STABLE_SECONDS,
    max_crashes: int = RESTART_MAX_CRASHES,
    window: float = RESTART_WINDOW_SECONDS,
) -> int:
    """Run every child, restart one that dies, and stop them all on a signal.

    A child that dies is restarted after a delay that doubles from `first_delay` up to `max_delay`
    and starts over once the child has stayed up `stable_after` seconds. One that dies `max_crashes`
    times within `window` seconds is given up on: everything stops and the exit code is 1, so a
    service manager sees the failure. A signal stops everything with exit code 0, as before.
    """
    kids = {name: Child(name, cmd) for name, cmd in procs_spec.items()}
    stopping = False
    failed = ""

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for kid in kids.values():
            kid.start()
        while not stopping:
            now = time.monotonic()
            for kid in kids.values():
                if kid.restart_at is not None:
                    if now >= kid.restart_at:
                        log(f"restarting {kid.name}")
                        kid.start()
                    continue
                code = kid.proc.poll()
                if code is None:
                    continue
                kill_group(kid.proc)  # a dead leader can leave pool children behind
                if now - kid.started >= stable_after:
                    kid.delay = 0.0
                kid.crashes = [t for t in kid.crashes if now - t < window] + [now]
                if len(kid.crashes) >= max_crashes:
                    failed = f"{kid.name} died {len(kid.crashes)} times within {window:g}s"
                    log(f"{kid.name} {describe_exit(code)}; {failed}, giving up and stopping everything")
                    stopping = True
                    break
                kid.delay = min(max_delay, kid.delay * 2) if kid.delay else first_delay
                kid.restart_at = now + kid.delay
                log(
                    f"{kid.name} {describe_exit(code)}; restarting in {kid.delay:g}s "
                    f"({len(kid.crashes)} of {max_crashes} deaths allowed within {window:g}s)"
                )
            time.sleep(0.3)
    finally:
        stop_all({kid.name: kid.proc for kid in kids.values() if kid.proc is not None})
    log("all processes stopped")
    if failed:
        log(f"exiting with an error: {failed}")
        return 1
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

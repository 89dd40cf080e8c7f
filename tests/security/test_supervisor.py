"""`scripts/nvr.py run` keeps the system up: a dead child is restarted with backoff and the reason
logged, one that keeps dying stops the command with a non-zero exit, and Ctrl-C still stops all.

The supervisor runs in a real subprocess with real children (short-lived Python processes), with
the delays shrunk so the tests take seconds.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def processes_with_env(marker: str) -> list[int]:
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
        if result := predicate():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def child(code: str) -> list[str]:
    return [PY, "-c", textwrap.dedent(code)]


def start_supervisor(tmp_path, children: dict[str, list[str]], **limits):
    """Run `nvr.supervise(children, **limits)` as its own process, as `nvr.py run` does."""
    marker = f"NVR_SUPERVISOR_TEST={uuid.uuid4().hex}"
    program = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "scripts")!r})
        import nvr
        sys.exit(nvr.supervise({children!r}, **{limits!r}))
        """
    )
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1], "STARTS": str(tmp_path / "starts")}
    proc = subprocess.Popen(
        [PY, "-c", program],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, marker


# Appends a line to $STARTS each time it starts, so a test can count restarts.
COUNTED = "import os; open(os.environ['STARTS'], 'a').write('start\\n');"
CRASHER = child(COUNTED + "import sys, time; time.sleep(0.1); sys.exit(3)")
SLEEPER = child("import time; time.sleep(120)")


def starts(tmp_path) -> int:
    file = tmp_path / "starts"
    return len(file.read_text().splitlines()) if file.exists() else 0


def test_a_crashed_child_is_restarted_with_growing_delays_and_the_reason_is_logged(tmp_path):
    proc, marker = start_supervisor(
        tmp_path,
        {"web": SLEEPER, "worker": CRASHER},
        first_delay=0.2,
        max_delay=0.4,
        stable_after=30,
        max_crashes=100,
        window=60,
    )
    try:
        wait_for(lambda: starts(tmp_path) >= 4, 20, "the worker to be restarted three times")
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    # Named, with its exit code, and the delay doubles up to the cap.
    assert "worker exited with code 3; restarting in 0.2s" in output
    assert "worker exited with code 3; restarting in 0.4s" in output
    assert "restarting worker" in output
    assert "web exited" not in output  # the healthy child was left alone
    assert processes_with_env(marker) == []


def test_a_child_that_stayed_up_starts_its_backoff_again(tmp_path):
    proc, _ = start_supervisor(
        tmp_path,
        {"worker": child(COUNTED + "import sys, time; time.sleep(0.6); sys.exit(1)")},
        first_delay=0.2,
        max_delay=5,
        stable_after=0.4,
        max_crashes=100,
        window=60,
    )
    try:
        wait_for(lambda: starts(tmp_path) >= 3, 20, "two restarts")
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert output.count("restarting in 0.2s") >= 2, output
    assert "restarting in 0.4s" not in output


def test_the_supervisor_gives_up_on_a_child_that_keeps_dying_and_exits_non_zero(tmp_path):
    proc, marker = start_supervisor(
        tmp_path,
        {"web": SLEEPER, "worker": CRASHER},
        first_delay=0.1,
        max_delay=0.2,
        stable_after=30,
        max_crashes=3,
        window=60,
    )
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, output
    assert starts(tmp_path) == 3
    assert "worker exited with code 3; worker died 3 times within 60s, giving up" in output
    assert "stopping web" in output and "all processes stopped" in output
    assert processes_with_env(marker) == []  # the healthy child went down with it


def test_a_child_killed_by_a_signal_is_named_with_the_signal(tmp_path):
    proc, _ = start_supervisor(
        tmp_path,
        {"worker": child("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")},
        first_delay=0.1,
        max_crashes=1,
    )
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "worker killed by SIGKILL" in output


def test_a_dead_leaders_leftover_children_are_killed_before_the_restart(tmp_path):
    # Like a Celery master that dies and leaves its pool: the grandchild shares the group.
    leaves_orphan = child(
        COUNTED
        + "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']);"
        + "sys.exit(1)"
    )
    proc, marker = start_supervisor(
        tmp_path, {"worker": leaves_orphan}, first_delay=5, max_crashes=100, window=60
    )
    try:
        wait_for(lambda: starts(tmp_path) >= 1, 20, "the first start")
        time.sleep(1.5)  # died, and now waits 5 s for its restart
        assert processes_with_env(marker) == [proc.pid], "the orphaned pool child outlived its leader"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def test_ctrl_c_stops_every_child_and_a_pending_restart_never_happens(tmp_path):
    proc, marker = start_supervisor(
        tmp_path,
        {"web": SLEEPER, "beat": SLEEPER, "worker": CRASHER},
        first_delay=30,
        max_crashes=100,
        window=60,
    )
    wait_for(lambda: starts(tmp_path) >= 1, 20, "the worker's first start")
    wait_for(lambda: len(processes_with_env(marker)) == 3, 20, "the worker to die, leaving web and beat")
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "stopping web" in output and "stopping beat" in output and "all processes stopped" in output
    assert starts(tmp_path) == 1
    assert processes_with_env(marker) == []

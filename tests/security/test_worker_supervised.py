"""`samizdat serve` keeps the publishing worker alive: killed, it is back within seconds (and
the log says why); stopping the server stops it."""

import os
import signal
import time
from pathlib import Path

import pytest

from .conftest import serving

pytestmark = pytest.mark.django_db


def process_state(pid):
    """(state letter, parent pid) from /proc, or None when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])


def alive(pid):
    state = process_state(pid)
    return state is not None and state[0] not in ("Z", "X")


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout}s")


def worker_pid(pid_file, other_than=None):
    try:
        pid = int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid != other_than and alive(pid) else None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc (Linux)")
def test_a_killed_worker_is_restarted_and_stopped_with_the_server(serve_env):
    pid_file = Path(serve_env["SAMIZDAT_DATA_DIR"]) / "worker.pid"
    with serving(serve_env) as (_, server, log):
        first = wait_for(lambda: worker_pid(pid_file), 30, "no publishing worker started")
        assert process_state(first)[1] == server.pid, "the worker is not the server's child"

        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: worker_pid(pid_file, other_than=first), 10, "the killed worker was not replaced")
        assert process_state(second)[1] == server.pid
        assert not alive(first)
        wait_for(lambda: "was killed by SIGKILL" in log.read_text(), 5, "the log does not say why the worker died")

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert not alive(second), "the worker outlived the server"
    assert not pid_file.exists()

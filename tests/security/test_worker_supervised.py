"""`samizdat serve` keeps the publishing worker and the admin server alive: killed, each is back
within seconds (and the log says why); stopping the server stops them."""

import http.client
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import require

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


def children(pid):
    """Child process ids of `pid` with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (state := process_state(int(entry.name))) and state[1] == pid:
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                pass
    return found


def admin_answers(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/admin/login/")
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False


def worker_pid(pid_file, other_than=None):
    try:
        pid = int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid != other_than and alive(pid) else None


def test_a_killed_worker_or_admin_server_is_restarted_and_stopped_with_the_server(serve_env):
    require(Path("/proc/self/stat").exists(), "this test reads the process tree from /proc (Linux)")
    pid_file = Path(serve_env["SAMIZDAT_DATA_DIR"]) / "worker.pid"
    with serving(serve_env) as (base, server, log):
        first = wait_for(lambda: worker_pid(pid_file), 30, "no publishing worker started")
        assert process_state(first)[1] == server.pid, "the worker is not the server's child"

        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: worker_pid(pid_file, other_than=first), 10, "the killed worker was not replaced")
        assert process_state(second)[1] == server.pid
        assert not alive(first)
        wait_for(lambda: "was killed by SIGKILL" in log.read_text(), 5, "the log does not say why the worker died")

        port = urlsplit(base).port
        wait_for(lambda: admin_answers(port), 30, "the admin never answered")
        admin = [pid for pid, cmd in children(server.pid).items() if "admin_wsgi" in cmd]
        assert len(admin) == 1, children(server.pid)
        os.kill(admin[0], signal.SIGKILL)
        wait_for(lambda: [p for p, c in children(server.pid).items() if "admin_wsgi" in c and p != admin[0]], 10,
                 "the killed admin server was not replaced")
        wait_for(lambda: admin_answers(port), 30, "the admin did not answer again")
        assert "admin server (pid" in log.read_text() and "was killed by SIGKILL" in log.read_text()

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert not alive(second), "the worker outlived the server"
    assert not any(alive(pid) for pid in children(server.pid)), "a child outlived the server"
    assert not pid_file.exists()

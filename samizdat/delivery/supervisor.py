"""Keeps the publishing worker running beside `samizdat serve`.

If the worker dies (a crash, the OOM killer, a stray `kill`), publishing would silently stop
while the admin still says "published". The supervisor notices within a fraction of a
second, logs why, and starts a new worker — after a back-off that doubles while the worker
keeps dying young, so a worker that cannot start does not spin. It stops the worker cleanly
when the server stops.
"""

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def _inherited_descriptors():
    folder = Path("/proc/self/fd") if Path("/proc/self/fd").is_dir() else Path("/dev/fd")
    for name in os.listdir(folder):
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                yield fd
        except OSError:
            pass  # the listing's own descriptor, closed by now


class Child:
    """A process started with posix_spawn, not subprocess.Popen: Popen waits on a pipe that
    the exec closes, and if Granian forks a web worker at that moment the worker keeps the
    pipe open and Popen hangs until the worker exits. posix_spawn has no such pipe. The child
    gets no descriptor above stderr — not Granian's listening socket, which Granian marks
    inheritable: a worker must never hold the port."""

    def __init__(self, argv):
        actions = [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inherited_descriptors()]
        # Its own process group, so stopping it also stops what it started (Granian's
        # workers, a full bake's processes).
        self.pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions, setpgroup=0)
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)
        return self.returncode

    def signal(self, sig):
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass


def exit_reason(returncode):
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


class WorkerSupervisor:
    """Runs `argv` (by default the publishing worker) until `stop()`, restarting it when it
    dies. `samizdat serve` supervises the admin server the same way."""

    def __init__(self, argv=None, *, name="publishing worker", pid_file=None, backoff=1.0, max_backoff=60.0,
                 healthy_after=30.0):
        self.argv = argv or [sys.executable, "-m", "samizdat.cli", "worker"]
        self.name = name
        self.pid_file = pid_file
        self.backoff, self.max_backoff, self.healthy_after = backoff, max_backoff, healthy_after
        self.process = None
        self.restarts = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="samizdat-worker-supervisor", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout=10.0):
        """Stop supervising and end the worker: SIGTERM, then SIGKILL after `timeout`."""
        with self._lock:
            self._stop.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.signal(signal.SIGTERM)
            if process.wait(timeout) is None:
                logger.warning("%s (pid %s) ignored SIGTERM for %ss; killing it", self.name, process.pid, timeout)
                process.signal(signal.SIGKILL)
                process.wait(timeout)
        self._thread.join(timeout=5)
        self._write_pid(None)

    def _write_pid(self, pid):
        if self.pid_file is None:
            return
        if pid is None:
            try:
                os.unlink(self.pid_file)
            except FileNotFoundError:
                pass
            return
        tmp = f"{self.pid_file}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{pid}\n")
        os.replace(tmp, self.pid_file)

    def _run(self):
        delay = self.backoff
        while True:
            with self._lock:
                if self._stop.is_set():
                    return
                self.process = process = Child(self.argv)
            self._write_pid(process.pid)
            started = time.monotonic()
            logger.info("%s started (pid %s)", self.name, process.pid)
            while process.poll() is None and not self._stop.is_set():
                self._stop.wait(0.2)
            if self._stop.is_set():
                return
            process.signal(signal.SIGKILL)  # what it started and left behind (a web worker, a bake)
            lived = time.monotonic() - started
            if lived >= self.healthy_after:
                delay = self.backoff
            logger.error(
                "%s (pid %s) %s after %.1fs; starting a new one in %.0fs",
                self.name, process.pid, exit_reason(process.returncode), lived, delay,
            )
            self.restarts += 1
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self.max_backoff)

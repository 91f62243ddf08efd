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
import subprocess
import sys
import threading
import time

logger = logging.getLogger(__name__)


def exit_reason(returncode):
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


class WorkerSupervisor:
    def __init__(self, argv=None, *, pid_file=None, backoff=1.0, max_backoff=60.0, healthy_after=30.0):
        self.argv = argv or [sys.executable, "-m", "samizdat.cli", "worker"]
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
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.warning("publishing worker (pid %s) ignored SIGTERM for %ss; killing it", process.pid, timeout)
                process.kill()
                process.wait()
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
                self.process = process = subprocess.Popen(self.argv)
            self._write_pid(process.pid)
            started = time.monotonic()
            logger.info("publishing worker started (pid %s)", process.pid)
            while process.poll() is None and not self._stop.is_set():
                self._stop.wait(0.2)
            if self._stop.is_set():
                return
            lived = time.monotonic() - started
            if lived >= self.healthy_after:
                delay = self.backoff
            logger.error(
                "publishing worker (pid %s) %s after %.1fs; starting a new one in %.0fs",
                process.pid, exit_reason(process.returncode), lived, delay,
            )
            self.restarts += 1
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self.max_backoff)

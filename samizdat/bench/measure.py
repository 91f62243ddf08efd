"""Measurements the benchmark takes: a command's time and peak memory (its whole process
tree), the publish request and publish-to-live through the real worker, a full bake shared
by worker processes, and requests per second with wrk.

Django and the models are imported inside the functions that use them:
this module is imported before its process is bound to a data folder and Django is set up."""

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path


def _children(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(c) for c in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def _rss(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(cmd, *, env=None, cwd=None):
    """Run `cmd`; return (seconds, peak RSS of it and all its children summed, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_rss(p) for p in [proc.pid, *_children(proc.pid)]))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{err[-3000:]}")
    return seconds, peak, out


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def _summary(values, digits=3):
    return {"p50": round(statistics.median(values), digits), "p95": round(percentile(values, 95), digits),
            "max": round(max(values), digits)}


class _SqlClock:
    """Time spent in the database driver (CaptureQueriesContext rounds each query to a ms)."""

    seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def publish_to_live(publishes=32, *, timeout=30.0):
    """Publish new posts while `samizdat worker` runs beside us. For each, two clocks: the
    publish request — `save_revision().publish()` in one transaction, what the editor waits
    for (with the SQL queries it runs) — and publish-to-live, from that commit to its bake
    batch being finished (every file on disk)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from taggit.models import Tag

    from samizdat.newsroom.models import Author, BlogPage, PostAuthor, PostPage
    from samizdat.publishing.models import BakeBatch

    roundtrip = _roundtrip_ms()
    blogs = list(BlogPage.objects.live().filter(slug__startswith="blog-").order_by("pk"))
    authors = list(Author.objects.filter(slug__contains="-author-").order_by("pk")[:5])
    tags = list(Tag.objects.filter(slug__contains="-topic-").order_by("pk")[:5])
    requests, queries, sql, timings, rendered = [], [], [], [], []
    for i in range(publishes):
        blog = blogs[i % len(blogs)]
        post = PostPage(title=f"Bench post {i} {time.time_ns()}", slug=f"bench-{i}-{time.time_ns()}",
                        teaser="Measured.", body="<p>Measured.</p>")
        blog.add_child(instance=post)
        post.post_authors.add(PostAuthor(author=authors[i % len(authors)]))
        post.tags.add(tags[i % len(tags)])
        last = BakeBatch.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # Capturing costs a few microseconds per query; the request runs a few dozen.
        in_sql = _SqlClock()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(in_sql):
            sent = time.perf_counter()
            with transaction.atomic():
                post.save_revision().publish()
            started = time.perf_counter()
        requests.append(started - sent)
        queries.append(len(captured))
        sql.append(in_sql.seconds)
        batches = BakeBatch.objects.filter(pk__gt=last)
        while True:
            states = list(batches.values_list("finished_at", "paths"))
            if states and all(f is not None for f, _ in states):
                break
            if time.perf_counter() - started > timeout:
                raise RuntimeError("the worker did not bake the publish in time: is it running?")
            time.sleep(0.002)
        timings.append(time.perf_counter() - started)
        rendered.append(len({p for _, paths in states for p in paths}))
        time.sleep(0.1)
    request, live = _summary(requests, 4), _summary(timings)
    return {
        "publishes": publishes,
        "request_p50_s": request["p50"],
        "request_p95_s": request["p95"],
        "request_max_s": request["max"],
        "request_queries_median": statistics.median(queries),
        "request_queries_max": max(queries),
        "request_sql_s_median": round(statistics.median(sql), 4),
        "p50_s": live["p50"],
        "p95_s": live["p95"],
        "max_s": live["max"],
        "pages_per_publish_median": statistics.median(rendered),
        "pages_per_publish_max": max(rendered),
        "db_roundtrip_ms_mean": roundtrip,
        "load": round(os.getloadavg()[0], 1),
    }


def _roundtrip_ms(n=200):
    """Mean time of `SELECT 1` in ms: what one query costs on this machine now, whatever it
    asks. On PostgreSQL each query waits for the server process to be scheduled: on a busy
    machine most take microseconds and some a whole time slice (4 ms), so the mean, not the
    median, says what a few dozen queries cost."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(n):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.fmean(times), 3)


def full_bake_queued(workers, env, *, timeout=3600.0):
    """A full bake queued as tasks (`samizdat bake --queue`) and taken by `workers` worker
    processes started beforehand: seconds from queueing to the full batch being finished
    (every job and the finishing step done), and which workers took how many jobs."""
    from samizdat.publishing.models import BakeBatch, BakeJob
    from samizdat.publishing.services import site_bake_queue
    from samizdat.publishing.worker import heartbeat_file

    # We time the bake, not start-up: each worker is started alone and waited for until it
    # says it is alive (its first loop); the long scheduler interval keeps it from saying so again.
    env = {**env, "SAMIZDAT_WORKER_INTERVAL": "3600"}
    procs = []
    try:
        for _ in range(workers):
            heartbeat_file().unlink(missing_ok=True)
            procs.append(worker_start(env))
            deadline = time.monotonic() + 120
            while not heartbeat_file().exists():
                if procs[-1].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("a worker did not start for the queued full bake")
                time.sleep(0.05)
        started = time.perf_counter()
        batch = site_bake_queue(reason="samizdat bench: full bake, queued")  # what `samizdat bake --queue` does
        while not BakeBatch.objects.filter(pk=batch.pk, finished_at__isnull=False).exists():
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a worker died during the queued full bake")
            if time.perf_counter() - started > timeout:
                raise RuntimeError("the workers did not finish the queued full bake in time")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    jobs = BakeJob.objects.filter(batch=batch)
    pages = sum(jobs.values_list("rendered", flat=True))
    by_worker = {}
    for worker in jobs.values_list("worker", flat=True):
        by_worker[worker] = by_worker.get(worker, 0) + 1
    return {"workers": workers, "pages": pages, "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1),
            "jobs": jobs.count(), "jobs_per_worker": sorted(by_worker.values(), reverse=True),
            "max_runs": max(jobs.values_list("runs", flat=True), default=0)}


def worker_start(env):
    return subprocess.Popen([sys.executable, "-m", "samizdat.cli", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url, *, seconds=10, connections=32, threads=2):
    """(requests per second, p99 latency in ms) that wrk measures against `url`."""
    out = subprocess.run(["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", out, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    return float(match.group(1)), round(float(p99.group(1)) * _UNITS[p99.group(2)], 2)


def wait_for_port(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")

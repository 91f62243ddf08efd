"""The benchmark run: for each database and archive size a fresh newsroom in its own data
folder (and, on PostgreSQL, its own database), its full bake — in this process, and queued
for one and for two worker processes —, the editor's publish request and publish-to-live
through the worker, and Hugo on the same content; then serving a baked post with
`samizdat serve` and with nginx. Results go to JSON, docs/benchmarks.md and a plot.

Each size runs in its own `samizdat bench --one N` process, because Django binds to one
database per process.

Django, the models and optional tools (psycopg) are imported inside the functions that use them:
this module is imported before its process is bound to a data folder and Django is set up.
"""

import json
import os
import pwd
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from .measure import run_measured, wait_for_port, wrk
from .report import report_write

ROOT = Path(__file__).resolve().parents[2]
DATABASES = ("sqlite", "postgresql")
PARTS = ("hugo", "serving", "full-bake")  # what --skip may leave out
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/"


def _samizdat(*args):
    return [sys.executable, "-m", "samizdat.cli", *args]


def _env(data_dir, database_url=None):
    env = {**os.environ, "SAMIZDAT_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev"}
    for key in ("DATABASE_URL", "SAMIZDAT_SITE_DIR"):
        env.pop(key, None)  # the embedded SQLite, unless a PostgreSQL database is given
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextmanager
def postgres_database(server_url, name):
    """A fresh database `name` on the server at `server_url`, dropped afterwards; yields its URL."""
    import psycopg

    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup_batches_close():
    """Without a full bake, close the journal entries that building the newsroom queued
    (publishing the synthetic edition queues the whole edition): nothing of it is on the
    site, and a publish must be measured alone. A new post's bake needs only its own paths
    (its page, the listing pages it enters, the posts whose latest-posts box shows it),
    all rendered from the database, so it does not depend on a prior full bake."""
    from django.utils import timezone

    from samizdat.publishing.models import BakeBatch

    return BakeBatch.objects.filter(finished_at__isnull=True).update(
        finished_at=timezone.now(), resolved_at=timezone.now(), last_error="closed unbaked by samizdat bench"
    )


def one_size(size, out, *, skip=()):
    """Inside a process bound to a fresh data folder (and database): build, bake, publish, export."""
    from django.core.management import call_command
    from django.db import connection

    from samizdat.newsroom.services import newsroom_home_ensure

    from .hugo import hugo_export
    from .measure import full_bake_queued, publish_to_live, worker_start
    from .synthetic import synthetic_newsroom_create

    call_command("migrate", verbosity=0)
    newsroom_home_ensure()
    started = time.perf_counter()
    synthetic_newsroom_create(size, slug="bench")
    result = {"posts": size, "database": connection.vendor, "generate_s": round(time.perf_counter() - started, 2)}
    # A PostgreSQL database has been vacuumed and analysed by autovacuum by the time it holds
    # 100,000 posts; one filled a minute ago has not, and its planner guesses (at 100k: 0.45 s
    # of SQL per publish before, 0.16 s after). Not SQLite's ANALYZE: its statistics made
    # SQLite choose a slow plan for page lookups (0.04 → 0.62 s of SQL per publish at 100k).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    env = dict(os.environ)
    if "full-bake" in skip:
        result["bake"] = None
        result["setup_batches_closed_unbaked"] = _setup_batches_close()
    else:
        result["bake"] = {**_bake_again(env, Path(os.environ["SAMIZDAT_DATA_DIR"])), "workers": os.cpu_count()}
        result["bake_queued"] = [full_bake_queued(n, env) for n in (1, 2)]
        one, two = result["bake_queued"]
        result["bake_queued_scaling"] = round(one["seconds"] / two["seconds"], 2)
    worker = worker_start(env)
    try:
        time.sleep(1.5)
        result["publish"] = publish_to_live()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    if "hugo" not in skip:
        result["hugo_posts"] = hugo_export(Path(os.environ["SAMIZDAT_DATA_DIR"]) / "hugo")
    Path(out).write_text(json.dumps(result))


def _hugo(site_dir):
    from .hugo import hugo_binary

    shutil.rmtree(site_dir / "public", ignore_errors=True)
    seconds, peak, _ = run_measured([str(hugo_binary()), "--quiet", "-s", str(site_dir)])
    return _rate(sum(1 for _ in (site_dir / "public").rglob("index.html")), seconds, peak)


def _rate(pages, seconds, peak):
    """One measured build: pages, seconds, pages per second and peak memory (MB)."""
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1),
            "peak_rss_mb": round(peak / 2**20)}


def _bake_again(env, data_dir):
    """A first full bake: the site folder removed first (again, for the later rounds)."""
    shutil.rmtree(data_dir / "site", ignore_errors=True)
    seconds, peak, stdout = run_measured(_samizdat("bake", "--json"), env=env)
    return _rate(json.loads(stdout.strip().splitlines()[-1])["rendered"], seconds, peak)


def _median_run(runs):
    """The run of median time, with the highest peak memory of all the runs."""
    return {**sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2], "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def _bake_vs_hugo(result, env, data_dir, rounds):
    """Full bake against Hugo (equal templates) and its floor (the leanest templates),
    alternated `rounds` times on the same machine — one run each swings by a third on a
    shared machine, with the file system's state — and the median run of each kept."""
    runs = {"bake": [result["bake"]] if result["bake"] else [], "hugo": [], "hugo_lean": []}
    for _ in range(rounds):
        runs["hugo"].append(_hugo(data_dir / "hugo"))
        runs["hugo_lean"].append(_hugo(data_dir / "hugo-lean"))
        if result["bake"]:
            runs["bake"].append(_bake_again(env, data_dir))
    result["hugo"], result["hugo_lean"] = _median_run(runs["hugo"]), _median_run(runs["hugo_lean"])
    result["rounds"] = rounds
    if result["bake"]:
        result["bake_first"] = result["bake"]
        result["bake"] = {**result["bake"], **_median_run(runs["bake"])}
        result["bake_vs_hugo"] = round(result["bake"]["pages_per_s"] / result["hugo"]["pages_per_s"], 2)
        result["bake_vs_hugo_lean"] = round(result["bake"]["pages_per_s"] / result["hugo_lean"]["pages_per_s"], 2)
    result["bake_vs_hugo_runs"] = {k: [r["seconds"] for r in v] for k, v in runs.items()}


NGINX = """{user}daemon off; worker_processes 2; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; types {{ text/html html; }}
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{ listen 127.0.0.1:{port}; root {root}; index index.html; }} }}
"""


def _serving(env, data_dir, post_path, *, seconds=10):
    """Requests/s and p99 latency for one baked post page from `samizdat serve` with each
    reader front (nginx, which it runs itself when installed, and the Python front) and from
    a bare nginx on the same files, two workers each."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or not shutil.which("wrk"):
        return {"skipped": "nginx or wrk is not installed (Debian packages nginx, wrk)"}
    tmp = Path(tempfile.mkdtemp(prefix="samizdat-nginx-"))
    conf = tmp / "nginx.conf"
    root = Path(data_dir) / "site"
    # As root, nginx's workers would run as `nobody`, who may not enter a private data folder:
    # as its owner instead, as `samizdat serve` runs them (`delivery.nginx.nginx_main_config`).
    user = f"user {pwd.getpwuid(root.stat().st_uid).pw_name};\n" if os.geteuid() == 0 else ""
    conf.write_text(NGINX.format(user=user, tmp=tmp, port=8091, root=root))
    servers = {"bare nginx": (8091, [nginx, "-c", str(conf), "-p", str(tmp)])}
    for front, port in (("nginx", 8090), ("python", 8092)):
        servers[f"samizdat serve --front {front}"] = (
            port, _samizdat("serve", "--port", str(port), "--workers", "2", "--no-worker", "--front", front))
    procs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for port, command in servers.values()]
    measured = {}
    try:
        path = quote(post_path)
        for port, _ in servers.values():
            wait_for_port(port)
            wrk(f"http://127.0.0.1:{port}{path}", seconds=2)  # warm up
        for name, (port, _) in servers.items():
            rps, p99 = wrk(f"http://127.0.0.1:{port}{path}", seconds=seconds)
            measured[name] = {"rps": round(rps), "p99_ms": p99}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    ours, python, theirs = (measured[n]["rps"] for n in (
        "samizdat serve --front nginx", "samizdat serve --front python", "bare nginx"))
    return {"samizdat_rps": ours, "python_front_rps": python, "nginx_rps": theirs,
            "ratio": round(ours / theirs, 2), "python_ratio": round(python / theirs, 2),
            "servers": measured, "path": post_path, "wrk": "-t2 -c32 -d%ss" % seconds}


def _baked_post(data_dir):
    """The reader path of one baked post page of the synthetic edition, or None."""
    site = Path(data_dir) / "site"
    for page in sorted((site / "bench" / "blog-0").glob("*/index.html")):
        if page.parent.name.startswith(("post-", "bench-")):
            return "/" + page.parent.relative_to(site).as_posix() + "/"
    return None


def _ratio(runs, database):
    """p95 publish-to-live of the largest archive over the smallest, for one database."""
    mine = sorted((r for r in runs if r["database"] == database), key=lambda r: r["posts"])
    if len(mine) < 2:
        return None
    return {"largest": mine[-1]["posts"], "smallest": mine[0]["posts"],
            "ratio": round(mine[-1]["publish"]["p95_s"] / mine[0]["publish"]["p95_s"], 2)}


def bench(sizes, *, databases=("sqlite",), skip=(), postgres_url=POSTGRES_URL, workdir=None, docs=None, rounds=3):
    workdir = Path(workdir or tempfile.mkdtemp(prefix="samizdat-bench-"))
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "system": platform.platform(), "load": round(os.getloadavg()[0], 1)},
               "sizes": [], "skipped": sorted(skip), "databases": list(databases)}
    results["serving"] = {"skipped": "left out (--skip serving)"} if "serving" in skip else None
    for database in databases:
        for size in sizes:
            data = workdir / database / str(size)
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            out = data / "result.json"
            with _database(database, size, postgres_url) as url:
                env = _env(data, url)
                print(f"== {database}, {size} posts: generate, bake, publish", flush=True)
                command = _samizdat("bench", "--one", str(size), "--result", str(out))
                if skip:
                    command += ["--skip", ",".join(sorted(skip))]
                subprocess.run(command, env=env, cwd=ROOT, check=True)
                result = json.loads(out.read_text())
                if results["serving"] is None:
                    post = _baked_post(data)
                    print("== serving", flush=True)
                    results["serving"] = _serving(env, data, post) if post else {"skipped": "no baked post page"}
            if "hugo" not in skip:
                print(f"== {database}, {size} posts: full bake and hugo, {rounds} rounds", flush=True)
                _bake_vs_hugo(result, env, data, rounds)
            results["sizes"].append(result)
            print(json.dumps(result), flush=True)
    results["publish_p95_ratio"] = {db: _ratio(results["sizes"], db) for db in databases}
    if docs:
        report_write(results, Path(docs), sizes)
    print(json.dumps(results, indent=1))
    return results


@contextmanager
def _database(database, size, postgres_url):
    """None for the embedded SQLite; a fresh PostgreSQL database's URL, dropped afterwards."""
    if database == "sqlite":
        yield None
        return
    with postgres_database(postgres_url, f"samizdat_bench_{size}_{os.getpid()}") as url:
        yield url

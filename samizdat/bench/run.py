"""The benchmark run: for each archive size a fresh newsroom in its own data folder, its
full bake, publish-to-live through the worker and Hugo on the same content; then serving a
baked post with `samizdat serve` and with nginx. Results go to JSON, docs/benchmarks.md
and a plot.

Each size runs in its own `samizdat bench --one N` process, because Django binds to one
database per process.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .measure import run_measured, wait_for_port, wrk

ROOT = Path(__file__).resolve().parents[2]


def _samizdat(*args):
    return [sys.executable, "-m", "samizdat.cli", *args]


def _env(data_dir):
    env = {**os.environ, "SAMIZDAT_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev"}
    for key in ("DATABASE_URL", "SAMIZDAT_SITE_DIR"):
        env.pop(key, None)  # the benchmark always uses the embedded SQLite
    return env


def one_size(size, out):
    """Inside a process bound to a fresh data folder: build, bake, publish, export."""
    from django.core.management import call_command

    from samizdat.newsroom.services import newsroom_home_ensure

    from .hugo import hugo_export
    from .measure import publish_to_live, worker_start
    from .synthetic import synthetic_newsroom_create

    call_command("migrate", verbosity=0)
    newsroom_home_ensure()
    started = time.perf_counter()
    synthetic_newsroom_create(size, slug="bench")
    result = {"posts": size, "generate_s": round(time.perf_counter() - started, 2)}
    env = dict(os.environ)
    seconds, peak, stdout = run_measured(_samizdat("bake", "--json"), env=env)
    report = json.loads(stdout.strip().splitlines()[-1])
    result["bake"] = {
        "pages": report["rendered"],
        "seconds": round(seconds, 2),
        "pages_per_s": round(report["rendered"] / seconds, 1),
        "peak_rss_mb": round(peak / 2**20),
        "workers": os.cpu_count(),
    }
    worker = worker_start(env)
    try:
        time.sleep(1.5)
        result["publish"] = publish_to_live()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    result["hugo_posts"] = hugo_export(Path(os.environ["SAMIZDAT_DATA_DIR"]) / "hugo")
    Path(out).write_text(json.dumps(result))


def _hugo(site_dir):
    from .hugo import hugo_binary

    shutil.rmtree(site_dir / "public", ignore_errors=True)
    seconds, peak, _ = run_measured([str(hugo_binary()), "--quiet", "-s", str(site_dir)])
    pages = sum(1 for _ in (site_dir / "public").rglob("index.html"))
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1),
            "peak_rss_mb": round(peak / 2**20)}


NGINX = """daemon off; worker_processes 2; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; types {{ text/html html; }}
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{ listen 127.0.0.1:{port}; root {root}; index index.html; }} }}
"""


def _serving(data_dir, post_path, *, seconds=10):
    """Requests/s for one baked post page from `samizdat serve` and from nginx, same files."""
    from urllib.parse import quote

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or not shutil.which("wrk"):
        return {"skipped": "nginx or wrk is not installed (Debian packages nginx, wrk)"}
    tmp = Path(tempfile.mkdtemp(prefix="samizdat-nginx-"))
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX.format(tmp=tmp, port=8091, root=Path(data_dir) / "site"))
    serve = subprocess.Popen(_samizdat("serve", "--port", "8090", "--workers", "2", "--no-worker"),
                             env=_env(data_dir), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    web = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(8090)
        wait_for_port(8091)
        path = quote(post_path)
        wrk(f"http://127.0.0.1:8090{path}", seconds=2)  # warm up both
        wrk(f"http://127.0.0.1:8091{path}", seconds=2)
        ours = wrk(f"http://127.0.0.1:8090{path}", seconds=seconds)
        theirs = wrk(f"http://127.0.0.1:8091{path}", seconds=seconds)
    finally:
        for proc in (serve, web):
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    return {"samizdat_rps": round(ours), "nginx_rps": round(theirs), "ratio": round(ours / theirs, 2),
            "path": post_path, "wrk": "-t2 -c32 -d%ss" % seconds}


def bench(sizes, *, workdir=None, docs=None):
    workdir = Path(workdir or tempfile.mkdtemp(prefix="samizdat-bench-"))
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "system": platform.platform()}, "sizes": []}
    for size in sizes:
        data = workdir / str(size)
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        out = data / "result.json"
        print(f"== {size} posts: generate, bake, publish", flush=True)
        subprocess.run(_samizdat("bench", "--one", str(size), "--result", str(out)), env=_env(data), cwd=ROOT, check=True)
        result = json.loads(out.read_text())
        print(f"== {size} posts: hugo", flush=True)
        result["hugo"] = _hugo(data / "hugo")
        result["bake_vs_hugo"] = round(result["bake"]["pages_per_s"] / result["hugo"]["pages_per_s"], 2)
        results["sizes"].append(result)
        print(json.dumps(result), flush=True)
    smallest = workdir / str(sizes[0])
    post = next((smallest / "site" / "bench" / "blog-0").glob("post-*/index.html"))
    print("== serving", flush=True)
    results["serving"] = _serving(smallest, "/" + post.parent.relative_to(smallest / "site").as_posix() + "/")
    p95 = [s["publish"]["p95_s"] for s in results["sizes"]]
    results["publish_p95_ratio_largest_to_smallest"] = round(p95[-1] / p95[0], 2)
    if docs:
        from .report import report_write

        report_write(results, Path(docs), sizes)
    print(json.dumps(results, indent=1))
    return results

"""The static search index (`samizdat.search`): its size per 1,000 posts and how long a
rebuild takes — the first one after a full bake, and the one after a publish (the worker's
task, which also waits `SAMIZDAT_SEARCH_DEBOUNCE` seconds first) — on a fresh synthetic
newsroom of each size (SQLite, its own data folder, one process per size).

    python -m samizdat.bench.search_index --sizes 1000,10000
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PUBLISHES = 3


def one_size(size):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samizdat.bench.synthetic import synthetic_newsroom_create
    from samizdat.newsroom.models import BlogPage, PostPage, ServicePage
    from samizdat.newsroom.services import newsroom_home_ensure
    from samizdat.publishing.services import batch_run_pending, site_bake_full
    from samizdat.search.services import index_build, part_size

    call_command("migrate", verbosity=0)
    newsroom_home_ensure()
    synthetic_newsroom_create(size, slug="bench")
    started = time.perf_counter()
    site_bake_full(reason="bench")
    bake_s = time.perf_counter() - started
    edition = ServicePage.objects.live().get(slug="bench")
    first = index_build(edition=edition)
    blog = BlogPage.objects.live().descendant_of(edition).first()
    rebuilds = []
    for n in range(PUBLISHES):
        post = PostPage(title=f"Search bench post {n}", slug=f"search-bench-{n}", teaser="A new post.",
                        body="<p>Words the index has not seen: zebrafinch okapi.</p>")
        blog.add_child(instance=post)
        post.save_revision().publish()
        batch_run_pending()
        rebuilds.append(index_build(edition=edition).seconds)
    state = index_build(edition=edition)
    return {
        "posts": size,
        "database": connection.vendor,
        "indexed": state.posts,
        "parts": len(state.boundaries) + 1,
        "part_posts": part_size(),
        "index_mb": round(state.bytes / 1e6, 2),
        "kb_per_1000_posts": round(state.bytes / 1000 / state.posts * 1000),
        "files": sum(len(files) for _, _, files in os.walk(os.path.join(
            os.environ["SAMIZDAT_DATA_DIR"], "site", "bench", "pagefind"))),
        "first_build_s": round(first.seconds, 2),
        "rebuild_after_publish_s": round(statistics.median(rebuilds), 2),
        "full_bake_s": round(bake_s, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix=f"samizdat-search-bench-{size}-") as data:
            env = {**os.environ, "SAMIZDAT_DATA_DIR": data, "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev",
                   "SAMIZDAT_STATIC_SEARCH": "0"}  # built here, not queued for a worker
            env.pop("DATABASE_URL", None)
            env.pop("SAMIZDAT_SITE_DIR", None)
            out = subprocess.run([sys.executable, "-m", "samizdat.bench.search_index", "--one", str(size)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()

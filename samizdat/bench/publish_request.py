"""The editor's side of a publish, without the bake: how long `publish()` takes (Wagtail's
revision, the listing index, the dependency tracker and the journal, all in the editor's
transaction) and what each listing read of the publish path costs, in a fresh synthetic
newsroom of each size.

    python -m samizdat.bench.publish_request --sizes 1000,10000 [--database postgres://…]

With `--database`, each size gets a fresh PostgreSQL database named after it on that server.
Each size runs in its own process (one Django set-up per database).

Django and the models are imported inside the functions that use them:
this module is imported before its process is bound to a data folder and Django is set up."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PUBLISHES = 12


def _timed(fn, repeat=5):
    """Best of `repeat` calls, in milliseconds (the reads are warm, as in a running site)."""
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - started) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return round(best, 2)


def one_size(size):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samizdat.bench.synthetic import synthetic_newsroom_create
    from samizdat.newsroom.models import Author, BlogPage, PostAuthor, PostPage
    from samizdat.newsroom.selectors import listings_of_post
    from samizdat.newsroom.services import newsroom_home_ensure

    call_command("migrate", verbosity=0)
    newsroom_home_ensure()
    service = synthetic_newsroom_create(size, slug="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    blogs = list(BlogPage.objects.child_of(service).order_by("path"))
    authors = list(Author.objects.filter(slug__startswith="bench-author-").order_by("pk"))
    publish_ms = []
    for i in range(PUBLISHES):
        post = PostPage(title=f"Measured {i}", slug=f"measured-{i}", teaser="Measured.", body="<p>Measured.</p>")
        blogs[i % len(blogs)].add_child(instance=post)
        post.post_authors.add(PostAuthor(author=authors[i % len(authors)]))
        post.tags.add(f"bench topic {i % 5}")
        revision = post.save_revision()
        started = time.perf_counter()
        revision.publish()
        publish_ms.append((time.perf_counter() - started) * 1000)
    post = PostPage.objects.get(pk=post.pk)
    reads = {}
    for listing in listings_of_post(post):
        reads[listing.kind] = {
            "count": _timed(listing.count),
            "front": _timed(listing.front),
            "newest page": _timed(lambda lst=listing: lst.archive_page(lst.page_count())),
            "newer_count": _timed(lambda lst=listing: lst.newer_count(post)),
        }
    return {
        "posts": size,
        "database": connection.vendor,
        "publish_call_ms": {
            "p50": round(statistics.median(publish_ms), 1),
            "max": round(max(publish_ms), 1),
        },
        "listing_reads_ms": reads,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--database", help="postgres://user@host:port (one fresh database per size)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    for size in [int(s) for s in args.sizes.split(",")]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "samizdat.settings.dev",
               "SAMIZDAT_DATA_DIR": tempfile.mkdtemp(prefix=f"samizdat-publish-{size}-")}
        env.pop("DATABASE_URL", None)
        if args.database:
            name = f"samizdat_publish_{size}"
            admin = ["psql", args.database + "/postgres", "-q", "-c"]
            subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name}"], check=True)
            subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True)
            env["DATABASE_URL"] = f"{args.database}/{name}"
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], env=env, check=True,
                             capture_output=True, text=True)
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()

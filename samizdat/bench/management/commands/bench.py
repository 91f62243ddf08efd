from django.core.management.base import BaseCommand, CommandError

from samizdat.bench import run


def _names(value, allowed, option):
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise CommandError(f"{option} takes some of {', '.join(allowed)} separated by commas, not {', '.join(unknown)}")
    return names


class Command(BaseCommand):
    help = (
        "Benchmark the editor's publish request and publish-to-live, the full bake (in one "
        "process and shared by 1 and 2 workers), Hugo on the same content and serving against "
        "nginx, on synthetic newsrooms in SQLite and/or PostgreSQL; writes docs/benchmarks.md and a plot."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="1000,10000,100000", help="Archive sizes in posts, comma-separated.")
        parser.add_argument("--database", default="sqlite",
                            help="sqlite, postgresql or both (sqlite,postgresql); default %(default)s.")
        parser.add_argument("--postgres-url", default=run.POSTGRES_URL,
                            help="PostgreSQL server on which a fresh database is created per size and dropped "
                                 "afterwards (default %(default)s).")
        parser.add_argument("--skip", default="",
                            help="Parts to leave out on a small or busy machine: hugo, serving, full-bake "
                                 "(comma-separated). The publish measurements always run.")
        parser.add_argument("--rounds", type=int, default=3,
                            help="Full bake and Hugo, alternated this many times; the median run of each is reported.")
        parser.add_argument("--workdir", help="Where the synthetic newsrooms go (default: a temporary folder).")
        parser.add_argument("--docs", default="docs/benchmarks.md")
        parser.add_argument("--no-docs", action="store_true", help="Only print the JSON results.")
        parser.add_argument("--one", type=int, help="Internal: measure one size in this process's data folder.")
        parser.add_argument("--result", help="Internal: where --one writes its JSON.")

    def handle(self, *args, sizes, database, postgres_url, skip, workdir, docs, no_docs, one, result, rounds, **options):
        skipped = _names(skip, run.PARTS, "--skip")
        if rounds < 1:
            raise CommandError("--rounds needs at least 1")
        if one:
            if not result:
                raise CommandError("--one needs --result")
            run.one_size(one, result, skip=skipped)
            return
        try:
            numbers = [int(s) for s in sizes.split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError(f"--sizes takes numbers separated by commas, not {sizes!r}") from exc
        if not numbers:
            raise CommandError("--sizes needs at least one archive size, e.g. --sizes 1000")
        databases = _names(database, run.DATABASES, "--database")
        if not databases:
            raise CommandError("--database needs sqlite, postgresql or both")
        run.bench(numbers, databases=databases, skip=skipped, postgres_url=postgres_url,
                  workdir=workdir, docs=None if no_docs else docs, rounds=rounds)

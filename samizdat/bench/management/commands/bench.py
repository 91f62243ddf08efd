from django.core.management.base import BaseCommand, CommandError

from samizdat.bench import run


class Command(BaseCommand):
    help = (
        "Benchmark publish-to-live, the full bake, Hugo on the same content and serving "
        "against nginx, on synthetic newsrooms; writes docs/benchmarks.md and a plot."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="1000,10000,100000", help="Archive sizes in posts, comma-separated.")
        parser.add_argument("--workdir", help="Where the synthetic newsrooms go (default: a temporary folder).")
        parser.add_argument("--docs", default="docs/benchmarks.md")
        parser.add_argument("--no-docs", action="store_true", help="Only print the JSON results.")
        parser.add_argument("--one", type=int, help="Internal: measure one size in this process's data folder.")
        parser.add_argument("--result", help="Internal: where --one writes its JSON.")

    def handle(self, *args, sizes, workdir, docs, no_docs, one, result, **options):
        if one:
            if not result:
                raise CommandError("--one needs --result")
            run.one_size(one, result)
            return
        try:
            numbers = [int(s) for s in sizes.split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError(f"--sizes takes numbers separated by commas, not {sizes!r}") from exc
        run.bench(numbers, workdir=workdir, docs=None if no_docs else docs)

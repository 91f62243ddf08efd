import os

from django.core.management.base import BaseCommand

from samizdat.search.services import index_build_all, index_update_run


class Command(BaseCommand):
    help = ("Rebuild every edition's static search index now (site/<edition>/pagefind/); the "
            "worker does it by itself a few seconds after each bake.")

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, help="Only this edition (its page id).")
        parser.add_argument("--background", action="store_true",
                            help="As the worker runs it: at a lower CPU priority, a failure kept for the dashboard.")

    def handle(self, *args, edition=None, background=False, **options):
        if background:
            os.nice(19)  # the lowest: readers' pages (the worker's bakes) come first
            if edition is not None:
                index_update_run(edition)
                return
        for state in index_build_all(edition_id=edition):
            self.stdout.write(f"{state.edition.reader_path}: {state.posts} posts, "
                              f"{state.bytes / 1000:.0f} kB, {state.seconds:.1f} s")

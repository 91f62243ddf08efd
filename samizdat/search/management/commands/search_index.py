from django.core.management.base import BaseCommand

from samizdat.search.services import index_build_all


class Command(BaseCommand):
    help = ("Rebuild every edition's static search index now (site/<edition>/pagefind/); the "
            "worker does it by itself a few seconds after each bake.")

    def handle(self, *args, **options):
        for state in index_build_all():
            self.stdout.write(f"{state.edition.reader_path}: {state.posts} posts, "
                              f"{state.bytes / 1000:.0f} kB, {state.seconds:.1f} s")

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from samizdat.demo.loader import demo_content_load, demo_users_ensure
from samizdat.publishing.services import site_bake_full


class Command(BaseCommand):
    help = "Set up the demo newsroom (idempotent): migrate, load demo content and logins, bake."

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith("production"):
            raise CommandError("The demo has known logins; it refuses to run with production settings.")
        call_command("migrate", interactive=False, verbosity=0)
        created = demo_content_load()
        logins = demo_users_ensure()
        report = site_bake_full(reason="samizdat demo")
        self.stdout.write(
            ("Loaded the demo newsroom. " if created else "The demo newsroom is already loaded. ")
            + f"Baked {report.rendered} pages into {settings.SAMIZDAT_SITE_DIR} in {report.seconds:.1f}s."
        )
        self.stdout.write("\nDemo logins for http://127.0.0.1:8000/admin/ (also in "
                          f"{settings.DATA_DIR / 'demo-logins.txt'}):")
        for username, password, group in logins:
            self.stdout.write(f"  {group:<14} user: {username:<12} password: {password}")
        self.stdout.write("")

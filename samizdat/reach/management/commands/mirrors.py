from django.core.management.base import BaseCommand

from samizdat.reach.services import mirrors_push_due, mirrors_status


class Command(BaseCommand):
    help = "Show each mirror's state (version held, lag, last error); --push sends what they miss now."

    def add_arguments(self, parser):
        parser.add_argument("--push", action="store_true", help="push every mirror now, back-off or not")

    def handle(self, *args, push=False, **options):
        if push:
            mirrors_push_due(force=True)
        status = mirrors_status()
        if not status["mirrors"]:
            self.stdout.write("No mirrors configured (SAMIZDAT_MIRRORS).")
            return
        failing = False
        for m in status["mirrors"]:
            line = f"{m['name']} ({m['backend']}): version {m['pushed_version']} of {status['latest_version']}"
            if m["lag_seconds"] is not None:
                line += f", last lag {m['lag_seconds']:.1f}s"
            if m["last_error"]:
                failing = True
                line += f"\n  FAILING since {m['failing_since']:%Y-%m-%d %H:%M:%S} UTC ({m['attempts']} attempt(s)"
                line += f", next try {m['next_try_at']:%H:%M:%S} UTC): {m['last_error']}" if m["next_try_at"] else f"): {m['last_error']}"
            self.stdout.write(line)
        if failing:
            raise SystemExit(1)

from django.core.management.base import BaseCommand

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from samizdat.accounts.services import account_unlock, second_factor_remove


class Command(BaseCommand):
    help = "Lift a sign-in lockout now: forget the failed attempts recorded for a username (from every address)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the name as it was typed on the sign-in page")
        parser.add_argument(
            "--remove-second-factor", action="store_true",
            help="also remove the user's authenticator app and passkeys (a lost phone); they set up new ones at next sign-in",
        )

    def handle(self, *args, username, remove_second_factor, **options):
        if remove_second_factor:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user is called {username!r}: check the spelling (names are case-sensitive).")
            removed = second_factor_remove(user=user)
            self.stdout.write(f"Removed {removed} second-factor device(s) of {username!r}.")
        removed = account_unlock(username=username)
        if removed:
            self.stdout.write(f"Unlocked {username!r}: removed {removed} record(s) of failed sign-ins.")
        else:
            self.stdout.write(f"No failed sign-ins are recorded for {username!r}: nothing to unlock.")

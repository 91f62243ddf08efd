from django.core.management.base import BaseCommand

from samizdat.delivery.nginx import nginx_config


class Command(BaseCommand):
    help = (
        "Print an nginx server block for the baked reader site with the same security headers "
        "and cache rules as `samizdat serve` (run it with production settings to include HSTS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--root", help="The site folder as the nginx machine sees it (default: this one's).")
        parser.add_argument("--server-name", default="_", help="nginx server_name (default: %(default)s).")
        parser.add_argument("--listen", default="80", help="nginx listen directive (default: %(default)s).")

    def handle(self, *args, root, server_name, listen, **options):
        self.stdout.write(nginx_config(root=root, server_name=server_name, listen=listen), ending="")

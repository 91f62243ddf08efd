import asyncio

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samizdat.mail.inbound import InboundHandler


class Command(BaseCommand):
    help = ('Receive "subscribe" mail for the editions\' subscription addresses (SAMIZDAT_MAIL_INBOUND_ADDRESS) '
            "by SMTP or LMTP, and answer each with a confirmation mail (double opt-in).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP (from Postfix, Exim) instead of SMTP.")

    def handle(self, *args, host, port, lmtp, **options):
        if "{edition}" not in getattr(settings, "SAMIZDAT_MAIL_INBOUND_ADDRESS", ""):
            raise CommandError("Set SAMIZDAT_MAIL_INBOUND_ADDRESS, e.g. subscribe-{edition}@news.example.org.")
        if not settings.SAMIZDAT_MAIL_ORIGIN:
            raise CommandError("Set SAMIZDAT_MAIL_ORIGIN (e.g. https://news.example.org): confirmation links point there.")
        handler = InboundHandler()
        protocol = LMTP if lmtp else SMTP

        async def serve():
            loop = asyncio.get_running_loop()
            server = await loop.create_server(lambda: protocol(handler, data_size_limit=1_000_000), host, port)
            self.stdout.write(f"Receiving subscription mail on {host}:{port} ({'LMTP' if lmtp else 'SMTP'})")
            async with server:
                await server.serve_forever()

        try:
            asyncio.run(serve())
        except KeyboardInterrupt:
            pass

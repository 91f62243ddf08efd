"""How long an alert takes to reach N subscribers through a loopback SMTP server, and the
sending process's peak memory (docs/benchmarks.md).

    SAMIZDAT_DATA_DIR=/tmp/bench-data nice -n 10 python -m samizdat.bench.mail_alert --subscribers 10000

Needs a migrated database with the demo newsroom (`samizdat demo`). The SMTP server is aiosmtpd's
Sink in a process of its own (it accepts and discards); the sending runs here exactly as the
worker's `message_send` task runs it, with no rate limit. The subscribers and the message are
deleted afterwards.

Django and the models are imported inside the functions that use them:
this module is imported before its process is bound to a data folder and Django is set up.
"""

import argparse
import os
import resource
import socket
import subprocess
import sys
import time


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samizdat.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from samizdat.mail import services
    from samizdat.mail.models import Message, Subscriber
    from samizdat.newsroom.models import PostPage, ServicePage

    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.SAMIZDAT_MAIL_RATE = "127.0.0.1", port, 0
        settings.SAMIZDAT_MAIL_ORIGIN = settings.SAMIZDAT_MAIL_ORIGIN or "http://localhost:8000"
        edition = ServicePage.objects.live().get(language_code="fa")
        post = PostPage.objects.live().descendant_of(edition).first()
        Subscriber.objects.filter(edition=edition, address__endswith="@bench.invalid").delete()
        Message.objects.filter(key=f"alert:post:{post.pk}").delete()
        started = time.perf_counter()
        Subscriber.objects.bulk_create(
            (Subscriber(edition=edition, address=f"reader{i}@bench.invalid", confirmed_at=timezone.now())
             for i in range(args.subscribers)), batch_size=1000)
        created = time.perf_counter()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        message = services.message_queue(services.alert_compose_post(post))
        queued = time.perf_counter()
        counts = services.message_send_run(message.pk)
        sent = time.perf_counter()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = len(message.html.encode()) + len(message.text.encode())
        print(f"subscribers: {args.subscribers} (edition {edition.language_code}, database "
              f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
        print(f"insert subscribers: {created - started:.2f} s")
        print(f"queue the alert (compose + one delivery row each): {queued - created:.2f} s")
        print(f"send to all (one SMTP transaction each, one connection): {sent - queued:.2f} s "
              f"= {args.subscribers / (sent - queued):.0f} messages/s")
        print(f"deliveries: {counts}")
        print(f"message body (text + HTML): {size} bytes")
        print(f"peak RSS of this process: {rss_before / 1024:.0f} MB before the alert, {rss_after / 1024:.0f} MB after")
    finally:
        sink.terminate()
        sink.wait()
        Message.objects.filter(key__startswith="alert:post:", deliveries__subscriber__address__endswith="@bench.invalid").delete()
        Subscriber.objects.filter(address__endswith="@bench.invalid").delete()


if __name__ == "__main__":
    main()

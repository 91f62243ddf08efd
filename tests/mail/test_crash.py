"""A worker killed with SIGKILL in the middle of sending an alert, then started again, sends
no address the alert twice (a real worker process, a real SMTP server)."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.publishing.test_crash import ROOT, samizdat, scratch  # noqa: F401 — the fixture

from .smtpd import Recorder, SMTPServer

SUBSCRIBERS = 150

SETUP = f"""
from django.utils import timezone
from samizdat.mail import services
from samizdat.mail.models import EditionMail, Subscriber
from samizdat.newsroom.models import PostPage, ServicePage
# No digest: past an edition's digest time (07:00 local) the worker would also send the day's
# digest to the same readers, and this test counts the alert alone.
for edition in ServicePage.objects.all():
    EditionMail.objects.update_or_create(edition=edition, defaults={{"digest_enabled": False}})
en = ServicePage.objects.get(language_code="en")
Subscriber.objects.bulk_create([Subscriber(edition=en, address=f"r{{i}}@example.org", confirmed_at=timezone.now())
                                for i in range({SUBSCRIBERS})])
print(services.alert_send(PostPage.objects.live().descendant_of(en).first()).pk)
"""

REPORT = """
import json
from samizdat.mail import services
from samizdat.mail.models import Delivery, Message
m = Message.objects.get(pk={pk})
sent = list(Delivery.objects.filter(message=m, status="sent").values_list("subscriber__address", flat=True))
print(json.dumps({{"finished": m.finished_at is not None, "counts": services.message_counts(m), "sent": sent}}))
"""


def worker(env):
    return subprocess.Popen([sys.executable, "-m", "samizdat.cli", "worker", "--interval", "1"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def report(env, pk):
    return json.loads(samizdat(env, "shell", "-c", REPORT.format(pk=pk)).stdout.strip().splitlines()[-1])


def test_sigkill_mid_send_then_restart_sends_nobody_twice(scratch):  # noqa: F811
    recorder = Recorder(delay=0.03)  # slow enough for the kill to land mid-send
    with SMTPServer(recorder) as server:
        env = {**scratch, "SAMIZDAT_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
               "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(server.port), "EMAIL_TIMEOUT": "30",
               "SAMIZDAT_MAIL_RATE": "0", "SAMIZDAT_MAIL_LEASE_SECONDS": "2",
               "SAMIZDAT_MAIL_ORIGIN": "http://news.example.org"}
        samizdat(env, "migrate", "-v0")
        samizdat(env, "demo")
        pk = int(samizdat(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])

        first = worker(env)
        deadline = time.monotonic() + 120
        while len(recorder.recipients()) < SUBSCRIBERS // 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        at_kill = len(recorder.recipients())
        assert 0 < at_kill < SUBSCRIBERS, "the kill did not land mid-send; the test proved nothing"
        assert not report(env, pk)["finished"]

        second = worker(env)
        try:
            deadline = time.monotonic() + 120
            while not (state := report(env, pk))["finished"] and time.monotonic() < deadline:
                time.sleep(1)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)

    received = recorder.recipients()
    subjects = {mail["Subject"] for _rcpts, mail in recorder.messages()}
    assert len(subjects) == 1, f"only the alert was sent, not {subjects}"
    assert state["finished"], state["counts"]
    assert len(received) == len(set(received)), "an address got the alert twice"
    counts = state["counts"]
    assert counts["sent"] + counts["unknown"] == SUBSCRIBERS and counts["unknown"] <= 1, counts
    assert set(state["sent"]) <= set(received)
    everyone = {f"r{i}@example.org" for i in range(SUBSCRIBERS)}
    assert len(everyone - set(received)) <= counts["unknown"], "only the one interrupted delivery may be missing"
    assert len(received) > at_kill, "the restarted worker went on"

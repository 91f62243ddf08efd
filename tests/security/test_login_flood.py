"""Readers never wait for the admin: while eight clients flood the admin login with wrong
passwords (each one a full password hash), the reader site keeps most of its throughput.
Real `samizdat serve`, real password hashing (development settings), loopback.

The harm this guards against took readers from 3,526 to 35 requests/s (1 %). The floor is a
quarter, not a half: on the two-core CI machine the measuring client, eight attacking clients,
the server and another test worker share the CPUs, and the ratio has varied from 42 % to 112 %
between runs of the same code. Throughput alone is measured before and after the flood, so a
change in the machine's other load during the test does not count against the server."""

import asyncio
import http.client
import multiprocessing
import os
import re
import threading
import time
from urllib.parse import urlencode, urlsplit

import pytest

from samizdat.delivery.nginx import nginx_binary
from tests.conftest import require, run_async

from .conftest import a_post_path, serving

READERS = 4
FLOODERS = 8
SECONDS = 4


def reader_rate(port, path, seconds, clients=READERS):
    """Requests/s for one baked page, `clients` keep-alive connections as fast as they can."""
    counts, failures = [0] * clients, []
    deadline = time.monotonic() + seconds

    def read(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while time.monotonic() < deadline:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return
                counts[i] += 1
        except OSError as exc:
            failures.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    return sum(counts) / (time.monotonic() - started)


def wait_for_admin(port, timeout=30):
    """The admin server starts beside the reader front; readers do not wait for it, the test does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/admin/login/")
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"the admin did not answer within {timeout}s")


def flood_login(port, stop, answered, errors, n):
    """One attacker: fetch the login form once (CSRF cookie and token), then POST wrong
    passwords for an unknown user until `stop` — Django hashes each one all the same.

    Runs in a process of its own, below normal priority: an attacker's client runs on the
    attacker's machine, and in this process it would take the measuring client's GIL, so the
    test would measure its own client rather than the server."""
    os.nice(10)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/admin/login/")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        attempt = 0
        while not stop.is_set():
            attempt += 1
            body = urlencode({"csrfmiddlewaretoken": token, "username": f"guess-{n}-{attempt}",
                              "password": f"wrong-{attempt}", "next": "/admin/"})
            conn.request("POST", "/admin/login/", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"})
            response = conn.getresponse()
            text = response.read().decode()
            if response.status == 200 and 'class="error"' in text:  # "didn't match", after a hash
                answered.append(time.monotonic())
            else:
                errors.append(response.status)
    except OSError as exc:
        errors.append(repr(exc))
    finally:
        conn.close()


@pytest.mark.django_db  # the test database must exist for the server's copy of it
@pytest.mark.parametrize("front", ["python", "nginx"])
def test_a_login_flood_does_not_starve_readers(serve_env, front):
    if front == "nginx":
        require(nginx_binary() is not None, "nginx is not installed: install Debian's nginx-light")
    path = a_post_path(serve_env["SAMIZDAT_SITE_DIR"])
    with serving(serve_env, "--no-worker", "--front", front) as (base, _, log):
        port = urlsplit(base).port
        wait_for_admin(port)
        reader_rate(port, path, 1)  # warm up
        alone_before = reader_rate(port, path, SECONDS)

        context = multiprocessing.get_context("fork")
        manager = context.Manager()
        stop, answered, errors = manager.Event(), manager.list(), manager.list()
        flooders = [context.Process(target=flood_login, args=(port, stop, answered, errors, n))
                    for n in range(FLOODERS)]
        for t in flooders:
            t.start()
        try:
            time.sleep(1.5)  # every flooder is past its GET and hashing
            flood_started, before = time.monotonic(), len(answered)
            flooded = reader_rate(port, path, SECONDS)
            logins = (len(answered) - before) / (time.monotonic() - flood_started)
        finally:
            stop.set()
            for t in flooders:
                t.join(timeout=60)
            answered, errors = list(answered), list(errors)
            manager.shutdown()
        alone = (alone_before + reader_rate(port, path, SECONDS)) / 2
    print(f"\n{front} front: reader requests/s alone: {alone:.0f}; during a flood of {FLOODERS} login clients: "
          f"{flooded:.0f} ({flooded / alone:.0%}); wrong logins answered: {logins:.1f}/s")
    assert not errors, errors[:5]
    assert answered, f"the flood never reached the password check (see {log})"
    assert flooded >= 0.25 * alone, f"readers fell from {alone:.0f} to {flooded:.0f} requests/s during the flood"


async def _asgi(app, path):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "http_version": "1.1", "scheme": "http", "root_path": "",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000)}
    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_waiting_admin_requests_are_bounded_and_readers_answered_meanwhile(tmp_path):
    """With every admin thread busy and the admin queue full, the next admin request gets a
    503 at once and a reader is still answered from the event loop."""
    from samizdat.delivery.front import ReaderFront

    (tmp_path / "index.html").write_text("<p>front</p>")
    release = threading.Event()

    def slow_admin(environ, start_response):
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"admin"]

    app = ReaderFront(slow_admin, site_dir=tmp_path, admin_threads=1, queue_limit=2)

    async def scenario():
        waiting = [asyncio.create_task(_asgi(app, "/admin/login/")) for _ in range(2)]
        await asyncio.sleep(0.2)
        refused = await asyncio.wait_for(_asgi(app, "/admin/login/"), 2)
        reader = await asyncio.wait_for(_asgi(app, "/"), 2)
        release.set()
        return refused, reader, await asyncio.gather(*waiting)

    refused, reader, admitted = run_async(scenario())
    assert refused[0] == 503 and refused[1][b"retry-after"] == b"5"
    assert reader[0] == 200 and reader[2] == b"<p>front</p>"
    assert [a[0] for a in admitted] == [200, 200] and all(a[2] == b"admin" for a in admitted)

"""The ASGI front of `samizdat serve`: readers never wait for the admin.

Reader files are answered on the event loop itself (`ReaderFiles`: a stat and a read of a
small file). Django — the admin, whose login hashes a password for a third of a second —
runs elsewhere: in `samizdat serve`, a separate low-priority process reached through
`adminproxy.AdminProxy`; without one, a small pool of low-priority threads here. However many
requests the admin has waiting, none of them holds anything a reader needs: a login flood
makes the admin slow, never the reader site. Beyond `queue_limit` admin requests in flight
the front answers 503 at once, so a flood cannot pile up requests without bound either.
"""

import asyncio
import os
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

from .server import ReaderFiles, is_dynamic

logger = logging.getLogger(__name__)

ADMIN_NICENESS = int(os.environ.get("SAMIZDAT_ADMIN_NICE", "19"))


def _lower_priority():
    # Linux keeps a nice value per thread: only the admin's threads yield the CPU to readers.
    # (Elsewhere a thread id is not a process id, so leave the priority alone.)
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ADMIN_NICENESS)
        except OSError:
            pass


async def _call(fn, *args):
    return await fn(*args)


def _on_loop(loop, fn, *args):
    """From a worker thread: call the ASGI `receive`/`send` on the event loop and wait. (Servers
    may hand out awaitables that are not coroutines, and bound to their loop's thread.)"""
    return asyncio.run_coroutine_threadsafe(_call(fn, *args), loop).result()


class _Body:
    """`wsgi.input` for a request whose body arrives as ASGI messages, read from a worker
    thread: each chunk is fetched from the event loop when Django asks for it."""

    def __init__(self, receive, loop):
        self._receive, self._loop = receive, loop
        self._buffer, self._done = bytearray(), False

    def _fill(self):
        message = _on_loop(self._loop, self._receive)
        if message["type"] == "http.disconnect":
            self._done = True
            raise OSError("the client went away before sending the whole request")
        self._buffer += message.get("body", b"")
        self._done = not message.get("more_body", False)

    def read(self, size=-1):
        while not self._done and (size is None or size < 0 or len(self._buffer) < size):
            self._fill()
        size = len(self._buffer) if size is None or size < 0 else size
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def readline(self, size=-1):
        while b"\n" not in self._buffer and not self._done and (size is None or size < 0 or len(self._buffer) < size):
            self._fill()
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, size)
        line = bytes(self._buffer[:end])
        del self._buffer[:end]
        return line

    def __iter__(self):
        while line := self.readline():
            yield line


def request_path(scope):
    """The percent-decoded path of a request, in bytes (as it came: not forced into UTF-8)."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    return unquote_to_bytes(raw_path.split(b"?", 1)[0])


def wsgi_environ(scope, body):
    """A WSGI environ for an ASGI HTTP scope, as a WSGI server would build it."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        "PATH_INFO": request_path(scope).decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": str(client[0]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.get("headers", []):
        name = name.decode("latin-1")
        if "_" in name:
            # X_Forwarded_Proto would become the same key as X-Forwarded-Proto, which
            # Django trusts (SECURE_PROXY_SSL_HEADER): drop, as nginx and gunicorn do.
            continue
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"
        value = value.decode("latin-1")
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ


class ReaderFront:
    """ASGI application: reader files on the event loop; the admin either in another process
    (`admin`, an ASGI app such as `AdminProxy` — what `samizdat serve` uses) or, without
    one, Django's WSGI app in a pool of low-priority threads of this process."""

    def __init__(self, django_app=None, *, admin=None, site_dir=None, admin_threads=4, queue_limit=None):
        self.django_app = django_app
        self.admin = admin
        self.files = ReaderFiles(site_dir)
        self.admin_threads = admin_threads
        self.queue_limit = queue_limit if queue_limit is not None else admin_threads * 16
        self.admin_waiting = 0
        self._executor = None

    @property
    def executor(self):
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                self.admin_threads, thread_name_prefix="samizdat-admin", initializer=_lower_priority
            )
        return self._executor

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return  # no websockets
        path = request_path(scope)
        if is_dynamic(path):
            return await self._admin(scope, receive, send)
        headers = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        answer = self.files.answer(
            method=scope["method"],
            path=path,
            script_name=scope.get("root_path", ""),
            accept_encoding=headers.get("accept-encoding", ""),
            if_none_match=headers.get("if-none-match"),
            if_modified_since=headers.get("if-modified-since"),
        )
        await send({
            "type": "http.response.start",
            "status": int(answer.status[:3]),
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers],
        })
        await send({"type": "http.response.body", "body": answer.body})

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._executor is not None:
                    self._executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _admin(self, scope, receive, send):
        if self.admin_waiting >= self.queue_limit:
            body = b"The admin is busy. Try again in a few seconds.\n"
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"5"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        self.admin_waiting += 1
        try:
            if self.admin is not None:
                await self.admin(scope, receive, send)
            else:
                loop = asyncio.get_running_loop()
                environ = wsgi_environ(scope, _Body(receive, loop))
                await loop.run_in_executor(self.executor, self._run_django, environ, send, loop)
        finally:
            self.admin_waiting -= 1

    def _run_django(self, environ, send, loop):
        """In an admin thread: Django's WSGI app, its response sent through the event loop."""
        state = {}

        def emit(message):
            _on_loop(loop, send, message)

        def start_response(status, headers, exc_info=None):
            if exc_info and state.get("started"):
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return lambda data: None  # the legacy write() callable; Django never uses it

        def start():
            if not state.get("started"):
                state["started"] = True
                emit({
                    "type": "http.response.start",
                    "status": int(state["status"][:3]),
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in state["headers"]],
                })

        result = self.django_app(environ, start_response)
        try:
            for chunk in result:
                if chunk:
                    start()
                    emit({"type": "http.response.body", "body": chunk, "more_body": True})
            start()
            emit({"type": "http.response.body", "body": b""})
        except Exception as exc:
            if not state.get("started"):
                raise
            # Most often the client went away; one line, as a flood of them must not fill logs.
            logger.info("admin response interrupted: %s", exc.__class__.__name__)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

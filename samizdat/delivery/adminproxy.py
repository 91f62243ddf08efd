"""Forwards admin requests from the reader front to the admin server on a Unix socket.

`samizdat serve` runs Django in a process of its own (Granian, WSGI, lower CPU priority),
so a flood of logins — each one a password hash — can take neither the front's threads nor
its interpreter lock (GIL) from readers. One HTTP/1.0 connection per request: the response
ends when the admin server closes it, so no keep-alive or chunked bookkeeping is needed.
The client's address travels in `X-Samizdat-Client`, which the front always overwrites
and only the front can send (the socket sits in a folder only this user can enter).
"""

import asyncio
import logging
from urllib.parse import quote

logger = logging.getLogger(__name__)

CLIENT_HEADER = b"x-samizdat-client"
SCHEME_HEADER = b"x-samizdat-scheme"
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding",
              b"upgrade", CLIENT_HEADER, SCHEME_HEADER}
MAX_BUFFERED_BODY = 32 * 1024 * 1024  # a chunked upload (no Content-Length) is buffered up to this
MAX_RESPONSE_HEAD = 64 * 1024


async def _plain(send, status, text, extra=()):
    body = text.encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


class AdminProxy:
    """ASGI application that hands each request to the admin server at `socket_path`."""

    def __init__(self, socket_path, *, timeout=300):
        self.socket_path = str(socket_path)
        self.timeout = timeout

    async def __call__(self, scope, receive, send):
        try:
            reader, writer = await asyncio.open_unix_connection(self.socket_path, limit=MAX_RESPONSE_HEAD)
        except OSError:
            return await _plain(send, 503, "The admin is starting or restarting. Try again in a few seconds.\n",
                                [(b"retry-after", b"5")])
        try:
            await asyncio.wait_for(self._exchange(scope, receive, send, reader, writer), self.timeout)
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError) as exc:
            logger.info("admin request %s %s ended early: %s", scope["method"], scope["path"][:200],
                        exc.__class__.__name__)
        finally:
            writer.close()

    async def _exchange(self, scope, receive, send, reader, writer):
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode()
        query = scope.get("query_string", b"")
        target = raw_path.split(b"?", 1)[0] + (b"?" + query if query else b"")
        headers = [(k.lower(), v) for k, v in scope.get("headers", []) if k.lower() not in HOP_BY_HOP]
        client = (scope.get("client") or ("", 0))[0]
        headers += [(CLIENT_HEADER, str(client).encode()), (SCHEME_HEADER, scope.get("scheme", "http").encode())]
        declared = dict(headers).get(b"content-length")
        body_chunks = []
        if declared is None and any(k == b"transfer-encoding" for k, _ in scope.get("headers", [])):
            # A chunked request body: read it here so the admin server gets a Content-Length.
            size = 0
            async for chunk in self._body(receive):
                size += len(chunk)
                if size > MAX_BUFFERED_BODY:
                    return await _plain(send, 413, "Request body too large.\n")
                body_chunks.append(chunk)
            headers.append((b"content-length", str(size).encode()))
        head = b"%s %s HTTP/1.0\r\n" % (scope["method"].encode(), target)
        head += b"".join(k + b": " + v + b"\r\n" for k, v in headers) + b"\r\n"
        writer.write(head)
        if body_chunks:
            writer.writelines(body_chunks)
        elif declared is not None:
            async for chunk in self._body(receive):
                writer.write(chunk)
                await writer.drain()
        await writer.drain()

        status_line, *lines = (await reader.readuntil(b"\r\n\r\n"))[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        response_headers = []
        for line in lines:
            name, _, value = line.partition(b":")
            if name.strip().lower() not in HOP_BY_HOP:
                response_headers.append((name.strip().lower(), value.strip()))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        if scope["method"] != "HEAD" and status not in (204, 304):
            while chunk := await reader.read(65536):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _body(receive):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionError("the client went away")
            if message.get("body"):
                yield message["body"]
            if not message.get("more_body", False):
                return


class FromFront:
    """WSGI wrapper for the admin server: the client's address and scheme as the front saw them."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        client = environ.pop("HTTP_X_SAMIZDAT_CLIENT", None)
        scheme = environ.pop("HTTP_X_SAMIZDAT_SCHEME", None)
        if client is not None:
            environ["REMOTE_ADDR"] = client
        if scheme in ("http", "https"):
            environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)

"""The reader pages' Content-Security-Policy, in one place: the reader server and the
generated nginx configuration (`delivery.headers`) send it with every file, and the origin's
search page (`samizdat.search`) with its answers.

`'wasm-unsafe-eval'` and `worker-src 'self'` are there for the search page, whose script runs
the static index in WebAssembly (Pagefind): they let this site's own scripts compile it; no
script from elsewhere may run, on any page."""

from urllib.parse import urlsplit

from django.conf import settings

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    "connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy():
    """The policy, with the origin that news by e-mail posts to (SAMIZDAT_MAIL_ORIGIN) as a
    form target when it is set."""
    origin = urlsplit(getattr(settings, "SAMIZDAT_MAIL_ORIGIN", "") or "")
    if not (origin.scheme and origin.netloc):
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin.scheme}://{origin.netloc}")

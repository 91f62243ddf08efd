import pytest

from .smtpd import SMTPServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback that the e-mail backend sends to."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_TIMEOUT = 30  # a busy CI machine must not turn into a "server timed out"
        settings.SAMIZDAT_MAIL_RATE = 0
        settings.SAMIZDAT_MAIL_ORIGIN = "http://testserver"
        settings.SAMIZDAT_MAIL_FROM = "news@example.org"
        settings.SAMIZDAT_MAIL_LIST_DOMAIN = "news.example.org"
        yield server.handler


@pytest.fixture
def editions(db):
    from samizdat.newsroom.models import ServicePage

    return {s.language_code: s for s in ServicePage.objects.live()}

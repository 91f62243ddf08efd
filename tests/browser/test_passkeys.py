"""Passkeys in a real browser: Chromium's virtual authenticator against the whole application on
loopback, through the pages' own JavaScript (django-otp-webauthn's) — register, then sign in.
(Here for the session's one Chromium; the other account tests are in tests/security/.)"""

import pytest
from django.core.wsgi import get_wsgi_application

from tests.security.test_accounts import demo_password

from .conftest import in_own_connection, wsgi_served

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def admin_site(settings):
    from django_otp_webauthn.models import WebAuthnCredential

    with wsgi_served(get_wsgi_application()) as port:
        # Browsers refuse passkeys on an IP address: the admin is opened as localhost.
        base = f"http://localhost:{port}"
        settings.OTP_WEBAUTHN_RP_ID = "localhost"
        settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base]
        try:
            yield base
        finally:
            in_own_connection(lambda: WebAuthnCredential.objects.filter(user__username="admin").delete())


def sign_in(page, base, username):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password(username))
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_passkey_registered_and_used_in_chromium(browser, admin_site):
    base = admin_site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})["authenticatorId"]

    sign_in(page, base, "admin")
    assert page.url == base + "/admin/", "without a device and not required, the password is enough"
    page.goto(base + "/admin/account/two-step/")
    page.click("#passkey-register-button")
    page.wait_for_selector("text=added")  # the page reloads and lists the new passkey
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1

    context.clear_cookies()  # a new browser session, the same authenticator
    sign_in(page, base, "admin")
    assert page.url.startswith(base + "/admin/account/verify/"), "the password alone no longer opens the admin"
    page.click("#passkey-verification-button")
    # Back where the sign-in was going (not to a URL the page fetched in the background).
    page.wait_for_url(base + "/admin/")
    assert page.locator("#wagtail-sidebar").count() == 1
    context.close()

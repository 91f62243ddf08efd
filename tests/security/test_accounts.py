"""Staff accounts under attack: password guessing is locked out, a second factor is asked after
the password (and required of editors and administrators in production), and a password change
ends the user's other sessions. Everything goes through Wagtail's own sign-in page."""

import base64
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from samizdat.accounts.lockout import client_ip

from .authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db

LOGIN = reverse("wagtailadmin_login")
HOME = reverse("wagtailadmin_home")
VERIFY = reverse("accounts:verify")
CSRF = re.compile(r'"CSRF_TOKEN": "\w+"|name="csrfmiddlewaretoken" value="\w+"')
ENROL = reverse("accounts:enrol")


def demo_password(username):
    for line in (settings.DATA_DIR / "demo-logins.txt").read_text().splitlines():
        name, _, password = line.partition(" ")
        if name == username:
            return password
    raise LookupError(username)


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": HOME}, **extra)


def signed_in(client):
    """True when the client reaches the admin dashboard (not the login page or a second step)."""
    response = client.get(HOME)
    return response.status_code == 200 and b'class="login' not in response.content


def code(device, at_offset=0):
    """The code an authenticator app shows for this device now (`at_offset` steps later)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=at_offset):06d}"


# --- Lockout ---------------------------------------------------------------------------------

def test_twenty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(client, users):
    assert settings.SAMIZDAT_LOGIN_FAILURE_LIMIT == 20
    with freeze_time() as clock:
        for attempt in range(1, 20):
            response = sign_in(client, "editor", f"wrong-{attempt}")
            assert response.status_code == 200
            assert b"didn&#x27;t match" in response.content
        response = sign_in(client, "editor", "wrong-20")
        assert response.status_code == 429
        assert b"this account is locked" in response.content
        recorded = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
        assert "wrong-" not in recorded, "a mistyped password (often close to the real one) is never stored"

        response = sign_in(client, "editor", demo_password("editor"))
        assert response.status_code == 429, "the right password must be refused while locked"
        text = response.content.decode()
        assert "this account is locked" in text and "ask an administrator to unlock it" in text
        assert "Try again after" in text and "in 30 minutes" in text
        assert not signed_in(client)

        # From another address too: the count is per name, whatever the address.
        response = sign_in(Client(REMOTE_ADDR="198.51.100.7"), "editor", demo_password("editor"))
        assert response.status_code == 429

        # Each failure while locked starts the cool-off again; the lock lifts one cool-off
        # after the last one.
        clock.tick(timedelta(minutes=29))
        assert sign_in(client, "editor", demo_password("editor")).status_code == 429
        clock.tick(timedelta(minutes=31))
        response = sign_in(client, "editor", demo_password("editor"))
        assert response.status_code == 302 and response["Location"] == HOME
        assert signed_in(client)


def test_the_lockout_message_does_not_reveal_whether_a_name_exists(client):
    for attempt in range(20):
        sign_in(client, "editor", f"wrong-{attempt}")
        sign_in(client, "nobody-by-this-name", f"wrong-{attempt}")
    real = sign_in(client, "editor", "x")
    made_up = sign_in(client, "nobody-by-this-name", "x")
    assert real.status_code == made_up.status_code == 429

    def page(response, name):
        # The whole page but the name typed (where it is shown: not inside an address, such
        # as the admin's editor.css) and the per-response CSRF tokens.
        return CSRF.sub("", re.sub(rf"(?<![/\w-]){re.escape(name)}(?![\w.-])", "NAME", response.content.decode()))

    assert page(real, "editor") == page(made_up, "nobody-by-this-name")


def test_an_administrator_unlocks_with_the_command(client, capsys):
    for attempt in range(20):
        sign_in(client, "contributor", f"wrong-{attempt}")
    assert sign_in(client, "contributor", demo_password("contributor")).status_code == 429
    call_command("unlock", "contributor")
    assert "Unlocked 'contributor'" in capsys.readouterr().out
    response = sign_in(client, "contributor", demo_password("contributor"))
    assert response.status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_in_the_admin(client, users):
    for attempt in range(20):
        sign_in(client, "contributor", f"wrong-{attempt}")
    page_url = reverse("accounts_lockouts")

    editor = Client()
    editor.force_login(users["editor"])
    # Wagtail turns the refusal into a redirect to the dashboard with "permission denied".
    assert editor.get(page_url)["Location"] == HOME, "only those who manage users see locked names"
    editor.post(page_url, {"username": "contributor"})
    assert sign_in(Client(), "contributor", demo_password("contributor")).status_code == 429

    admin = Client()
    admin.force_login(users["admin"])
    page = admin.get(page_url)
    assert page.status_code == 200
    assert b"<td>contributor</td>" in page.content and b"<td>21</td>" in page.content  # 20 + the one above
    response = admin.post(page_url, {"username": "contributor"}, follow=True)
    assert b"contributor can sign in again" in response.content
    assert b"No name is locked now" in response.content
    assert sign_in(client, "contributor", demo_password("contributor")).status_code == 302


def test_other_names_are_not_locked_by_one_names_failures(client):
    for attempt in range(20):
        sign_in(client, "editor", f"wrong-{attempt}")
    response = sign_in(client, "contributor", demo_password("contributor"))
    assert response.status_code == 302


def test_client_address_comes_from_a_proxy_header_only_when_configured(settings):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.4")
    settings.SAMIZDAT_CLIENT_IP_HEADER = ""
    assert client_ip(request) == "10.0.0.2", "a forwarded header must be ignored unless configured"
    settings.SAMIZDAT_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request) == "192.0.2.4", "only the entry the trusted proxy appended counts"
    forged = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(forged) == "10.0.0.2"


# --- Second factor (TOTP) --------------------------------------------------------------------

def enrol(client, username):
    """Sign in with the password, open the enrolment page, confirm with the app's code."""
    assert sign_in(client, username, demo_password(username)).status_code == 302
    page = client.get(ENROL)
    assert page.status_code == 200
    assert b"<svg" in page.content, "the QR code is drawn on the server as SVG"
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    secret = page.content.decode().split("data-secret>")[1].split("<")[0].replace(" ", "")
    assert base64.b32decode(secret) == device.bin_key, "the secret shown is the device's key"

    wrong = client.post(ENROL, {"otp_token": code(device, at_offset=5)})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    device.refresh_from_db()
    assert not device.confirmed, "a device is active only once a code from it was entered"
    return device


def test_totp_enrolment_and_sign_in_end_to_end(users):
    client = Client()
    with freeze_time() as clock:
        device = enrol(client, "editor")
        clock.tick(timedelta(seconds=2))  # past the one-second throttle of the wrong code
        response = client.post(ENROL, {"otp_token": code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert signed_in(client), "the session that enrolled is verified"
        client.post(reverse("wagtailadmin_logout"))

        # Sign in again: the password alone opens nothing, every admin page leads to the code.
        clock.tick(timedelta(seconds=30))
        response = sign_in(client, "editor", demo_password("editor"))
        assert response.status_code == 302
        for path in (HOME, reverse("wagtailadmin_explore_root"), reverse("wagtailadmin_account"), ENROL):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith(VERIFY), path

        wrong = client.post(VERIFY, {"otp_token": code(device, at_offset=5), "next": HOME})
        assert wrong.status_code == 200 and b"That code is not right" in wrong.content
        assert not signed_in(client)
        # Guessing is throttled (1 s, 2 s, 4 s… after each wrong code), even with the right code.
        throttled = client.post(VERIFY, {"otp_token": code(device), "next": HOME})
        assert b"Too many wrong codes" in throttled.content
        assert not signed_in(client)

        clock.tick(timedelta(seconds=2))
        response = client.post(VERIFY, {"otp_token": code(device), "next": HOME})
        assert response.status_code == 302 and response["Location"] == HOME
        assert signed_in(client)

        # The same code cannot be used twice (a code seen over a shoulder is spent).
        other = Client()
        sign_in(other, "editor", demo_password("editor"))
        replay = other.post(VERIFY, {"otp_token": code(device), "next": HOME})
        assert b"That code is not right" in replay.content
        assert not signed_in(other)


def test_without_a_device_the_password_is_enough_when_not_required(client, users):
    assert sign_in(client, "editor", demo_password("editor")).status_code == 302
    assert signed_in(client)


def test_required_second_factor_sends_an_editor_to_enrolment_and_nowhere_else(client, users, settings):
    settings.SAMIZDAT_REQUIRE_2FA = True
    assert sign_in(client, "editor", demo_password("editor")).status_code == 302
    for path in (HOME, reverse("wagtailadmin_explore_root"), reverse("wagtailadmin_account"), "/media/x.jpg"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(ENROL), path
    page = client.get(ENROL)
    assert page.status_code == 200
    assert b"Your role requires two-step verification" in page.content
    assert b"Turn two-step verification off" not in page.content
    assert client.post(ENROL, {"action": "remove"}).status_code == 403

    # Contributors are not required to (their posts go through review anyway).
    contributor = Client()
    sign_in(contributor, "contributor", demo_password("contributor"))
    assert signed_in(contributor)


def test_a_lost_phone_is_reset_by_an_administrator(client, users, capsys):
    TOTPDevice.objects.create(user=users["editor"], name="old phone", confirmed=True)
    sign_in(client, "editor", demo_password("editor"))
    assert client.get(HOME)["Location"].startswith(VERIFY)
    call_command("unlock", "editor", "--remove-second-factor")
    assert "Removed 1 second-factor device(s)" in capsys.readouterr().out
    assert signed_in(client)


# --- Sessions end when the password changes --------------------------------------------------

def account_page_data(client):
    """What the account page's forms hold now, as the browser would send them back."""
    page = client.get(reverse("wagtailadmin_account"))
    data = {}
    for panels in page.context["panels_by_tab"].values():
        for panel in panels:
            form = panel.get_form()
            for name, field in form.fields.items():
                if isinstance(field, forms.FileField):
                    continue
                value = form[name].value()
                if value is not None:
                    data[form.add_prefix(name)] = value
    return data


def test_changing_ones_password_ends_the_other_sessions(users):
    laptop, stolen = Client(), Client()
    for c in (laptop, stolen):
        assert sign_in(c, "contributor", demo_password("contributor")).status_code == 302
        assert signed_in(c)
    response = laptop.post(reverse("wagtailadmin_account"), {
        **account_page_data(laptop),
        "password-old_password": demo_password("contributor"),
        "password-new_password1": "a new long passphrase 4 me",
        "password-new_password2": "a new long passphrase 4 me",
    })
    assert response.status_code == 302, response.content[:2000]
    users["contributor"].refresh_from_db()
    assert users["contributor"].check_password("a new long passphrase 4 me")
    assert signed_in(laptop), "the session that changed the password stays signed in"
    assert not signed_in(stolen), "every other session of that user ends"


def test_an_administrator_setting_a_password_ends_that_users_sessions(users):
    admin, editor = Client(), Client()
    sign_in(admin, "admin", demo_password("admin"))
    sign_in(editor, "editor", demo_password("editor"))
    assert signed_in(editor)
    target = users["editor"]
    form = admin.get(reverse("wagtailusers_users:edit", args=(target.pk,)))
    assert form.status_code == 200
    response = admin.post(reverse("wagtailusers_users:edit", args=(target.pk,)), {
        "username": target.username, "email": target.email,
        "first_name": target.first_name, "last_name": target.last_name,
        "password1": "a new long passphrase 4 you", "password2": "a new long passphrase 4 you",
        "is_active": "on", "groups": [g.pk for g in target.groups.all()],
    })
    assert response.status_code == 302, response.content[:3000]
    target.refresh_from_db()
    assert target.check_password("a new long passphrase 4 you")
    assert not signed_in(editor), "the user's session ends when an administrator sets a new password"
    assert signed_in(admin)


def test_production_settings_require_a_second_factor():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMIZDAT_")}
    env.update(
        SAMIZDAT_SECRET_KEY="k" * 50, SAMIZDAT_ALLOWED_HOSTS="admin.example.org",
        SAMIZDAT_ADMIN_BASE_URL="https://admin.example.org", DJANGO_SETTINGS_MODULE="samizdat.settings.production",
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.SAMIZDAT_REQUIRE_2FA)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr


# --- Second factor (passkeys) ----------------------------------------------------------------

def ceremony(client, kind, authenticator, step):
    begin = client.post(reverse(f"otp_webauthn:credential-{kind}-begin"), content_type="application/json")
    assert begin.status_code == 200, begin.content
    answer = step(begin.json())
    return client.post(reverse(f"otp_webauthn:credential-{kind}-complete") + f"?next={HOME}",
                       data=answer, content_type="application/json")


def test_passkey_registration_and_sign_in_end_to_end(users, settings):
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://testserver"]
    settings.SAMIZDAT_REQUIRE_2FA = True
    key = SoftAuthenticator(origin="http://testserver", rp_id="testserver")

    # An administrator without a device is held on the enrolment page; registering a passkey there
    # is allowed, and opens the admin.
    client = Client()
    sign_in(client, "admin", demo_password("admin"))
    assert client.get(HOME)["Location"].startswith(ENROL)
    page = client.get(ENROL)
    assert b'id="passkey-register-button"' in page.content
    done = ceremony(client, "registration", key, key.create)
    assert done.status_code == 200, done.content
    assert signed_in(client)
    assert b"added" in client.get(ENROL).content
    client.post(reverse("wagtailadmin_logout"))

    # Next sign-in: the password, then the passkey.
    sign_in(client, "admin", demo_password("admin"))
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert b'id="passkey-verification-button"' in client.get(VERIFY).content
    done = ceremony(client, "authentication", key, key.get)
    assert done.status_code == 200 and done.json()["redirect_url"] == HOME, done.content
    assert signed_in(client)


def test_a_passkey_of_someone_else_or_a_forged_signature_is_refused(users, settings):
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://testserver"]
    key = SoftAuthenticator(origin="http://testserver", rp_id="testserver")
    owner = Client()
    sign_in(owner, "editor", demo_password("editor"))
    assert ceremony(owner, "registration", key, key.create).status_code == 200

    # The editor's passkey does not verify the administrator's session.
    other = Client()
    sign_in(other, "admin", demo_password("admin"))
    TOTPDevice.objects.create(user=users["admin"], name="app", confirmed=True)
    assert 400 <= ceremony(other, "authentication", key, key.get).status_code < 500
    assert not signed_in(other)

    # A key that is not the registered one cannot sign for its credential id.
    impostor = SoftAuthenticator(origin="http://testserver", rp_id="testserver")
    impostor.credential_id = key.credential_id
    owner.post(reverse("wagtailadmin_logout"))
    sign_in(owner, "editor", demo_password("editor"))
    assert 400 <= ceremony(owner, "authentication", impostor, impostor.get).status_code < 500
    assert not signed_in(owner)
    # A page elsewhere (a phishing copy) gets a signature for its own origin: refused.
    phished = SoftAuthenticator(origin="https://samizdat-login.example", rp_id="testserver")
    phished.key, phished.credential_id, phished.sign_count = key.key, key.credential_id, key.sign_count
    assert 400 <= ceremony(owner, "authentication", phished, phished.get).status_code < 500
    assert not signed_in(owner)
    assert ceremony(owner, "authentication", key, key.get).status_code == 200
    assert signed_in(owner)

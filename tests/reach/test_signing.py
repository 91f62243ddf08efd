"""The signed site: `minisign -V` accepts the manifest; `samizdat verify` accepts the site, a
zip of it and the site over HTTP, and names one changed byte, one removed and one added file."""

import shutil
import subprocess
import zipfile

import pytest
from django.core.management import call_command

from samizdat.delivery.server import ReaderSite
from samizdat.newsroom.models import PostPage
from samizdat.reach.models import SiteFile, SiteVersion
from samizdat.reach.signing import PublicKey, SecretKey, SignatureError
from samizdat.reach.verify import verify_copy
from tests.browser.conftest import wsgi_served
from tests.conftest import require

pytestmark = pytest.mark.django_db
POST = "en/dispatches/a-border-town-learns-to-live-offline/index.html"


def test_minisign_accepts_the_manifest_and_refuses_a_changed_one(signed_site, signing_key):
    minisign = shutil.which("minisign")
    require(minisign is not None, "minisign is not installed (Debian package 'minisign'; make browser-deps installs it)")
    pub = signing_key.with_suffix(".pub")
    check = [minisign, "-V", "-p", str(pub), "-m", str(signed_site / "manifest.txt")]
    ok = subprocess.run(check, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "samizdat site manifest" in ok.stdout
    with open(signed_site / "manifest.txt", "a") as manifest:
        manifest.write("0" * 64 + "  evil.html\n")
    assert subprocess.run(check, capture_output=True).returncode != 0


def test_the_manifest_lists_every_file_of_the_site(signed_site):
    lines = (signed_site / "manifest.txt").read_text().splitlines()
    listed = {line.split("  ", 1)[1] for line in lines}
    on_disk = {p.relative_to(signed_site).as_posix() for p in signed_site.rglob("*") if p.is_file()}
    assert listed == on_disk - {"manifest.txt", "manifest.txt.minisig", "minisign.pub"}
    assert POST in listed and "404.html" in listed
    # sha256sum reads it as it is
    sha256sum = shutil.which("sha256sum")
    if sha256sum:
        assert subprocess.run([sha256sum, "--quiet", "-c", "manifest.txt"], cwd=signed_site).returncode == 0


def test_verify_names_a_changed_byte_a_removed_and_an_added_file(signed_site, signing_key):
    key = SecretKey.load(signing_key).public
    assert verify_copy(signed_site, public_key=key).ok
    post = signed_site / POST
    data = bytearray(post.read_bytes())
    data[200] ^= 1
    post.write_bytes(bytes(data))
    (signed_site / "en/index.html").unlink()
    (signed_site / "en/extra.html").write_text("<p>not ours</p>")
    report = verify_copy(signed_site, public_key=key)
    assert not report.ok
    assert (report.changed, report.missing, report.extra) == ([POST], ["en/index.html"], ["en/extra.html"])


def test_verify_a_zip_and_a_served_copy(signed_site, tmp_path):
    archive = tmp_path / "copy.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in signed_site.rglob("*"):
            if file.is_file():
                z.write(file, "site/" + file.relative_to(signed_site).as_posix())
    assert verify_copy(archive).ok
    with wsgi_served(ReaderSite(django_app=None, site_dir=signed_site)) as port:
        report = verify_copy(f"http://127.0.0.1:{port}/")
        assert report.ok and report.checked > 100 and not report.extra_checked
        (signed_site / POST).write_text("forged")
        assert verify_copy(f"http://127.0.0.1:{port}/").changed == [POST]


def test_another_key_is_refused(signed_site):
    report = verify_copy(signed_site, public_key=SecretKey.generate().public)
    assert not report.ok and "does not vouch for" in report.error


def test_the_command_fails_on_a_tampered_copy(signed_site, capsys):
    call_command("verify", str(signed_site))
    assert "VERIFIED" in capsys.readouterr().out
    (signed_site / POST).write_text("forged")
    with pytest.raises(SystemExit) as exit:
        call_command("verify", str(signed_site))
    assert exit.value.code == 1 and f"changed: {POST}" in capsys.readouterr().out


def test_a_publish_rehashes_only_its_batch_and_stays_signed(signed_site, signing_key, django_capture_on_commit_callbacks):
    before = SiteVersion.objects.latest("pk")
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    post.title = "A border town learns to live offline, again"
    with django_capture_on_commit_callbacks(execute=True):
        post.save_revision().publish()
    after = SiteVersion.objects.latest("pk")
    assert after.pk > before.pk and not after.full
    assert 0 < after.changed < 40  # the post, its listings and the newest posts — not the site
    assert SiteFile.objects.get(path=POST).version == after.pk
    assert verify_copy(signed_site, public_key=SecretKey.load(signing_key).public).ok


def test_the_key_files_and_the_minisign_format():
    key = SecretKey.generate()
    signature = key.sign(b"data", trusted_comment="c")
    assert key.public.verify(b"data", signature) == "c"
    assert PublicKey.parse(key.public.minisign()) == key.public
    with pytest.raises(SignatureError):
        key.public.verify(b"date", signature)
    forged = signature.replace("trusted comment: c", "trusted comment: d")
    with pytest.raises(SignatureError, match="trusted comment"):
        key.public.verify(b"data", forged)


def test_key_rotation_the_old_key_vouches_for_the_new(signed_site, signing_key, settings):
    old = SecretKey.load(signing_key).public
    old_pub = signing_key.parent / "old.pub"
    old_pub.write_text(old.minisign())
    call_command("keygen", rotate=True)
    new = SecretKey.load(signing_key).public
    assert new != old and (signing_key.parent / f"signing.key.retired-{old.key_id_hex}").exists()
    report = verify_copy(signed_site, public_key=old)  # a reader who only knows the old key
    assert report.ok and report.key_id == new.key_id_hex
    minisign = shutil.which("minisign")
    if minisign:
        statement = signed_site / "keys" / f"{new.key_id_hex}.pub"
        assert subprocess.run([minisign, "-V", "-p", str(old_pub), "-m", str(statement)], capture_output=True).returncode == 0
    # A key the old one never signed is refused, even with a statement of its own.
    stranger = SecretKey.generate()
    (signed_site / "keys" / f"{new.key_id_hex}.pub.minisig").write_text(
        stranger.sign((signed_site / "keys" / f"{new.key_id_hex}.pub").read_bytes(), trusted_comment="x"))
    assert not verify_copy(signed_site, public_key=old).ok


def test_a_failed_update_makes_the_next_one_rescan_everything(signed_site, signing_key, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    from samizdat.reach import services

    real = services.site_files_update

    def broken(**kwargs):
        raise OSError("disk hiccup")

    monkeypatch.setattr(services, "site_files_update", broken)
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    post.title = "Changed while hashing failed"
    with django_capture_on_commit_callbacks(execute=True):
        post.save_revision().publish()
    assert not verify_copy(signed_site).ok  # the manifest missed that batch
    monkeypatch.setattr(services, "site_files_update", real)
    post.title = "Changed again"
    other = PostPage.objects.exclude(pk=post.pk).live().first()
    with django_capture_on_commit_callbacks(execute=True):
        other.save_revision().publish()  # another batch: the rescan catches the missed one
    assert verify_copy(signed_site).ok and SiteVersion.objects.latest("pk").full

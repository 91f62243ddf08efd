"""Mirror round trips against real servers started by the tests: a folder, a bare git
repository, an S3 API server (moto in server mode) and an SFTP server (Debian's sshd on
loopback). Publish, edit, unpublish: the mirror equals the site afterwards (same files, same
bytes, deletions applied). A mirror that is down while posts are published catches up."""

import html
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from samizdat.newsroom.models import BlogPage, PostPage
from samizdat.publishing.services import site_bake_full
from samizdat.reach.models import MirrorState
from samizdat.reach.services import mirror_push, mirrors_status
from samizdat.reach.verify import verify_copy
from tests.conftest import require

pytestmark = pytest.mark.django_db
EDITED = "a-border-town-learns-to-live-offline"


def tree(root):
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def new_post(title):
    blog = BlogPage.objects.get(slug="dispatches")
    post = PostPage(title=title, slug=title.lower().replace(" ", "-"), teaser="A new post.", body="<p>Fresh.</p>")
    blog.add_child(instance=post)
    post.save_revision().publish()
    return post


def round_trip(site, mirror_files, capture):
    """Bake, publish, edit, unpublish; after each the mirror holds exactly the site."""
    site_bake_full(reason="test")
    assert mirror_files() == tree(site)
    with capture(execute=True):
        post = new_post("Mirrors carry the news")
    assert mirror_files() == tree(site)
    edited = PostPage.objects.get(slug=EDITED)
    edited.title = "A border town learns to live offline (updated)"
    with capture(execute=True):
        edited.save_revision().publish()
    assert mirror_files() == tree(site)
    assert "(updated)" in mirror_files()[f"en/dispatches/{EDITED}/index.html"].decode()
    with capture(execute=True):
        post.unpublish()
    files = mirror_files()
    assert files == tree(site)
    assert "en/dispatches/mirrors-carry-the-news/index.html" not in files


def test_folder_mirror_round_trip(fresh_site, settings, tmp_path, signing_key, django_capture_on_commit_callbacks):
    mirror = tmp_path / "usb"
    mirror.mkdir()
    settings.SAMIZDAT_MIRRORS = {"usb": {"BACKEND": "folder", "PATH": str(mirror)}}
    round_trip(fresh_site, lambda: tree(mirror), django_capture_on_commit_callbacks)
    assert verify_copy(mirror).ok  # the signed manifest travels with the files
    state = MirrorState.objects.get(name="usb")
    assert state.last_error == "" and state.lag_seconds is not None
    assert mirrors_status()["mirrors"][0]["behind"] == 0


def test_git_mirror_round_trip(fresh_site, settings, tmp_path, django_capture_on_commit_callbacks):
    git = shutil.which("git")
    require(git is not None, "git is not installed (Debian package 'git')")
    bare = tmp_path / "site.git"
    subprocess.run([git, "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    settings.SAMIZDAT_MIRRORS = {"code": {"BACKEND": "git", "URL": str(bare), "BRANCH": "main"}}

    def cloned():
        out = tmp_path / f"clone-{time.monotonic_ns()}"
        subprocess.run([git, "clone", "-q", "-b", "main", str(bare), str(out)], check=True)
        return tree(out)

    round_trip(fresh_site, cloned, django_capture_on_commit_callbacks)
    log = subprocess.run([git, "--git-dir", str(bare), "log", "--oneline"], capture_output=True, text=True).stdout
    assert len(log.splitlines()) == 4  # the full bake, the publish, the edit, the unpublish


def test_a_mirror_that_is_down_catches_up(fresh_site, settings, tmp_path, django_capture_on_commit_callbacks,
                                          client, users):
    mirror = tmp_path / "usb"
    mirror.mkdir()
    settings.SAMIZDAT_MIRRORS = {"usb": {"BACKEND": "folder", "PATH": str(mirror)}}
    site_bake_full(reason="test")
    assert tree(mirror) == tree(fresh_site)
    mirror.rename(tmp_path / "unplugged")
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            new_post(f"Published while the mirror was down {n}")  # publishing goes on
    assert (fresh_site / "en/dispatches/published-while-the-mirror-was-down-2/index.html").exists()
    state = MirrorState.objects.get(name="usb")
    assert state.attempts >= 1 and "not there" in state.last_error and state.next_try_at > timezone.now()
    # Shown to staff: on the dashboard (administrators) and by `samizdat mirrors` (exit 1).
    client.force_login(users["admin"])
    page = html.unescape(client.get("/admin/").content.decode())
    assert "usb is 3 version(s) behind" in page and "not there" in page
    with pytest.raises(SystemExit):
        call_command("mirrors")
    (tmp_path / "unplugged").rename(mirror)
    state = mirror_push(name="usb")  # what the retry task (or `samizdat mirrors --push`) does
    assert state.last_error == "" and state.attempts == 0
    assert tree(mirror) == tree(fresh_site)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, what):
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on {port}")


@contextmanager
def running(args, port, what, **kwargs):
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    try:
        wait_for_port(port, process, what)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_server():
    """moto's S3 API server on loopback (a real HTTP server speaking the S3 protocol)."""
    moto = Path(sys.executable).parent / "moto_server"
    require(moto.exists(), "moto is not installed: pip install -e '.[test]' (make test does)")
    port = free_port()
    with running([str(moto), "-H", "127.0.0.1", "-p", str(port)], port, "moto_server"):
        yield f"http://127.0.0.1:{port}"


def test_s3_mirror_round_trip(fresh_site, settings, s3_server, django_capture_on_commit_callbacks, monkeypatch):
    import boto3

    # Credentials from the environment, as in production (moto accepts any).
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    s3.create_bucket(Bucket="news")
    settings.SAMIZDAT_MIRRORS = {"bucket": {"BACKEND": "s3", "BUCKET": "news", "PREFIX": "site",
                                            "ENDPOINT_URL": s3_server}}

    def objects():
        found = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="news", Prefix="site/"):
            for item in page.get("Contents", []):
                found[item["Key"][len("site/"):]] = s3.get_object(Bucket="news", Key=item["Key"])["Body"].read()
        return found

    round_trip(fresh_site, objects, django_capture_on_commit_callbacks)
    head = s3.head_object(Bucket="news", Key="site/en/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"


@pytest.fixture
def sshd(tmp_path):
    """Debian's sshd on loopback with a throwaway host key and a throwaway client key, for the
    user running the tests; yields (port, client key, known_hosts)."""
    sshd, keygen = Path("/usr/sbin/sshd"), shutil.which("ssh-keygen")
    require(sshd.exists() and keygen, "sshd is not installed (Debian package 'openssh-server'; make browser-deps)")
    folder = tmp_path / "sshd"
    folder.mkdir()
    for name in ("host", "client"):
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    (folder / "authorized_keys").write_text((folder / "client.pub").read_text())
    os.chmod(folder / "authorized_keys", 0o600)
    port = free_port()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {(folder / 'host.pub').read_text()}")
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
    args = [str(sshd), "-D", "-e", "-f", str(config)]

    @contextmanager
    def up():
        with running(args, port, "sshd"):
            yield

    return {"port": port, "key": folder / "client", "known_hosts": folder / "known_hosts", "up": up}


def _sftp_settings(settings, sshd, remote):
    import getpass

    settings.SAMIZDAT_MIRRORS = {"box": {
        "BACKEND": "sftp", "HOST": "127.0.0.1", "PORT": sshd["port"], "USERNAME": getpass.getuser(),
        "KEY_FILE": str(sshd["key"]), "KNOWN_HOSTS": str(sshd["known_hosts"]), "PATH": str(remote),
    }}


def test_sftp_mirror_round_trip(fresh_site, settings, sshd, tmp_path, django_capture_on_commit_callbacks):
    remote = tmp_path / "remote"
    remote.mkdir()
    _sftp_settings(settings, sshd, remote)
    with sshd["up"]():
        round_trip(fresh_site, lambda: tree(remote), django_capture_on_commit_callbacks)


def test_an_sftp_mirror_that_is_down_catches_up(fresh_site, settings, sshd, tmp_path, django_capture_on_commit_callbacks):
    remote = tmp_path / "remote"
    remote.mkdir()
    _sftp_settings(settings, sshd, remote)
    with sshd["up"]():
        site_bake_full(reason="test")
        assert tree(remote) == tree(fresh_site)
    for n in range(3):  # sshd is stopped
        with django_capture_on_commit_callbacks(execute=True):
            new_post(f"Written during the outage {n}")
    state = MirrorState.objects.get(name="box")
    assert state.attempts >= 1 and state.last_error and state.pushed_version < mirrors_status()["latest_version"]
    assert tree(remote) != tree(fresh_site)
    with sshd["up"]():
        state = mirror_push(name="box")
    assert state.last_error == "" and tree(remote) == tree(fresh_site)


def test_an_unknown_host_key_is_refused(fresh_site, settings, sshd, tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    _sftp_settings(settings, sshd, remote)
    sshd["known_hosts"].write_text("")
    with sshd["up"]():
        site_bake_full(reason="test")
    state = MirrorState.objects.get(name="box")
    assert "not found in known_hosts" in state.last_error and tree(remote) == {}

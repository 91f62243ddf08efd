"""Mirror backends: where copies of the site are pushed after every bake.

`SAMIZDAT_MIRRORS` (settings; from the environment as JSON) names each mirror and its
backend, Wagtail-frontend-cache style:

    SAMIZDAT_MIRRORS = {
        "usb":    {"BACKEND": "folder", "PATH": "/srv/mirror"},
        "code":   {"BACKEND": "git", "URL": "ssh://git@example.org/news/site.git", "BRANCH": "main"},
        "bucket": {"BACKEND": "s3", "BUCKET": "news", "PREFIX": "", "ENDPOINT_URL": "https://…"},
        "box":    {"BACKEND": "sftp", "HOST": "mirror.example.org", "USERNAME": "news",
                   "KEY_FILE": "/etc/samizdat/sftp_key", "KNOWN_HOSTS": "/etc/samizdat/known_hosts",
                   "PATH": "/var/www/news"},
    }

Credentials live there or in the environment (S3: boto3's own `AWS_ACCESS_KEY_ID` /
`AWS_SECRET_ACCESS_KEY`, or `ACCESS_KEY` / `SECRET_KEY` here), never in the database.
A backend gets the files changed since the mirror's last push and the paths removed, and
answers how many it sent and deleted; any exception is a failed push (retried later).
"""

import json
import mimetypes
import os
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from samizdat.core.files import atomic_write

BACKENDS = {
    "folder": "samizdat.reach.mirrors.FolderMirror",
    "git": "samizdat.reach.mirrors.GitMirror",
    "s3": "samizdat.reach.mirrors.S3Mirror",
    "sftp": "samizdat.reach.mirrors.SFTPMirror",
}


def mirrors_config():
    """{name: options} from `SAMIZDAT_MIRRORS` (a dict, or JSON text from the environment)."""
    config = settings.SAMIZDAT_MIRRORS or {}
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError as exc:
            raise ImproperlyConfigured(f"SAMIZDAT_MIRRORS is not valid JSON: {exc}") from exc
    for name, options in config.items():
        if not isinstance(options, dict) or "BACKEND" not in options:
            raise ImproperlyConfigured(f"SAMIZDAT_MIRRORS[{name!r}] needs a BACKEND (one of {', '.join(BACKENDS)})")
    return config


def mirror_backend(name, options):
    path = BACKENDS.get(options["BACKEND"], options["BACKEND"])
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"mirror {name!r}: no backend {options['BACKEND']!r}") from exc
    return cls(name, options)


def _safe(rel):
    """A site-relative path a mirror may write: no absolute path, no `..`."""
    parts = PurePosixPath(rel).parts
    if not parts or rel.startswith("/") or ".." in parts:
        raise ValueError(f"refusing to mirror the path {rel!r}")
    return rel


class MirrorBackend:
    def __init__(self, name, options):
        self.name = name
        self.options = options

    def option(self, key, default=None, *, required=False):
        value = self.options.get(key, default)
        if required and not value:
            raise ImproperlyConfigured(f"mirror {self.name!r} needs {key}")
        return value

    def push(self, *, site_dir, uploads, deletes, version):
        raise NotImplementedError


class FolderMirror(MirrorBackend):
    """A folder on this machine (a USB stick, a network share, another web root)."""

    def push(self, *, site_dir, uploads, deletes, version):
        root = Path(self.option("PATH", required=True))
        if not root.is_dir():
            raise FileNotFoundError(f"mirror folder {root} is not there (unmounted?)")
        sent = deleted = 0
        for rel in uploads:
            source = site_dir / _safe(rel)
            if not source.is_file():
                continue  # removed since: a later version deletes it
            with open(source, "rb") as src:
                atomic_write(root / rel, lambda f, src=src: shutil.copyfileobj(src, f))
            sent += 1
        for rel in deletes:
            target = root / _safe(rel)
            if target.exists():
                target.unlink()
                deleted += 1
                _prune_dirs(target.parent, root)
        return sent, deleted


def _prune_dirs(folder, root):
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


class GitMirror(MirrorBackend):
    """A git repository (a bare repository, or one on a code host): a work tree kept under
    `$SAMIZDAT_DATA_DIR/mirrors/<name>` gets the changes, one commit per push, then
    `git push`. Git sends only the new objects."""

    def _git(self, *args, cwd):
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True,
                              timeout=600)

    def push(self, *, site_dir, uploads, deletes, version):
        url = self.option("URL", required=True)
        branch = self.option("BRANCH", "main")
        work = Path(settings.DATA_DIR) / "mirrors" / self.name
        if not (work / ".git").is_dir():
            work.mkdir(parents=True, exist_ok=True)
            self._git("init", "-q", "-b", branch, cwd=work)
            self._git("config", "user.name", self.option("AUTHOR_NAME", "Samizdat"), cwd=work)
            self._git("config", "user.email", self.option("AUTHOR_EMAIL", "samizdat@localhost"), cwd=work)
        folder = FolderMirror(self.name, {"PATH": str(work)})
        sent, deleted = folder.push(site_dir=site_dir, uploads=uploads, deletes=deletes, version=version)
        self._git("add", "-A", cwd=work)
        if self._git("status", "--porcelain", cwd=work).stdout.strip():
            self._git("commit", "-q", "-m", f"Site version {version}", cwd=work)
        self._git("push", "-q", url, f"HEAD:refs/heads/{branch}", cwd=work)
        return sent, deleted


def _content_type(rel):
    ctype = mimetypes.guess_type(rel)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "application/xml"):
        ctype += "; charset=utf-8"
    return ctype


class S3Mirror(MirrorBackend):
    """An S3-compatible bucket (AWS, MinIO, Ceph, Garage, a CDN's object store)."""

    def client(self):
        import boto3  # loaded only when a bucket is configured (boto3 takes a while to import)

        return boto3.client(
            "s3", endpoint_url=self.option("ENDPOINT_URL"), region_name=self.option("REGION", "us-east-1"),
            aws_access_key_id=self.option("ACCESS_KEY"), aws_secret_access_key=self.option("SECRET_KEY"),
        )

    def push(self, *, site_dir, uploads, deletes, version):
        s3, bucket = self.client(), self.option("BUCKET", required=True)
        prefix = self.option("PREFIX", "").strip("/")
        key = (lambda rel: f"{prefix}/{rel}") if prefix else (lambda rel: rel)
        sent = deleted = 0
        for rel in uploads:
            source = site_dir / _safe(rel)
            if not source.is_file():
                continue
            s3.put_object(Bucket=bucket, Key=key(rel), Body=source.read_bytes(), ContentType=_content_type(rel))
            sent += 1
        for i in range(0, len(deletes), 1000):
            chunk = [{"Key": key(_safe(rel))} for rel in deletes[i : i + 1000]]
            answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            if answer.get("Errors"):
                raise OSError(f"could not delete {answer['Errors'][0]}")
            deleted += len(chunk)
        return sent, deleted


class SFTPMirror(MirrorBackend):
    """A folder on another machine over SFTP (any host with an SSH login). The host key must
    be known (`KNOWN_HOSTS`): an unknown key is refused, never trusted on first use."""

    def connect(self):
        import paramiko  # loaded only when an SFTP mirror is configured

        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        known = self.option("KNOWN_HOSTS")
        if known:
            client.load_host_keys(known)
        else:
            client.load_system_host_keys()
        client.connect(
            self.option("HOST", required=True), port=int(self.option("PORT", 22)),
            username=self.option("USERNAME", required=True), key_filename=self.option("KEY_FILE"),
            password=self.option("PASSWORD"), allow_agent=False, look_for_keys=False, timeout=30,
        )
        return client

    def push(self, *, site_dir, uploads, deletes, version):
        root = PurePosixPath(self.option("PATH", required=True))
        client = self.connect()
        try:
            sftp = client.open_sftp()
            made = set()
            sent = deleted = 0
            for rel in uploads:
                source = site_dir / _safe(rel)
                if not source.is_file():
                    continue
                target = root / rel
                self._makedirs(sftp, target.parent, made)
                tmp = target.parent / f".tmp-{target.name}"
                sftp.put(str(source), str(tmp))
                sftp.posix_rename(str(tmp), str(target))
                sent += 1
            for rel in deletes:
                try:
                    sftp.remove(str(root / _safe(rel)))
                    deleted += 1
                except FileNotFoundError:
                    pass
            return sent, deleted
        finally:
            client.close()

    @staticmethod
    def _makedirs(sftp, folder, made):
        missing = []
        while str(folder) not in made and folder != folder.parent:
            try:
                sftp.stat(str(folder))
                break
            except FileNotFoundError:
                missing.append(folder)
                folder = folder.parent
        for f in reversed(missing):
            sftp.mkdir(str(f))
        made.update(str(f) for f in missing)

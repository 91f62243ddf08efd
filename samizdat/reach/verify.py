"""`samizdat verify DIR|URL|ZIP`: is this copy of the site the one we signed?

The signature of `manifest.txt` is checked (minisign format, `signing.PublicKey.verify`),
then every file the manifest lists is hashed: each missing or changed file is named, and —
for a folder or a zip, where the whole copy can be listed — each file the manifest does not
list. Over HTTP a server cannot be asked for its file list, so extra files there go unseen.
"""

import hashlib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .signing import PublicKey, SignatureError, key_follow, signature_key_id

# The signed files at the site's root (listed in `SAMIZDAT_SITE_KEEP`, so a full bake keeps them).
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.txt", "manifest.txt.minisig", "minisign.pub"
SIGNED_FILES = (MANIFEST, SIGNATURE, PUBLIC_KEY)


@dataclass
class VerifyReport:
    source: str
    trusted_comment: str = ""
    key_id: str = ""
    key_from_copy: bool = False  # the key came with the copy: integrity, not who made it
    checked: int = 0
    missing: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    extra_checked: bool = True
    error: str = ""

    @property
    def ok(self):
        return not (self.error or self.missing or self.changed or self.extra)


class _Folder:
    def __init__(self, root):
        self.root = Path(root)

    def read(self, rel):
        try:
            return (self.root / rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def listing(self):
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}


class _Zip:
    """A zip of the site, at its top or in one folder (as `samizdat bundle` writes it)."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        names = [n for n in self.zip.namelist() if not n.endswith("/")]
        self.prefix = ""
        if MANIFEST not in names:
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) == 1:
                self.prefix = tops.pop() + "/"
        self.names = {n[len(self.prefix):] for n in names if n.startswith(self.prefix)}

    def read(self, rel):
        if rel not in self.names:
            return None
        return self.zip.read(self.prefix + rel)

    def listing(self):
        return set(self.names)


class _Web:
    def __init__(self, url):
        self.base = url if url.endswith("/") else url + "/"

    def read(self, rel):
        url = urllib.parse.urljoin(self.base, urllib.parse.quote(rel))
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # http(s) only: checked in _source
                return answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def listing(self):
        return None


def _source(source):
    if source.startswith(("http://", "https://")):
        return _Web(source)
    path = Path(source)
    if path.is_dir():
        return _Folder(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return _Zip(path)
    raise FileNotFoundError(f"{source} is not a folder, a zip file or an http(s) address")


def parse_manifest(text):
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            raise SignatureError(f"manifest line {number} is not `sha256  path`")
        entries[rel] = digest
    return entries


def verify_copy(source, *, public_key=None):
    """Check the copy at `source` (a folder, a zip, an http(s) address) against its signed
    manifest. `public_key` (a `PublicKey`) is the key to trust; without one the copy's own
    `minisign.pub` is used, which proves the files are whole, not who signed them."""
    report = VerifyReport(source=str(source))
    try:
        copy = _source(str(source))
        manifest, signature = copy.read(MANIFEST), copy.read(SIGNATURE)
        if manifest is None or signature is None:
            raise SignatureError("no signed manifest (manifest.txt and manifest.txt.minisig) in the copy")
        if public_key is None:
            carried = copy.read(PUBLIC_KEY)
            if carried is None:
                raise SignatureError("no public key given and none in the copy (minisign.pub)")
            public_key, report.key_from_copy = PublicKey.parse(carried.decode()), True
        signer = signature_key_id(signature.decode())
        if signer and signer != public_key.key_id_hex:
            public_key = key_follow(public_key, signer, copy.read)  # a rotated key the old one vouched for
        report.key_id = public_key.key_id_hex
        report.trusted_comment = public_key.verify(manifest, signature.decode())
        entries = parse_manifest(manifest.decode())
    except (SignatureError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        report.error = str(exc)
        return report
    for rel, digest in sorted(entries.items()):
        content = copy.read(rel)
        report.checked += 1
        if content is None:
            report.missing.append(rel)
        elif hashlib.sha256(content).hexdigest() != digest:
            report.changed.append(rel)
    listing = copy.listing()
    if listing is None:
        report.extra_checked = False
    else:
        report.extra = sorted(listing - set(entries) - set(SIGNED_FILES))
    return report

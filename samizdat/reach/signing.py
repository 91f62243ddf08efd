"""Ed25519 signatures in minisign's format, so anyone can check a copy of the site with the
standard `minisign -V` (Debian's `minisign` package) as well as with `samizdat verify`.

The format (https://jedisct1.github.io/minisign/, "Signature format" and "Public key format"):

    public key   untrusted comment: <text>
                 base64("Ed" || key id (8 bytes) || Ed25519 public key (32 bytes))
    signature    untrusted comment: <text>
                 base64("ED" || key id || Ed25519 signature of BLAKE2b-512(file))
                 trusted comment: <text>
                 base64(Ed25519 signature of (the signature above || the trusted comment))

"ED" is the pre-hashed variant minisign itself writes since 0.8. The secret key is ours,
not minisign's (PKCS#8 PEM, mode 0600, outside the site and the repository): its path is
`SAMIZDAT_SIGNING_KEY`, written by `samizdat keygen`. The key id is the first 8 bytes of
the SHA-256 of the public key, so it needs no storing.
"""

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from samizdat.core.files import atomic_write


class SignatureError(Exception):
    """A signature or a key that does not check out; the message says which and why."""


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes
    raw: bytes

    @classmethod
    def from_raw(cls, raw):
        return cls(hashlib.sha256(raw).digest()[:8], raw)

    @property
    def key_id_hex(self):
        return self.key_id[::-1].hex().upper()  # as minisign prints it (a little-endian number)

    def minisign(self):
        """The public key file, as `minisign -V -p FILE` reads it."""
        body = base64.b64encode(b"Ed" + self.key_id + self.raw).decode()
        return f"untrusted comment: minisign public key {self.key_id_hex}\n{body}\n"

    @property
    def line(self):
        """The one-line form (`minisign -V -P LINE`), printed on the "how to reach us" page."""
        return self.minisign().splitlines()[1]

    @classmethod
    def parse(cls, text):
        lines = [line for line in text.strip().splitlines() if not line.startswith("untrusted comment:")]
        try:
            blob = base64.b64decode(lines[0].strip(), validate=True)
        except (IndexError, ValueError) as exc:
            raise SignatureError("not a minisign public key") from exc
        if len(blob) != 42 or blob[:2] != b"Ed":
            raise SignatureError("not a minisign Ed25519 public key")
        return cls(blob[2:10], blob[10:])

    def verify(self, data, signature_text):
        """Check a .minisig for `data`; returns the trusted comment or raises SignatureError."""
        lines = signature_text.splitlines()
        if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
            raise SignatureError("not a minisign signature file")
        try:
            blob = base64.b64decode(lines[1].strip(), validate=True)
            global_sig = base64.b64decode(lines[3].strip(), validate=True)
        except ValueError as exc:
            raise SignatureError("the signature file is damaged") from exc
        if len(blob) != 74 or blob[:2] not in (b"ED", b"Ed"):
            raise SignatureError("not an Ed25519 minisign signature")
        if blob[2:10] != self.key_id:
            raise SignatureError(f"signed with another key (key id {blob[2:10][::-1].hex().upper()}, "
                                 f"expected {self.key_id_hex})")
        message = hashlib.blake2b(data).digest() if blob[:2] == b"ED" else data
        trusted = lines[2][len("trusted comment: "):]
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        try:
            key.verify(blob[10:], message)
        except InvalidSignature as exc:
            raise SignatureError("the signature does not match the file: it was changed") from exc
        try:
            key.verify(global_sig, blob[10:] + trusted.encode())
        except InvalidSignature as exc:
            raise SignatureError("the trusted comment was changed") from exc
        return trusted


class SecretKey:
    def __init__(self, private: Ed25519PrivateKey):
        self.private = private
        self.public = PublicKey.from_raw(
            private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )

    @classmethod
    def generate(cls):
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path):
        try:
            key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise SignatureError(f"cannot read the signing key {path}: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SignatureError(f"{path} is not an Ed25519 key")
        return cls(key)

    def save(self, path):
        """Write the key (mode 0600, refusing to overwrite one) and its public key beside it."""
        path = Path(path)
        if path.exists():
            raise SignatureError(f"{path} exists; remove it first if you really mean to replace the key")
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        atomic_write(path.with_suffix(".pub"), lambda f: f.write(self.public.minisign().encode()))

    def sign(self, data, *, trusted_comment):
        """A .minisig file for `data` (pre-hashed, as minisign 0.8+ writes)."""
        if "\n" in trusted_comment or "\r" in trusted_comment:
            raise SignatureError("a trusted comment is one line")
        signature = self.private.sign(hashlib.blake2b(data).digest())
        global_sig = self.private.sign(signature + trusted_comment.encode())
        return (
            f"untrusted comment: signature from samizdat secret key {self.public.key_id_hex}\n"
            f"{base64.b64encode(b'ED' + self.public.key_id + signature).decode()}\n"
            f"trusted comment: {trusted_comment}\n"
            f"{base64.b64encode(global_sig).decode()}\n"
        )


def site_key():
    """The site's secret key (`SAMIZDAT_SIGNING_KEY`, written by `samizdat keygen`), or None."""
    path = settings.SAMIZDAT_SIGNING_KEY
    if not path or not Path(path).exists():
        return None
    return SecretKey.load(path)


def key_rotate(path, site_dir):
    """Replace the key at `path` with a new one that the old key vouches for: the new public
    key is written into the site as `keys/<new id>.pub` with `keys/<new id>.pub.minisig`, a
    signature by the old key, so a reader who trusts the old key can trust the new one
    (`minisign -V -p old.pub -m keys/<id>.pub`; `samizdat verify` follows it by itself). The old
    key is kept beside as `<path>.retired-<old id>`. Returns (old, new)."""
    path = Path(path)
    old = SecretKey.load(path)
    new = SecretKey.generate()
    statement = new.public.minisign().encode()
    comment = f"samizdat key rotation: {old.public.key_id_hex} vouches for {new.public.key_id_hex}; " \
              f"{datetime.now(UTC).isoformat(timespec='seconds')}"
    keys = Path(site_dir) / "keys"
    atomic_write(keys / f"{new.public.key_id_hex}.pub", lambda f: f.write(statement))
    atomic_write(keys / f"{new.public.key_id_hex}.pub.minisig",
                 lambda f: f.write(old.sign(statement, trusted_comment=comment).encode()))
    retired = path.with_name(f"{path.name}.retired-{old.public.key_id_hex}")
    os.replace(path, retired)
    path.with_suffix(".pub").unlink(missing_ok=True)
    new.save(path)
    return old, new


def key_follow(trusted, key_id_hex, read):
    """The key `key_id_hex` that signed a copy, if `trusted` vouched for it when it was made
    (`keys/<id>.pub` and its `.minisig` in the copy; `read(rel)` gives a file of the copy or
    None). One rotation: after several, readers should take the current key from our pages."""
    if trusted.key_id_hex == key_id_hex:
        return trusted
    statement, signature = read(f"keys/{key_id_hex}.pub"), read(f"keys/{key_id_hex}.pub.minisig")
    if statement is None or signature is None:
        raise SignatureError(f"signed with key {key_id_hex}, which the trusted key {trusted.key_id_hex} "
                             "does not vouch for in this copy")
    trusted.verify(statement, signature.decode())  # raises unless the trusted key signed it
    return PublicKey.parse(statement.decode())


def signature_key_id(signature_text):
    """The id of the key that made a .minisig (as minisign prints it), or "" if unreadable."""
    try:
        blob = base64.b64decode(signature_text.splitlines()[1].strip(), validate=True)
    except (IndexError, ValueError):
        return ""
    return blob[2:10][::-1].hex().upper() if len(blob) == 74 else ""

"""The compiled catalogs (.mo) are committed so that an installed package ships them; each
must say what its .po says, or readers of an installed site get yesterday's interface."""

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.PACKAGE_DIR) / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
FIX = "run `make messages` and commit the .mo files"


def messages(catalog):
    """What gettext will answer: (context, id) → translation, and how plurals are chosen."""
    found = {(m.context, m.id): m.string for m in catalog if m.id}
    return found, catalog.plural_forms


def compiled(po_path):
    """The .po compiled in memory the way `make messages` compiles it (fuzzy entries left out)."""
    with open(po_path, "rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return read_mo(buffer)


def differences(po_path, mo_path):
    """Messages whose translation in the .mo is not the .po's, as readable lines."""
    if not mo_path.exists():
        return [f"{mo_path} is missing"]
    with open(mo_path, "rb") as f:
        shipped, shipped_plural = messages(read_mo(f))
    wanted, wanted_plural = messages(compiled(po_path))
    lines = [
        f"{key[1]!r}: .po says {wanted.get(key)!r}, .mo says {shipped.get(key)!r}"
        for key in sorted(wanted.keys() | shipped.keys(), key=repr)
        if wanted.get(key) != shipped.get(key)
    ]
    if wanted_plural != shipped_plural:
        lines.append(f"Plural-Forms: .po says {wanted_plural!r}, .mo says {shipped_plural!r}")
    return lines


def test_every_language_has_a_catalog():
    # English has one too: the newsroom's words where Wagtail's differ ("Changes requested").
    assert {p.parts[-3] for p in CATALOGS} == {code for code, _ in settings.LANGUAGES}


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parts[-3])
def test_committed_mo_matches_its_po(po_path):
    found = differences(po_path, po_path.with_suffix(".mo"))
    assert not found, f"{po_path.with_suffix('.mo')} is stale — {FIX}:\n" + "\n".join(found[:20])


def test_an_edited_po_without_recompiling_is_caught(tmp_path):
    source = next(p for p in CATALOGS if p.parts[-3] == "fa")
    po_path = tmp_path / "django.po"
    shutil.copy(source.with_suffix(".mo"), tmp_path / "django.mo")
    text = source.read_text(encoding="utf-8")
    assert 'msgid "Skip to content"\nmsgstr "' in text
    po_path.write_text(
        text.replace('msgid "Skip to content"\nmsgstr "', 'msgid "Skip to content"\nmsgstr "EDITED '),
        encoding="utf-8",
    )
    found = differences(po_path, tmp_path / "django.mo")
    assert len(found) == 1 and found[0].startswith("'Skip to content': .po says 'EDITED ")
    assert differences(po_path, tmp_path / "missing.mo") == [f"{tmp_path / 'missing.mo'} is missing"]

"""Every interface string of the reader theme is translated for every language edition."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

TEMPLATES = Path(settings.PACKAGE_DIR) / "theme" / "jinja2"
PYTHON_STRINGS = {"at", "dot", "%(date)s, %(time)s %(zone)s time"}  # obfuscated_email(); core/dates.py datetime()


def template_strings():
    found = set()
    for file in TEMPLATES.rglob("*.html"):
        found |= set(re.findall(r"""_\(\s*'([^']+)'""", file.read_text()))
    return found | PYTHON_STRINGS


@pytest.mark.parametrize("lang", [code for code, _ in settings.LANGUAGES if code != "en"])
def test_catalog_translates_every_reader_string(lang):
    po = Path(settings.PACKAGE_DIR) / "locale" / lang / "LC_MESSAGES" / "django.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    strings = template_strings()
    assert len(strings) > 25
    missing = sorted(s for s in strings if not (catalog.get(s) and catalog.get(s).string))
    assert missing == []

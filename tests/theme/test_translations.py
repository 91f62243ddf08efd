"""Every interface string of the reader theme is translated for every language edition."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from jinja2 import DictLoader

from samizdat.theme.jinja import environment

TEMPLATES = Path(settings.PACKAGE_DIR) / "theme" / "jinja2"
# obfuscated_email(); core/dates.py datetime(); byline()
PYTHON_STRINGS = {"at", "dot", "%(date)s, %(time)s %(zone)s time", "By", ", "}


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


@pytest.mark.parametrize("autoescape", [True, False])
def test_interface_text_is_jinjas_new_style_gettext(autoescape):
    """`_()` in one call (`jinja.interface_text`) answers what Jinja's new-style gettext
    does: the translation trusted, the values escaped (when escaping), `%%` a percent sign."""
    source = "{{ _('page %(number)s', number=n) }}|{{ _('By') }}|{{ _('100%% free') }}|{{ _('Q&A') }}"
    ours = environment(autoescape=autoescape, loader=DictLoader({"t": source})).get_template("t")
    jinjas = environment(autoescape=autoescape, loader=DictLoader({"t": source}))
    jinjas.globals.pop("_")  # the extension's own `_` → new-style `gettext`
    jinjas.globals["_"] = jinjas.globals["gettext"]
    with translation.override("fa"):
        expected = jinjas.get_template("t").render(n="<b>")
        assert ours.render(n="<b>") == expected
    assert ("&lt;b&gt;" in expected) == autoescape
    assert "100% free" in expected and "|Q&A" in expected  # an interface string is not escaped

"""Each edition's "how to reach us" page, in its language, shows the mirrors, the offline
bundle, the onion address and the signing key, and is baked again when any of them changes."""

import html

import pytest

from samizdat.publishing.services import site_bake_full
from samizdat.reach.services import site_key, ways_update
from tests.conftest import read

pytestmark = pytest.mark.django_db


def test_the_page_is_baked_for_every_edition_and_linked_from_every_page(site_dir):
    for lang, heading in [("en", "How to reach us"), ("fa", "راه‌های دسترسی به ما"), ("ru", "Как до нас добраться")]:
        page = read(site_dir, f"/{lang}/reach-us/")
        assert f"<h1>{heading}</h1>" in page
        assert 'href="reach-us/index.html"' in read(site_dir, f"/{lang}/")


def test_it_links_the_editions_feeds_and_they_are_baked(site_dir):
    for lang in ("en", "fa", "ru"):
        page = read(site_dir, f"/{lang}/reach-us/")
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert f'href="../{name}"' in page, (lang, name)
            assert (site_dir / lang / name).is_file()


def test_it_shows_the_ways_and_follows_their_changes(fresh_site, settings, signing_key, tmp_path,
                                                      django_capture_on_commit_callbacks):
    settings.SAMIZDAT_BUNDLES = ["fa"]
    settings.SAMIZDAT_MIRRORS = {"usb": {"BACKEND": "folder", "PATH": str(tmp_path), "PUBLIC_URL": "https://mirror.example.net/"}}
    with django_capture_on_commit_callbacks(execute=True):
        site_bake_full(reason="test")
    page = html.unescape(read(fresh_site, "/fa/reach-us/"))
    assert "https://mirror.example.net/" in page
    assert site_key().public.line in page and site_key().public.key_id_hex in page
    assert 'href="../../bundles/fa.zip"' in page and "نسخهٔ آفلاین" in page
    assert "Tor" not in page
    # Tor created the onion service: the page follows by itself.
    onion = tmp_path / "onion"
    onion.mkdir()
    (onion / "hostname").write_text("abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion\n")
    settings.SAMIZDAT_ONION_DIR = str(onion)
    with django_capture_on_commit_callbacks(execute=True):
        ways_update()
    page = read(fresh_site, "/ru/reach-us/")
    assert "http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/ru/" in page
    assert "Onion-сервис Tor" in page

"""Language editions: translations linked across services, addresses in every script, and
headlines that mix directions — through the admin, as editors meet them."""

import html
import re
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urljoin

import pytest
from django.urls import reverse

from samizdat.newsroom.models import BlogPage, PostPage, ServicePage, latin_slug, native_slug
from tests.conftest import HREF, read
from tests.newsroom.test_workflow import add_url, post_form

pytestmark = pytest.mark.django_db


def _edit(client, post, **changes):
    """Post the admin edit form of `post` with `changes` (publishing it)."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    data = {
        "title": post.title, "slug": post.slug, "teaser": post.teaser, "body": rich_text(post.body),
        "post_authors": inline_formset([{"id": pa.pk, "author": pa.author_id} for pa in post.post_authors.all()], min=1),
        "corrections": inline_formset([]), "tags": ", ".join(t.name for t in post.tags.all()),
        "comments": inline_formset([]), "lead_image_alt": post.lead_image_alt,
        "lead_image_caption": post.lead_image_caption, "lead_image_credit": post.lead_image_credit,
        "lead_image": post.lead_image_id or "", "action-publish": "1",
    }
    data.update(changes)
    return client.post(reverse("wagtailadmin_pages:edit", args=(post.pk,)), nested_form_data(data))


def test_baked_persian_and_russian_posts_link_their_translations(site_dir):
    original = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    versions = {p.get_service().language_code: p for p in original.translation_group()}
    assert set(versions) == {"fa", "ru"}
    fa = read(site_dir, versions["fa"].reader_path)
    assert '<html lang="fa" dir="rtl">' in fa
    assert '<link rel="alternate" hreflang="en" href="https://samizdat.example/en/dispatches/a-border-town-learns-to-live-offline/">' in fa
    assert 'hreflang="ru"' in fa and 'hreflang="fa"' in fa
    also = re.search(r'<p class="also-in">(.*?)</p>', fa).group(1)
    assert also.startswith("به زبان‌های دیگر:") and ">English</a>" in also and ">Русский</a>" in also
    ru = read(site_dir, versions["ru"].reader_path)
    assert '<html lang="ru" dir="ltr">' in ru and "На других языках:" in ru and ">فارسی</a>" in ru
    assert 'lang="fa" dir="rtl">فارسی</a>' in ru, "the Persian name is marked as Persian, right to left"


def test_persian_page_has_no_english_interface_text(site_dir):
    fa_service = ServicePage.objects.get(language_code="fa")
    posts = PostPage.objects.live().descendant_of(fa_service)
    # Latin words may come only from what editors wrote (names such as VPN, WireGuard).
    editorial = html.unescape(" ".join(p.title + p.teaser + p.body + " ".join(t.name for t in p.tags.all()) for p in posts))
    for post in posts:
        page = html.unescape(read(site_dir, post.reader_path))
        page = re.sub(r'<bdi class="email".*?</bdi>', "", page)  # addresses are Latin by nature
        page = re.sub(r'<a [^>]*lang="(?!fa")[^"]+"[^>]*>.*?</a>', "", page)  # other editions, in their language
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S))
        words = set(re.findall(r"[A-Za-z]{2,}", text))
        assert {w for w in words if w not in editorial} == set(), post.title


def test_mixed_direction_names_and_titles_are_isolated(site_dir):
    post = PostPage.objects.get(title__startswith="سه سرویس VPN")
    page = read(site_dir, post.reader_path)
    assert "<bdi>کاوه آرمان</bdi>" in page
    blog = read(site_dir, post.get_parent().specific.reader_path)
    assert "سه سرویس VPN از پنج سرویس در ۲۴ ساعت از کار افتادند" in html.unescape(blog)


def test_non_latin_addresses_resolve_on_a_plain_static_server(site_dir):
    """Serve the baked folder with Python's http.server and follow every link of the
    Persian and Russian front pages."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=site_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        checked = 0
        for front in ("/fa/", "/ru/"):
            page_url = base + front
            for href in set(HREF.findall(read(site_dir, front))):
                if href.startswith(("http", "mailto")):
                    continue
                url = urljoin(page_url, href)
                assert url.isascii(), f"{href} is not percent-encoded"
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200, url
                checked += 1
        assert checked > 20
    finally:
        server.terminate()
        server.wait()


def test_latin_slug_transliterates_persian_and_russian():
    assert latin_slug("Город без связи") == "gorod-bez-svyazi"
    assert latin_slug("بازار مرزی").isascii() and latin_slug("بازار مرزی")
    assert latin_slug("!!! ؟؟") == ""


def test_native_slug_keeps_persian_words_apart():
    assert native_slug("دست‌به‌دست کنیم") == "دست-به-دست-کنیم"
    post = PostPage.objects.get(title="قطارهای شبانه دوباره پر شده‌اند")
    assert post.slug.endswith("شده-اند")


@pytest.fixture
def fa_blog():
    return BlogPage.objects.get(slug="yaddasht")


def test_admin_refuses_an_address_of_only_punctuation(client, users, fa_blog):
    client.force_login(users["editor"])
    before = PostPage.objects.count()
    response = client.post(add_url(fa_blog), post_form("خبر", "---", **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "has no letters or digits" in html.unescape(response.content.decode())
    assert PostPage.objects.count() == before


def test_admin_makes_a_latin_address_on_request(client, users, fa_blog):
    client.force_login(users["editor"])
    client.post(add_url(fa_blog), post_form("بازار شب", "بازار-شب", latin_address="on", **{"action-publish": "1"}))
    post = PostPage.objects.get(title="بازار شب")
    assert post.slug.isascii() and post.slug == latin_slug("بازار شب")


def test_admin_refuses_hidden_direction_controls_in_a_headline(client, users, fa_blog):
    client.force_login(users["editor"])
    response = client.post(add_url(fa_blog), post_form("خبر \u202eVPN\u202c امروز", "khabar-emruz", **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "invisible direction-control characters" in html.unescape(response.content.decode())
    assert not PostPage.objects.filter(slug="khabar-emruz").exists()
    # Mixed Persian, Latin and digits without control characters is fine.
    client.post(add_url(fa_blog), post_form("گزارش VPN در ۳ استان", "gozaresh-vpn", **{"action-publish": "1"}))
    assert PostPage.objects.filter(slug="gozaresh-vpn", live=True).exists()


def test_admin_refuses_a_translation_of_itself_or_within_one_edition(client, users):
    client.force_login(users["editor"])
    post = PostPage.objects.get(slug="a-border-town-learns-to-live-offline")
    revisions = post.revisions.count()
    response = _edit(client, post, translation_of=post.pk)
    assert "cannot be a translation of itself" in html.unescape(response.content.decode())
    same_edition = PostPage.objects.get(slug="interview-the-judge-who-resigned")
    response = _edit(client, same_edition, translation_of=PostPage.objects.get(slug="harbour-workers-vote-to-stop-work").pk)
    assert "in this same language edition" in html.unescape(response.content.decode())
    assert post.revisions.count() == revisions, "nothing saved half-way"
    same_edition.refresh_from_db()
    assert same_edition.translation_of is None


def test_publishing_a_translation_rebakes_the_other_versions(fresh_site, django_capture_on_commit_callbacks):
    from samizdat.publishing.bake import bake

    bake(full=True)
    ru = PostPage.objects.get(title__startswith="Три VPN-сервиса")
    english = ru.translation_of
    with django_capture_on_commit_callbacks(execute=True):
        ru.translation_of = None
        ru.save_revision().publish()
    assert ">Русский</a>" not in read(fresh_site, english.reader_path)


def test_admin_speaks_the_editors_language(client, users):
    from wagtail.users.models import UserProfile

    user = users["contributor"]
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "fa"
    profile.save()
    client.force_login(user)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert re.search(r'<html[^>]*lang="fa"[^>]*dir="rtl"', page) or re.search(r'<html[^>]*dir="rtl"[^>]*lang="fa"', page)


def test_a_persian_editor_reads_form_errors_in_persian(client, users, fa_blog):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(users["editor"])
    profile.preferred_language = "fa"
    profile.save()
    client.force_login(users["editor"])
    response = client.post(add_url(fa_blog), post_form("خبر", "---", **{"action-publish": "1"}))
    assert "هیچ حرف یا رقمی ندارد" in html.unescape(response.content.decode())

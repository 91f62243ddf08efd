"""The republish box: each post's baked republish page carries a copy-ready snippet (pen-name
byline, cleaned text, absolute canonical link, the edition's licence line), is baked and
removed with its post, and goes when the edition switches republishing off."""

import html
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from samizdat.newsroom import services
from samizdat.newsroom.models import Author, BlogPage, PostAuthor, PostPage, ServicePage
from samizdat.publishing.bake import bake
from samizdat.theme.republish import plain_text
from tests.conftest import committed, read

from .test_bake import GOLDEN_POST, GOLDEN_POSTS

pytestmark = pytest.mark.django_db
TEXTAREA = re.compile(r"<textarea[^>]*>(.*?)</textarea>", re.S)


def snippets(page):
    """The (HTML, plain text) snippets of a baked republish page, as a reader copies them."""
    found = [html.unescape(t) for t in TEXTAREA.findall(page)]
    assert len(found) == 2, found
    return found


def republish_file(site, post_path):
    return Path(site) / post_path.lstrip("/") / "republish" / "index.html"


def test_every_post_has_a_republish_page_linked_from_it(site_dir):
    posts = PostPage.objects.live()
    assert posts.count() > 10
    for post in posts:
        assert republish_file(site_dir, post.reader_path).exists(), post.reader_path
    page = read(site_dir, GOLDEN_POST)
    # relative, naming index.html: works from file:// and under a sub-path
    assert '<p class="republish"><a href="republish/index.html">Republish this story</a></p>' in page


def test_the_snippet_carries_pen_name_text_canonical_link_and_licence(site_dir, users):
    post = PostPage.objects.get(url_path__endswith="/a-border-town-learns-to-live-offline/")
    edition = post.get_service()
    page = read(site_dir, f"{GOLDEN_POST}republish/")
    snippet, text = snippets(page)
    assert f"<h1>{post.title}</h1>" in snippet
    names = [a.name for a in post.ordered_authors]
    assert names and all(name in snippet and name in text for name in names)
    assert post.teaser in snippet and "The first thing to go was the payment app." in text
    canonical = "https://samizdat.example/en/dispatches/a-border-town-learns-to-live-offline/"
    assert f'<a href="{canonical}">{edition.title}</a>' in snippet and canonical in text
    assert edition.republish_licence in snippet and edition.republish_licence in text
    assert f'<p class="licence"><a href="{edition.republish_licence_url}" rel="license">' in page
    # Pasted on another site: every link and image of the snippet is absolute.
    for target in re.findall(r'(?:href|src)="([^"]+)"', snippet):
        assert target.startswith("https://"), target
    assert "https://samizdat.example/assets/media/" in snippet
    assert "srcset" not in snippet and "<source" not in snippet, "one absolute picture per image, no relative candidates"
    # Nobody behind the pen name: no staff account's name, username or address anywhere.
    for user in users.values():
        for secret in filter(None, [user.get_full_name(), user.email, user.username]):
            assert not re.search(rf"\b{re.escape(secret)}\b", html.unescape(page)), secret
    assert '<meta name="robots" content="noindex">' in page  # the post is the page to find


@pytest.mark.parametrize("lang", ["fa", "ru"])
def test_persian_and_russian_republish_pages_speak_their_language(site_dir, lang):
    page = read(site_dir, f"{GOLDEN_POSTS[lang]}republish/")
    words = {"fa": ("بازنشر این گزارش", "این گزارش نخستین بار در", 'lang="fa" dir="rtl"'),
             "ru": ("Перепечатать материал", "Материал впервые опубликован", 'lang="ru" dir="ltr"')}[lang]
    title, source, direction = words
    assert f'<html {direction}>' in page and f"<h1>{title}</h1>" in page
    snippet, text = snippets(page)
    assert f"<article {direction}>" in snippet and source in snippet and source in text
    assert "Republish this story" not in page and "first published" not in page
    post_page = read(site_dir, GOLDEN_POSTS[lang])
    assert title in post_page


def test_editors_markup_and_titles_are_escaped(fresh_site, django_capture_on_commit_callbacks):
    blog = BlogPage.objects.get(slug="dispatches")
    post = PostPage(
        title='Breaking </textarea><script>alert("t")</script>', slug="escaping",
        teaser="A <b>bold</b> teaser & more",
        body='<p onclick="x()">Text <script>alert(1)</script><a href="javascript:alert(2)">link</a>'
             '<iframe src="https://evil.example/"></iframe></p>',
    )
    post.post_authors.add(PostAuthor(author=Author.objects.first()))
    blog.add_child(instance=post)
    with committed(django_capture_on_commit_callbacks):
        post.save_revision().publish()
    page = read(fresh_site, f"{post.reader_path}republish/")
    assert page.count("<script") == 1 and '<script src="../../../../assets/site.' in page  # the theme's own
    snippet, text = snippets(page)
    assert "<script" not in snippet and "onclick" not in snippet and "javascript:" not in snippet
    assert "<iframe" not in snippet and "<b>" not in snippet  # a teaser is text, not markup
    assert 'Breaking &lt;/textarea&gt;&lt;script&gt;' in snippet and "A &lt;b&gt;bold&lt;/b&gt; teaser &amp; more" in snippet
    assert 'Breaking </textarea><script>alert("t")</script>' in text


def test_unpublished_post_takes_its_republish_page_with_it(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    post = PostPage.objects.live().first()
    assert republish_file(fresh_site, post.reader_path).exists()
    with committed(django_capture_on_commit_callbacks) as paths:
        post.unpublish()
    assert f"{post.reader_path}republish/" in paths
    assert not republish_file(fresh_site, post.reader_path).exists()
    assert not (fresh_site / post.reader_path.lstrip("/") / "index.html").exists()


def test_a_moved_post_leaves_no_republish_page_behind(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    post = PostPage.objects.live().first()
    old = post.reader_path
    with committed(django_capture_on_commit_callbacks):
        post.slug = "moved-elsewhere"
        post.save_revision().publish()
    post = PostPage.objects.get(pk=post.pk)
    assert post.reader_path.endswith("/moved-elsewhere/")
    assert republish_file(fresh_site, post.reader_path).exists()
    assert not republish_file(fresh_site, old).exists()


def test_switching_republishing_off_removes_every_box_and_on_brings_them_back(fresh_site, django_capture_on_commit_callbacks):
    bake(full=True)
    edition = ServicePage.objects.get(language_code="ru")
    posts = list(PostPage.objects.live().descendant_of(edition))
    other = PostPage.objects.live().descendant_of(ServicePage.objects.get(language_code="en")).first()
    with committed(django_capture_on_commit_callbacks):
        edition.republish = False
        edition.save_revision().publish()
    for post in posts:
        assert not republish_file(fresh_site, post.reader_path).exists()
        assert "republish/index.html" not in read(fresh_site, post.reader_path)
    assert republish_file(fresh_site, other.reader_path).exists(), "other editions keep theirs"
    edition = ServicePage.objects.get(pk=edition.pk)
    with committed(django_capture_on_commit_callbacks):
        edition.republish, edition.republish_licence = True, "Перепечатка по CC BY 4.0."
        edition.save_revision().publish()
    for post in posts:
        assert "Перепечатка по CC BY 4.0." in read(fresh_site, f"{post.reader_path}republish/")


def test_without_a_base_url_the_snippet_names_the_edition_without_a_wrong_link(fresh_site, django_capture_on_commit_callbacks):
    edition = ServicePage.objects.get(language_code="en")
    with committed(django_capture_on_commit_callbacks):
        edition.base_url = ""
        edition.save_revision().publish()
    post = PostPage.objects.live().descendant_of(edition).first()
    snippet, text = snippets(read(fresh_site, f"{post.reader_path}republish/"))
    assert "This story was first published by Samizdat English." in snippet
    assert "samizdat.example" not in snippet and "samizdat.example" not in text


def test_republishing_needs_a_licence_line_and_only_administrators_set_it():
    edition = ServicePage.objects.get(language_code="en")
    edition.republish, edition.republish_licence = True, "  "
    with pytest.raises(ValidationError) as caught:
        edition.full_clean()
    assert "republish_licence" in caught.value.message_dict
    # An edition's settings are the administrators': editors' rights stop at its blogs.
    desks = services.edition_desks_ensure()
    editor = get_user_model().objects.create(username="desk-editor")
    editor.groups.add(desks[edition.pk][services.EDITOR])
    chief = get_user_model().objects.create(username="chief")
    chief.groups.add(Group.objects.get(name=services.ADMINISTRATOR))
    blog = BlogPage.objects.child_of(edition).first()
    assert blog.permissions_for_user(editor).can_edit(), "the editor does edit the blogs"
    assert not edition.permissions_for_user(editor).can_edit()
    assert edition.permissions_for_user(chief).can_edit()


def test_plain_text_keeps_words_apart_and_paragraphs_separate():
    assert plain_text("<h1>T</h1><p>One <a href='x'>link</a>, two.</p><p>Three&amp;four</p>") == "T\n\nOne link, two.\n\nThree&four"


def test_the_edition_editor_offers_the_republishing_settings(admin_client):
    edition = ServicePage.objects.get(language_code="en")
    response = admin_client.get(f"/admin/pages/{edition.pk}/edit/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("republish", "republish_licence", "republish_licence_url"):
        assert f'name="{name}"' in page, name

"""The origin's search page: the server's results without JavaScript (SQLite FTS5 or
PostgreSQL full-text, whichever database the suite runs on), published posts only, limited
per client."""

import pytest
from django.db import connection

from samizdat.core.searchtext import SEARCH_FOLDS, search_normalise
from samizdat.delivery.server import is_dynamic

from .conftest import WORDS, post_publish

# Rate limits and throttles count in the cache: each test starts and ends with it empty.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_cleared")]


def search(client, edition, query, **headers):
    return client.get(f"{edition.reader_path}search/", {"q": query}, **headers)


def titles(response):
    html = response.content.decode()
    return html.split('id="search-results"')[1].split("</div>")[0]


@pytest.mark.parametrize("lang", ["en", "ru", "fa"])
def test_the_search_page_answers_without_javascript(client, editions, search_posts, lang):
    title, _, word = WORDS[lang]
    response = search(client, editions[lang], word)
    assert response.status_code == 200
    assert title in titles(response), f"{lang}: {connection.vendor} search did not find the post"
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert "data-origin" in html, "the page knows it is the origin's (its script does not say 'this copy')"
    # Links are relative to the page, as on the baked one.
    from samizdat.core.rendering import link, rendering

    with rendering(here=editions[lang].search_path):
        assert f'href="{link(search_posts[lang].reader_path)}"' in titles(response)
    assert "'wasm-unsafe-eval'" in response["Content-Security-Policy"]
    assert "form-action 'self'" in response["Content-Security-Policy"]


def test_the_empty_page_and_a_query_without_results(client, editions, search_posts):
    response = client.get("/en/search/")
    assert response.status_code == 200 and 'name="q"' in response.content.decode()
    assert "No posts found." in search(client, editions["en"], "xylophonequartz").content.decode()
    assert client.get("/en/search/index.html", {"q": "quokkas"}).status_code == 200
    assert client.get("/no-such-edition/search/", {"q": "quokkas"}).status_code == 404
    assert client.post("/en/search/", {"q": "quokkas"}).status_code == 405, "read-only"


@pytest.mark.parametrize("query", ["کتابخانه‌ها", "کتابخانهها", "کتابخانه ها", "می‌خواهند", "میخواهند", "می خواهند"])
def test_persian_with_and_without_zwnj_finds_the_post(client, editions, search_posts, query):
    assert WORDS["fa"][0] in titles(search(client, editions["fa"], query)), query


def test_russian_with_yo_or_ye(client, editions, search_posts):
    for query in ("всё было", "все было"):
        assert WORDS["ru"][0] in titles(search(client, editions["ru"], query)), query


def test_drafts_unpublished_posts_and_unpublished_changes_are_never_found(client, editions, search_posts):
    en = editions["en"]
    post_publish(en, "Wombatine secret draft", "Wombatine draft text.", slug="wombatine-draft", publish=False)
    gone = post_publish(en, "Wombatine withdrawn", "Wombatine withdrawn text.", slug="wombatine-gone")
    gone.unpublish()
    unlisted = post_publish(en, "Wombatine hidden", "Wombatine unlisted text.", slug="wombatine-unlisted")
    unlisted.unlisted = True
    unlisted.save_revision().publish()
    live = search_posts["en"]
    live.teaser = "Wombatine words only in a draft."
    live.save_revision()  # saved, not published
    assert "No posts found." in search(client, en, "wombatine").content.decode()
    # The search itself works: a published post with the word is found.
    post_publish(en, "Wombatine published", "Wombatine text.", slug="wombatine-live")
    found = titles(search(client, en, "wombatine"))
    assert "Wombatine published" in found
    for hidden in ("secret draft", "withdrawn", "hidden", "Quokkas"):
        assert hidden not in found


def test_results_show_pen_names_only(client, editions, search_posts, users):
    from samizdat.newsroom.models import Author, PostAuthor

    editor = users["editor"]
    editor.first_name, editor.last_name = "Real", "Person"
    editor.save()
    post = search_posts["en"]
    post.owner = editor
    post.post_authors.add(PostAuthor(author=Author.objects.create(name="Nightjar", slug="nightjar")))
    post.save_revision(user=editor).publish(user=editor)
    html = search(client, editions["en"], "quokkas").content.decode()
    assert "Nightjar" in titles(search(client, editions["en"], "quokkas"))
    assert "Real Person" not in html and editor.email not in html and editor.username not in html


@pytest.mark.parametrize("query, finds", [('"', False), ('"quokkas', True), ('quokkas"*', True), ("NEAR(", False),
                                          ("^-quokkas:", True), ("'quokkas'", True)])
def test_operator_characters_are_words_apart_not_errors(client, editions, search_posts, query, finds):
    """A lone quote was an FTS5 syntax error (500) on SQLite; now the words are searched."""
    response = search(client, editions["en"], query)
    assert response.status_code == 200
    assert (WORDS["en"][0] in titles(response)) is finds


def test_searches_are_limited_per_client(client, editions, search_posts, settings):
    settings.SAMIZDAT_SEARCH_RATE = "3/60"
    statuses = [search(client, editions["en"], "quokkas").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = search(client, editions["en"], "quokkas")
    assert limited["Retry-After"] == "60"
    other = search(client, editions["en"], "quokkas", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200, "another reader is not limited by this one"
    assert client.get("/en/search/").status_code == 200, "the empty page is not a search"


def test_the_search_path_goes_to_django_and_nothing_else_does():
    for path in ("/en/search/", "/fa/search/index.html", "/%D9%81%D8%A7/search/"):
        assert is_dynamic(path.encode())
    for path in ("/en/search/x/", "/en/blog/search/", "/search/", "/en/search", "/en/search/index.html\n"):
        assert not is_dynamic(path.encode()), path


def test_the_folds_are_the_documented_ones():
    assert search_normalise("می\u200cخواهند") == "میخواهند"
    assert search_normalise("كتاب يك") == "کتاب یک"
    assert search_normalise("Всё ёлки") == "Все елки"
    assert set(SEARCH_FOLDS) >= {"\u200c", "\u064a", "\u0643", "ё"}


@pytest.mark.parametrize("text, normal", [
    ("می خواهند", "میخواهند"),  # a space where the ZWNJ goes
    ("نمی خواهم", "نمیخواهم"),
    ("کتابخانه ها", "کتابخانهها"),
    ("کتابخانه‌ها", "کتابخانهها"),
    ("کتاب های شهر", "کتابهای شهر"),
    ("خانه هایشان", "خانههایشان"),
    ("مردم می خواهند کتاب ها را", "مردم میخواهند کتابها را"),
    ("می", "می"),  # a word of its own, nothing to join it to
    ("ها", "ها"),
    ("hello ها", "hello ها"),  # only after a Persian word
    ("کتاب هاست", "کتاب هاست"),  # not the suffix: left alone
    ("Всё ёлки", "Все елки"),
])
def test_a_space_for_the_zwnj_is_joined_as_the_zwnj_is(text, normal):
    assert search_normalise(text) == normal

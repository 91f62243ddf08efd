"""What editors (and anyone holding an editor's or contributor's session) type into the admin
can neither break the bake nor make the admin answer 500; what readers would see scrambled
is refused with a form error. See `samizdat/newsroom/validation.py`."""

import json
import sys
from collections import Counter
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import reverse
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import _querydict_from_form, inline_formset, rich_text

from samizdat.newsroom.models import Author, BlogPage, BreakingNews, PostPage, ServicePage, native_slug
from samizdat.newsroom.validation import SLUG_MAX_BYTES, page_slug_errors, slug_truncate, utf8_length
from samizdat.publishing.renderer import Renderer
from samizdat.theme.jinja import richtext
from tests.newsroom.test_workflow import post_form as draft_form

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "txt.exe" shown as "exe.txt"
BLOGS = {"fa": "yaddasht", "ru": "mezhdu-strok", "en": "dispatches"}
# 150 characters each: a long but real headline.
HEADLINES = {
    "fa": ("گزارش میدانی از بازار مرزی که مردم بدون اینترنت و تلفن همراه هر روز در آن کالا و خبر را دست به دست می‌کنند " * 2)[:150],
    "ru": ("Репортаж с пограничного рынка, где люди без интернета и мобильной связи каждый день передают друг другу товары и новости " * 2)[:150],
}


def add_url(parent, model="postpage"):
    return reverse("wagtailadmin_pages:add", args=("newsroom", model, parent.pk))


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def post_form(title, slug, **extra):
    """The post form as the admin sends it, with "Publish" pressed."""
    return draft_form(title, slug, **{"action-publish": "1", **extra})


def form_errors(response):
    form = response.context and response.context.get("form")
    if form is None:
        return f"HTTP {response.status_code}"
    return {"form": form.errors, **{name: fs.errors + [fs.non_form_errors()] for name, fs in form.formsets.items()}}


def entity_body(entity, text=" ", block_type="atomic"):
    """Draftail's JSON with one entity, as a hand-made POST would send it."""
    block = {
        "key": "a", "type": block_type, "text": text, "depth": 0, "inlineStyleRanges": [],
        "entityRanges": [{"offset": 0, "length": len(text), "key": 0}], "data": {},
    }
    return json.dumps({"blocks": [block], "entityMap": {"0": entity}})


def image_entity(**data):
    return entity_body({"type": "IMAGE", "mutability": "IMMUTABLE", "data": {"alt": "x", **data}})


def link_entity(**data):
    return entity_body({"type": "LINK", "mutability": "MUTABLE", "data": data}, text="here", block_type="unstyled")


# Long headlines: slugs limited in bytes ----------------------------------------------------


@pytest.mark.parametrize("lang", ["fa", "ru"])
@pytest.mark.parametrize("slug_from", ["admin", "code"])
def test_a_150_character_headline_publishes_and_is_baked(client, users, fresh_site, django_capture_on_commit_callbacks, lang, slug_from):
    title = HEADLINES[lang]
    assert len(title) == 150 and utf8_length(slugify(title, allow_unicode=True)) > 255
    blog = BlogPage.objects.get(slug=BLOGS[lang])
    if slug_from == "admin":
        # The admin's script fills the address from the headline as the editor types it.
        client.force_login(users["editor"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(add_url(blog), post_form(title, slugify(title, allow_unicode=True)))
        assert response.status_code == 302, form_errors(response)
    else:
        # Made without an address (an import, the demo): ReaderPage.full_clean makes one.
        post = blog.add_child(instance=PostPage(title=title, teaser="T", body="<p>Body</p>", live=False))
        with django_capture_on_commit_callbacks(execute=True):
            post.save_revision(user=users["editor"]).publish()
    post = PostPage.objects.get(title=title)
    assert post.live
    assert 0 < utf8_length(post.slug) <= SLUG_MAX_BYTES
    full = slugify(title, allow_unicode=True) if slug_from == "admin" else native_slug(title)
    assert full.startswith(post.slug) and full[len(post.slug)] == "-"  # the headline's first words, whole
    baked = fresh_site / unquote(post.reader_path).lstrip("/") / "index.html"
    assert baked.exists()
    assert title in baked.read_text(encoding="utf-8")


def test_a_long_address_typed_by_hand_is_refused_with_its_size(client, users):
    blog = BlogPage.objects.get(slug=BLOGS["ru"])
    client.force_login(users["editor"])
    slug = "-".join(["очень-длинный-адрес"] * 8)  # 19 letters × 8 → 287 bytes, not the headline
    response = client.post(add_url(blog), post_form("Короткий заголовок", slug))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"This address is {utf8_length(slug)} bytes long" in page
    assert "Latin address" in page
    assert not PostPage.objects.filter(title="Короткий заголовок").exists()


def test_slugs_are_cut_at_a_word_and_never_inside_a_letter():
    words = "-".join(["بازار"] * 40)  # 10 bytes a word
    cut = slug_truncate(words)
    assert utf8_length(cut) <= SLUG_MAX_BYTES and cut == "-".join(["بازار"] * 18)
    one_word = "ж" * 150
    assert slug_truncate(one_word) == "ж" * 100
    assert slug_truncate("short") == "short"


def test_a_long_tag_is_refused_and_tag_slugs_fit_a_folder_name(client, users):
    blog = BlogPage.objects.get(slug=BLOGS["fa"])
    client.force_login(users["editor"])
    response = client.post(add_url(blog), post_form("برچسب بلند", "barchasb", tags="ب" * 150))
    assert response.status_code == 200
    assert "are over 100 characters" in response.content.decode(), form_errors(response)  # taggit's own check
    assert not Tag.objects.filter(name="ب" * 150).exists()

    # However a tag is made (taggit slugifies the name), its folder name fits the budget,
    # and two names alike in their first 200 bytes still get two folders.
    base = "中文标签" * 25  # 100 characters, 300 bytes
    first = Tag.objects.create(name=base)
    second = Tag.objects.create(name=base[:-1] + "字")
    third = Tag.objects.create(name=base[:-1] + "词")
    slugs = {first.slug, second.slug, third.slug}
    assert len(slugs) == 3
    assert all(utf8_length(s) <= SLUG_MAX_BYTES for s in slugs)


# Case-variant addresses -------------------------------------------------------------------


def test_an_address_differing_only_by_case_is_refused(client, users):
    blog = BlogPage.objects.get(slug=BLOGS["ru"])
    existing = PostPage.objects.child_of(blog).first()
    client.force_login(users["editor"])
    response = client.post(add_url(blog), post_form("Дубль", existing.slug.upper()))
    assert response.status_code == 200
    assert "only by capital letters" in response.content.decode()
    assert not PostPage.objects.filter(title="Дубль").exists()


def test_an_address_the_site_uses_for_its_own_pages_is_refused(client, users):
    """A post called "page" would sit where the blog's archive pages are; a blog "search" or
    "authors" where the edition's search page and bylines are."""
    blog = BlogPage.objects.get(slug=BLOGS["ru"])
    client.force_login(users["editor"])
    response = client.post(add_url(blog), post_form("Страница", "Page"))
    assert response.status_code == 200 and "taken by the site" in response.content.decode()
    assert not PostPage.objects.filter(title="Страница").exists()
    client.post(add_url(blog), post_form("Страница", "page-one"))
    assert PostPage.objects.filter(slug="page-one").exists(), "a slug that only starts like one is fine"
    for slug in ("search", "authors", "Tags"):
        errors = page_slug_errors(slug=slug, title="x", parent=blog.get_parent(), page=None)[1]
        assert "taken by the site" in str(errors.get("slug")), slug
    assert not page_slug_errors(slug="search", title="x", parent=blog, page=None)[1], "a post may be called search"


def test_author_slugs_differing_only_by_case_or_unicode_form_are_refused():
    Author.objects.create(name="Café Desk", slug="café-desk")
    for slug in ["CAFÉ-DESK", "cafe\u0301-desk"]:  # upper case; é as e + combining accent
        with pytest.raises(ValidationError) as refused:
            Author(name="Other", slug=slug).full_clean()
        assert "only by capital letters" in str(refused.value.message_dict["slug"])
    with pytest.raises(ValidationError) as refused:
        Author(name="Ж", slug="ж" * 120).full_clean()  # 240 bytes
    assert "240 bytes long" in str(refused.value.message_dict["slug"])


# Direction controls ------------------------------------------------------------------------


def test_direction_controls_are_refused_wherever_readers_see_the_text(client, users):
    image = get_image_model().objects.first()
    blog = BlogPage.objects.get(slug=BLOGS["en"])
    client.force_login(users["editor"])
    data = post_form(
        "Clean headline", "clean-headline",
        teaser=f"A {RLO}teaser", lead_image=image.pk, lead_image_alt=f"alt{RLO}",
        lead_image_caption=f"cap{RLO}", lead_image_credit=f"cred{RLO}",
        body=rich_text(f"<p>Body {RLO}text</p>"), tags=f"tag{RLO}",
        corrections=inline_formset([{"noted_at": "2026-01-01 10:00", "text": f"Fixed {RLO}"}]),
    )
    response = client.post(add_url(blog), data)
    assert response.status_code == 200
    page = response.content.decode()
    # teaser, alt text, caption, credit, body, tag, correction
    assert page.count("invisible direction-control characters") >= 7
    assert not PostPage.objects.filter(slug="clean-headline").exists()

    for model, fields in [
        (Author(name="A", slug="bidi-author"), {"name": f"Name{RLO}", "bio": f"Bio{RLO}"}),
        (BreakingNews(service=ServicePage.objects.first(), expires_at="2099-01-01T00:00Z"), {"text": f"Flash{RLO}"}),
    ]:
        for field, value in fields.items():
            setattr(model, field, value)
        with pytest.raises(ValidationError) as refused:
            model.full_clean()
        assert set(fields) <= set(refused.value.message_dict)


# Rich-text entities -------------------------------------------------------------------------


def test_a_broken_entity_in_a_raw_post_is_refused_with_a_named_problem(client, users):
    image = get_image_model().objects.first()
    blog = BlogPage.objects.get(slug=BLOGS["en"])
    bad_bodies = {
        link_entity(id="abc"): "which is not a page number",
        link_entity(id=999999): "which does not exist",
        image_entity(id=99999, format="left"): "is not in the image library",
        image_entity(id=image.pk, format="nope"): "which does not exist. Choose one of",
        image_entity(id="abc", format="fullwidth"): "which is not an image number",
        entity_body({"type": "EMBED", "mutability": "IMMUTABLE", "data": {"url": "http://video.example/1"}}): "Only https://",
        "{not json": "arrived damaged",
    }
    client.force_login(users["contributor"])
    for n, (body, problem) in enumerate(bad_bodies.items()):
        response = client.post(add_url(blog), post_form(f"Broken {n}", f"broken-{n}", body=body, **{"action-submit": "1"}))
        assert response.status_code == 200, body
        assert problem in response.content.decode(), body
    assert not PostPage.objects.filter(slug__startswith="broken-").exists()


BAD_STORED_BODY = (
    '<p>Before <a linktype="page" id="abc">bad link</a> and <a linktype="page" id="99999999999999999999999">huge</a> '
    '<a linktype="page">no id</a></p>'
    '<embed embedtype="image" id="99999" format="left" alt="gone"/>'
    '<embed embedtype="image" id="{image}" format="nope" alt="no format"/>'
    '<embed embedtype="image" id="abc" format="fullwidth"/>'
    '<embed embedtype="media"/><embed embedtype="mystery" id="1"/>'
    "<p>After the bad entities</p>"
)


def test_old_bad_data_in_the_database_neither_breaks_the_edit_view_nor_the_bake(client, users, fresh_site, django_capture_on_commit_callbacks):
    image = get_image_model().objects.first()
    post = PostPage.objects.live().child_of(BlogPage.objects.get(slug=BLOGS["en"])).first()
    # Saved as code or an older version would have: no admin form in the way.
    post.body = BAD_STORED_BODY.format(image=image.pk)
    with django_capture_on_commit_callbacks(execute=True):
        post.save_revision(user=users["editor"]).publish()
    PostPage.objects.filter(pk=post.pk).update(body=post.body)

    client.force_login(users["editor"])
    assert client.get(edit_url(post)).status_code == 200

    rendered = Renderer().render_path(post.reader_path)
    html = rendered.content.decode()
    assert "After the bad entities" in html and "Before" in html
    baked = fresh_site / unquote(post.reader_path).lstrip("/") / "index.html"
    assert "After the bad entities" in baked.read_text(encoding="utf-8")

    # Saving it again from the editor names what is wrong instead of keeping it.
    from wagtail.admin.rich_text import get_rich_text_editor_widget

    body = get_rich_text_editor_widget().format_value(post.body)
    author = post.post_authors.first()
    response = client.post(edit_url(post), post_form(
        post.title, post.slug, body=body,
        post_authors=inline_formset([{"author": author.author_id, "id": author.pk}], initial=1, min=1),
        corrections=inline_formset(
            [{"noted_at": c.noted_at.strftime("%Y-%m-%d %H:%M"), "text": c.text, "id": c.pk} for c in post.corrections.all()],
            initial=post.corrections.count(),
        ),
    ))
    assert response.status_code == 200
    assert "which is not a page number" in response.content.decode(), form_errors(response)


def test_inline_image_alt_text_is_escaped_once():
    from wagtail.admin.rich_text import get_rich_text_editor_widget

    image = get_image_model().objects.first()
    widget = get_rich_text_editor_widget()
    # Stored the way the editor stores it (the apostrophe as &#x27;).
    stored = widget.value_from_datadict({"b": image_entity(id=image.pk, format="fullwidth", alt="Tom & Jerry's \"<b>\"")}, {}, "b")
    html = str(richtext(stored))
    assert 'alt="Tom &amp; Jerry&#x27;s &quot;&lt;b&gt;&quot;"' in html or "alt=\"Tom &amp; Jerry's &quot;&lt;b&gt;&quot;\"" in html
    assert "&amp;amp;" not in html and "&amp;#x27;" not in html


# Malformed admin POSTs -----------------------------------------------------------------------

HUGE = "9" * 30


def _form_data(client, url):
    """The form as the admin renders it, as a browser would submit it."""
    soup = WagtailTestUtils.get_soup(client.get(url).content.decode())
    posted = [f for f in soup.find_all("form") if f.get("method", "").lower() == "post"]
    form = max(posted, key=lambda f: len(f.find_all(["input", "textarea", "select"])))
    data = _querydict_from_form(form)
    for key in [k for k in data if "__prefix__" in k]:
        del data[key]
    return data


def _variants(data, *, not_a_post):
    """A corpus of hand-made bodies from one valid form submission."""
    keys = list(data)
    ids = [k for k in keys if data[k].isdigit() and not k.endswith(("_FORMS", "ORDER"))]
    dates = [k for k in keys if k.endswith(("_at", "_until", "noted_at"))]
    rich = [k for k in keys if data[k].startswith('{"blocks"')]
    management = [k for k in keys if k.endswith("-TOTAL_FORMS")]
    yield "as rendered", {}
    for key in ids + ["lead_image", "translation_of", "photo", "service"]:
        for value in ("abc", HUGE):
            yield f"{key}={value}", {key: value}
    yield "translation_of=a blog", {"translation_of": str(not_a_post)}
    for key in dates:
        for value in ("2024-13-45 25:61", "9999-12-31 23:59", "0001-01-01 00:00"):
            yield f"{key}={value}", {key: value}
    for key in rich:
        for value in ("{not json", "[]", '{"blocks": "x", "entityMap": {}}', entity_body({"type": "IMAGE"}),
                      image_entity(id="abc", format="fullwidth"), link_entity(id=HUGE)):
            yield f"{key}={value[:30]}", {key: value}
    for total in management:
        prefix = total[: -len("-TOTAL_FORMS")]
        yield f"{prefix} no management form", {total: None, f"{prefix}-INITIAL_FORMS": None}
        for value in ("abc", HUGE):
            yield f"{total}={value}", {total: value}
        yield f"{prefix} one more initial form", {f"{prefix}-INITIAL_FORMS": str(int(data.get(f"{prefix}-INITIAL_FORMS", 0)) + 1),
                                                  total: str(int(data[total]) + 1)}
        yield f"{prefix}-0-id=abc", {f"{prefix}-0-id": "abc", f"{prefix}-INITIAL_FORMS": "1", total: "1"}
    yield "NUL in text", {k: "a\x00b" for k in ("title", "name", "text") if k in data}
    yield "everything missing", {k: None for k in keys}


def _forms(user):
    blog = BlogPage.objects.get(slug=BLOGS["en"])
    service = ServicePage.objects.get(language_code="en")
    # A post of the user's own: a contributor may edit only theirs.
    post = blog.add_child(instance=PostPage(title="Own draft", slug="own-draft", teaser="T", body="<p>B</p>", owner=user, live=False))
    post.post_authors.create(author=Author.objects.first())
    post.save_revision(user=user)
    author = Author.objects.first()
    banner = BreakingNews.objects.first()
    return {
        # Saved as drafts: the same validation as a publish, without a bake per request.
        "post add": (add_url(blog), {"title": "Corpus", "slug": "corpus", "teaser": "T"}),
        "post edit": (edit_url(post), {}),
        "service edit": (edit_url(service), {}),
        "blog edit": (edit_url(blog), {}),
        "author add": (reverse("wagtailsnippets_newsroom_author:add"), {"name": "C", "slug": "corpus-author"}),
        "author edit": (reverse("wagtailsnippets_newsroom_author:edit", args=(author.pk,)), {}),
        "banner add": (reverse("wagtailsnippets_newsroom_breakingnews:add"),
                       {"service": str(service.pk), "text": "C", "expires_at": "2099-01-01 00:00"}),
        "banner edit": (reverse("wagtailsnippets_newsroom_breakingnews:edit", args=(banner.pk,)), {}),
    }, blog.pk


# A contributor reaches the page forms; an editor also the author and banner forms.
@pytest.mark.parametrize("who", ["editor", "contributor"])
def test_no_malformed_admin_post_answers_500(users, fresh_site, who):
    client = Client(raise_request_exception=False)
    client.force_login(users[who])
    forms, blog_pk = _forms(users[who])
    if who == "contributor":
        forms = {name: form for name, form in forms.items() if not name.startswith(("author", "banner"))}
    failures, current = [], [None]

    def record(sender, **kwargs):
        failures.append(f"{current[0]}: {sys.exc_info()[0].__name__}: {str(sys.exc_info()[1])[:120]}")

    got_request_exception.connect(record, weak=False)
    sent, statuses = 0, Counter()
    try:
        for form, (url, valid) in forms.items():
            reader = Client()
            reader.force_login(users["admin"])
            data = _form_data(reader, url)
            data.update(valid)
            for name, changes in _variants(data, not_a_post=blog_pk):
                body = data.copy()
                for key, value in changes.items():
                    if value is None:
                        body.pop(key, None)
                    else:
                        body[key] = value
                current[0] = f"{form} / {name}"
                response = client.post(url, body)
                sent += 1
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{current[0]}: HTTP {response.status_code}")
    finally:
        got_request_exception.disconnect(record)
    print(f"\n{who}: {sent} malformed POSTs, answers {dict(statuses)}")
    assert sent > (150 if who == "editor" else 100)
    assert statuses[200] > sent / 2  # most reached the form and came back with form errors
    assert not failures, "\n".join(failures)

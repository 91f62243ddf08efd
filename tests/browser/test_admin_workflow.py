"""A contributor's post goes through review to the baked site, in a real browser against
the real WSGI stack (reader file server in front of Django)."""

import pytest
from django.core.wsgi import get_wsgi_application

from samizdat.delivery.server import ReaderSite

from .conftest import in_own_connection, screenshot, wsgi_served

pytestmark = pytest.mark.browser


@pytest.fixture
def live_site(settings, tmp_path):
    """The whole application on loopback, served from other threads than the test's, so
    the admin's writes are committed as in production."""
    session_data = settings.DATA_DIR
    settings.SAMIZDAT_SITE_DIR = tmp_path / "site"
    app = ReaderSite(get_wsgi_application(), site_dir=settings.SAMIZDAT_SITE_DIR)
    with wsgi_served(app) as port:
        try:
            yield f"http://127.0.0.1:{port}", session_data
        finally:
            from samizdat.newsroom.models import PostPage

            in_own_connection(lambda: [p.delete() for p in PostPage.objects.filter(slug="e2e-review-story")])


def demo_logins(data_dir):
    # Written by demo_users_ensure() when the session loaded the demo newsroom.
    pairs = (line.split(" ", 1) for line in (data_dir / "demo-logins.txt").read_text().splitlines())
    return dict(pairs)


def login(browser, base, username, password):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/admin/")
    return context, page


def open_actions_menu(page):
    page.click("footer .w-dropdown__toggle")


@pytest.mark.django_db
def test_contributor_post_is_reviewed_published_and_baked(browser, live_site):
    from samizdat.newsroom.models import BlogPage

    base, data_dir = live_site
    blog = BlogPage.objects.get(slug="dispatches")
    logins = demo_logins(data_dir)
    reader_url = base + "/en/dispatches/e2e-review-story/"

    # The contributor writes a post in the real editor and submits it for review.
    context, page = login(browser, base, "contributor", logins["contributor"])
    page.goto(f"{base}/admin/pages/add/newsroom/postpage/{blog.pk}/")
    page.fill("#id_title", "E2E review story")
    page.fill("#id_teaser", "Written in a real browser.")
    page.click("[data-contentpath=body] [contenteditable=true]")
    page.keyboard.type("A paragraph typed into the rich-text editor.")
    # Signed with the byline the editor assigned (Author.account): nothing to choose.
    assert "Night Correspondent" in page.inner_text("main")
    page.wait_for_function("() => document.querySelector('input[name=body]').value.includes('rich-text')")
    open_actions_menu(page)
    assert page.locator("button[name=action-publish]").count() == 0, "contributors get no Publish button"
    page.click("button[name=action-submit]")
    page.wait_for_selector(".messages .success")
    screenshot(page, "admin-contributor-submitted")
    context.close()
    anonymous = browser.new_context()
    assert anonymous.new_page().goto(reader_url).status == 404, "not live before review"

    # The editor finds it awaiting review, approves it; it is published and baked.
    context, page = login(browser, base, "editor", logins["editor"])
    page.click("a:has-text('E2E review story')")
    open_actions_menu(page)
    page.click("button[data-workflow-action-name=approve], button:has-text('Approve')")
    if page.is_visible("button:has-text('Approve and publish')"):
        page.click("button:has-text('Approve and publish')")
    page.wait_for_selector(".messages .success")
    screenshot(page, "admin-editor-approved")
    context.close()
    reader = anonymous.new_page()
    assert reader.goto(reader_url).status == 200
    assert "A paragraph typed into the rich-text editor." in reader.content()
    anonymous.close()


@pytest.mark.django_db
def test_persian_editor_writes_right_to_left_in_the_rich_text_editor(browser, live_site):
    """An editor whose admin language is Persian gets a right-to-left admin, and Persian
    typed into the rich-text editor runs right to left."""
    from samizdat.newsroom.models import BlogPage

    base, data_dir = live_site
    logins = demo_logins(data_dir)

    def prefer_persian():
        from django.contrib.auth import get_user_model
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(get_user_model().objects.get(username="editor"))
        profile.preferred_language = "fa"
        profile.save()
        return BlogPage.objects.get(slug="yaddasht").pk

    blog_id = in_own_connection(prefer_persian)
    context, page = login(browser, base, "editor", logins["editor"])
    try:
        page.goto(f"{base}/admin/pages/add/newsroom/postpage/{blog_id}/")
        assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "fa"
        editor = page.locator(".Draftail-Editor [contenteditable=true]").first
        editor.click()
        page.keyboard.type("بازار امروز شلوغ بود و ۳ مغازه VPN می‌فروختند.")
        block = page.locator(".Draftail-Editor [data-block=true]").first
        direction = block.evaluate("el => getComputedStyle(el.querySelector('[dir]') || el).direction")
        assert direction == "rtl"
        box = block.bounding_box()
        text = page.locator(".Draftail-Editor [data-text=true]").first.bounding_box()
        assert text["x"] + text["width"] > box["x"] + box["width"] - 40, "Persian text starts at the right edge"
        screenshot(page, "admin-persian-richtext")
    finally:
        context.close()

        def prefer_default():
            from django.contrib.auth import get_user_model
            from wagtail.users.models import UserProfile

            profile = UserProfile.get_for_user(get_user_model().objects.get(username="editor"))
            profile.preferred_language = ""
            profile.save()

        in_own_connection(prefer_default)

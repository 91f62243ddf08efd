"""The review loop as a contributor and an editor live it, in Chromium against the whole
application: write from the home screen, submit, get changes requested with a comment,
see it on top of the editor, resubmit; the editor compares with what was submitted before,
approves and publishes, and follows "View live" to the reader page. The contributor's way
from the sign-in page to "submitted" is counted."""

import pytest

from .conftest import in_own_connection, screenshot
from .test_admin_workflow import demo_logins, live_site  # noqa: F401 — the fixture
from .test_reader_pages import axe_violations

pytestmark = pytest.mark.browser

HEADLINE = "E2E review story"
COMMENT = "Name the second source, please."
MAX_STEPS = 12


class Steps:
    """Counts what a person does: each fill, click or typing is one step."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def fill(self, selector, text):
        self.count += 1
        self.page.fill(selector, text)

    def click(self, selector):
        self.count += 1
        self.page.click(selector)

    def type(self, text):
        self.count += 1
        self.page.keyboard.type(text)


def sign_in(browser, base, username, password, steps=None):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    steps = steps or Steps(page)
    steps.page = page
    page.goto(base + "/admin/login/")
    steps.fill("#id_username", username)
    steps.fill("#id_password", password)
    steps.click("button[type=submit]")
    page.wait_for_url(base + "/admin/")
    return context, page, steps


@pytest.mark.django_db
def test_request_changes_resubmit_compare_approve_view_live(browser, live_site, axe_source):  # noqa: F811
    from samizdat.newsroom.models import Author, NewsroomHome

    base, data_dir = live_site
    logins = demo_logins(data_dir)
    newsroom = in_own_connection(lambda: NewsroomHome.objects.get().title)

    # The contributor: from the sign-in page to "submitted".
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    login_page = context.new_page()
    login_page.goto(base + "/admin/login/")
    assert f"Sign in to {newsroom}" in login_page.inner_text("h1")
    assert axe_violations(login_page, axe_source) == []
    context.close()
    context, page, steps = sign_in(browser, base, "contributor", logins["contributor"])
    assert axe_violations(page, axe_source) == []
    screenshot(page, "admin-contributor-home")
    steps.click("a:has-text('Write a post in “Dispatches”')")
    page.wait_for_selector('#id_title')
    assert page.locator("label:has-text('Headline')").count() >= 1
    steps.fill("#id_title", HEADLINE)
    steps.fill("#id_teaser", "Written in a real browser.")
    steps.click("[data-contentpath=body] [contenteditable=true]")
    steps.type("A paragraph typed into the rich-text editor.")
    # Signed with the byline the editor assigned: nothing to choose.
    byline = in_own_connection(lambda: Author.objects.get(slug="night-correspondent").pk)
    assert page.input_value("input[name='post_authors-0-author']") == str(byline)
    assert "Night Correspondent" in page.inner_text("main")
    assert axe_violations(page, axe_source) == []
    page.wait_for_function("() => document.querySelector('input[name=body]').value.includes('rich-text')")
    steps.click("footer button[name=action-submit]")
    page.wait_for_selector(".messages .success")
    assert steps.count <= MAX_STEPS, f"{steps.count} steps from sign-in to submitted"
    context.close()

    # The editor requests changes, with a comment.
    context, page, _ = sign_in(browser, base, "editor", logins["editor"])
    review = page.locator("#samizdat-review-section")
    assert "New post" in review.inner_text()
    assert axe_violations(page, axe_source) == []
    screenshot(page, "admin-editor-home")
    review.locator(f"a:has-text('{HEADLINE}')").click()
    page.click("footer .w-dropdown__toggle")
    page.click("button[data-workflow-action-name=reject]")
    page.fill(".modal textarea[name=comment]", COMMENT)
    page.click(".modal button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert "Changes requested" in page.inner_text(".messages") and "reject" not in page.inner_text(".messages").lower()
    context.close()

    # The contributor finds it returned with the comment, sees it on top of the editor, edits, resubmits.
    context, page, _ = sign_in(browser, base, "contributor", logins["contributor"])
    drafts = page.locator("#samizdat-drafts-section")
    assert "Changes requested" in drafts.inner_text() and COMMENT in drafts.inner_text()
    drafts.locator(f"a:has-text('{HEADLINE}')").click()
    top = page.inner_text(".messages")
    assert COMMENT in top and "Changes requested by" in top
    assert axe_violations(page, axe_source) == []
    screenshot(page, "admin-contributor-returned")
    page.fill("#id_teaser", "Now with a second source.")
    page.click("footer button[name=action-submit]")
    page.wait_for_selector(".messages .success")
    context.close()

    # The editor sees the change against the version submitted before, approves and publishes.
    context, page, _ = sign_in(browser, base, "editor", logins["editor"])
    page.click("#samizdat-review-section a:has-text('Compare with the version last submitted')")
    compare = page.inner_text("main")
    assert "Now with a second source." in compare and "Written in a real browser." in compare
    assert axe_violations(page, axe_source) == []
    page.go_back()
    page.click(f"#samizdat-review-section a:has-text('{HEADLINE}')")
    page.click("footer .w-dropdown__toggle")
    page.click("button[data-workflow-action-name=approve]:text-is('Approve and publish')")
    page.wait_for_selector(".messages .success")
    assert "approved and published" in page.inner_text(".messages")
    assert axe_violations(page, axe_source) == []
    screenshot(page, "admin-editor-approved")
    page.click(".messages a:has-text('View live')")
    page.wait_for_load_state()
    assert page.url.endswith("/en/dispatches/e2e-review-story/")
    assert "Now with a second source." in page.content()
    context.close()



@pytest.mark.django_db
def test_banner_screens_have_no_serious_accessibility_problems(browser, live_site, axe_source):  # noqa: F811
    base, data_dir = live_site
    context, page, _ = sign_in(browser, base, "editor", demo_logins(data_dir)["editor"])
    try:
        page.goto(base + "/admin/snippets/newsroom/breakingnews/")
        assert page.locator("th:has-text('Status')").count() == 1
        assert axe_violations(page, axe_source) == []
        page.goto(base + "/admin/snippets/newsroom/breakingnews/add/")
        assert page.locator("label:has-text('Replace the current banner')").count() == 1
        assert page.locator("select[name=expires_in]").count() == 1
        screenshot(page, "admin-banner-form")
        assert axe_violations(page, axe_source) == []
    finally:
        context.close()


@pytest.mark.django_db
def test_a_new_writer_makes_a_byline_and_submits_a_post_within_twelve_steps(browser, live_site, axe_source):  # noqa: F811
    """The first sign-in of someone the editor added to a desk and gave no byline."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from samizdat.newsroom import services
    from samizdat.newsroom.models import Author, PostPage, ServicePage

    base, _data_dir = live_site
    password = "first-day-at-the-desk"

    def add_writer():
        edition = ServicePage.objects.get(language_code="en")
        user = get_user_model().objects.create_user("first-day", password=password)
        user.groups.add(Group.objects.get(name=services.desk_group_name(edition, services.CONTRIBUTOR)))

    def remove_writer():
        PostPage.objects.filter(slug="first-day-story").delete()
        Author.objects.filter(account__username="first-day").delete()
        get_user_model().objects.filter(username="first-day").delete()

    in_own_connection(add_writer)
    context = None
    try:
        context, page, steps = sign_in(browser, base, "first-day", password)
        assert page.locator("#id_byline_name").count() == 1
        assert axe_violations(page, axe_source) == []
        screenshot(page, "admin-first-sign-in-byline")
        steps.fill("#id_byline_name", "Harbour Watcher")
        steps.click("button:has-text('Use this byline')")
        page.wait_for_selector(".messages .success")
        steps.click("a:has-text('Write a post in “Dispatches”')")
        page.wait_for_selector("#id_title")
        steps.fill("#id_title", "First day story")
        steps.fill("#id_teaser", "Signed on the first day.")
        steps.click("[data-contentpath=body] [contenteditable=true]")
        steps.type("What the harbour looked like this morning.")
        # Draftail copies the text into the form a moment later (debounced); a person is slower.
        page.wait_for_function("() => document.querySelector('input[name=body]').value.includes('harbour')")
        steps.click("footer button[name=action-submit]")
        page.wait_for_selector(".messages .success")
        assert steps.count <= MAX_STEPS, f"{steps.count} steps from the first sign-in to submitted"
        signed = in_own_connection(lambda: [a.name for a in PostPage.objects.get(slug="first-day-story").ordered_authors])
        assert signed == ["Harbour Watcher"]
    finally:
        if context is not None:
            context.close()
        in_own_connection(remove_writer)

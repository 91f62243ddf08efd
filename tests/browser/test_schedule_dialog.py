"""The schedule dialog of the post editor, as an editor uses it with the keyboard and the
mouse: Escape closes the open date picker, not the whole dialog, and the open picker does
not cover "Save schedule"."""

import pytest

from .conftest import in_own_connection, screenshot
from .test_admin_workflow import demo_logins, live_site, login  # noqa: F401 — the fixture
from .test_reader_pages import axe_violations

pytestmark = pytest.mark.browser

PICKER = ".xdsoft_datetimepicker"


def _picker_open(page):
    return page.evaluate(
        f"() => [...document.querySelectorAll('{PICKER}')].some(el => getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().width > 0)"
    )


@pytest.mark.django_db
def test_escape_closes_the_date_picker_not_the_schedule_dialog(browser, live_site, axe_source):  # noqa: F811
    from samizdat.newsroom.models import PostPage

    base, data_dir = live_site
    post_id = in_own_connection(lambda: PostPage.objects.live().order_by("path").first().pk)
    context, page = login(browser, base, "editor", demo_logins(data_dir)["editor"])
    try:
        page.goto(f"{base}/admin/pages/{post_id}/edit/")
        page.click("button[data-side-panel-toggle=status]")
        page.click("[data-side-panel=status] button:has-text('schedule')")
        dialog = page.locator("#schedule-publishing-dialog")
        dialog.wait_for(state="visible")
        page.click("#schedule-publishing-dialog input[name=go_live_at]")
        page.wait_for_timeout(300)
        assert _picker_open(page)
        screenshot(page, "admin-schedule-picker")
        dialog.locator("button:has-text('Save schedule')").scroll_into_view_if_needed()
        save = dialog.locator("button:has-text('Save schedule')")
        box = save.bounding_box()
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('button')?.textContent.trim()",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top and "Save schedule" in on_top, "the open date picker covers “Save schedule”"
        page.keyboard.press("Escape")
        assert not _picker_open(page)
        assert dialog.is_visible(), "Escape closed the whole schedule dialog"
        found = axe_violations(page, axe_source)
        assert found == []
        page.keyboard.press("Escape")  # a second Escape closes the dialog, as before
        dialog.wait_for(state="hidden")
    finally:
        context.close()

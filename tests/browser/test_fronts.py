"""Fronts with a hierarchy: a lead story with its photo, then the front's posts under their
blogs; headlines in the text colour, not link blue; the text-size control one labelled group
after the content. Screenshots of every front and post kind at 390 and 1280 px."""

from urllib.parse import quote

import pytest

from samizdat.newsroom.models import BlogPage, PostPage, ServicePage

from .conftest import screenshot
from .test_reader_pages import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
LINK_BLUE = "rgb(11, 79, 156)"


def _post_path(language):
    edition = ServicePage.objects.get(language_code=language)
    return PostPage.objects.live().descendant_of(edition).filter(lead_image__isnull=False).order_by("-first_published_at").first().reader_path


def _fits(page):
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "fa", "ru"])
@pytest.mark.parametrize("width", [390, 1280])
def test_fronts_have_a_lead_story_and_sections(browser, static_site, axe_source, language, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    assert page.goto(f"{static_site}/{language}/").status == 200
    lead = page.locator(".lead-story")
    assert lead.count() == 1 and lead.locator("img").count() == 1 and lead.locator("h2 a").count() == 1
    assert page.locator(".desk h2").count() >= 1
    for headline in [lead.locator("h2 a"), page.locator(".card-title a").first]:
        assert headline.evaluate("el => getComputedStyle(el).color") != LINK_BLUE
    # The text-size control comes after the content, as one group named by its legend.
    order = page.evaluate(
        "() => [document.querySelector('main'), document.querySelector('fieldset.textsize')]"
        ".map(el => Array.prototype.indexOf.call(document.querySelectorAll('*'), el))"
    )
    assert order[0] < order[1]
    assert page.locator("fieldset.textsize legend").inner_text().strip()
    assert _fits(page)
    screenshot(page, f"front-{language}-{width}")
    assert axe_violations(page, axe_source) == []
    post = page.goto(static_site + quote(_post_path(language)))
    assert post.status == 200
    assert _fits(page)
    screenshot(page, f"post-{language}-{width}")
    assert axe_violations(page, axe_source) == []
    blog = BlogPage.objects.live().descendant_of(ServicePage.objects.get(language_code=language)).order_by("path").first()
    assert page.goto(static_site + quote(blog.reader_path)).status == 200
    assert _fits(page)
    screenshot(page, f"blog-{language}-{width}")
    assert axe_violations(page, axe_source) == []
    if language == "en":  # the newsroom's own front: the way to each edition
        assert page.goto(static_site + "/").status == 200
        assert _fits(page), "a right-to-left item's bullet stuck out of the page"
        screenshot(page, f"home-{width}")
        assert axe_violations(page, axe_source) == []
    context.close()

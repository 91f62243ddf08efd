"""The low-data rule, measured as a reader's phone pays it: a post page with its lead photo,
390 CSS px wide, first visit, read to the end — every response Chromium receives (headers and
compressed bodies: the page, the CSS, the optional script and its fragments, the pictures)."""

import re

import pytest
from django.conf import settings

from samizdat.bench.weight import site_served, weigh
from samizdat.newsroom.models import PostPage

pytestmark = pytest.mark.django_db

POST_BUDGET = 60 * 1024


def test_a_post_with_its_lead_photo_costs_a_phone_at_most_60_kb(browser):
    paths = [p.reader_path for p in PostPage.objects.live().exclude(lead_image=None)]
    assert len(paths) >= 10
    with site_served(settings.SAMIZDAT_SITE_DIR) as base:
        for path in paths:
            weight = weigh(browser, base, path)
            assert weight.by_type.get("document") and weight.by_type.get("stylesheet"), weight
            images = weight.by_type.get("image", 0)
            assert 0 < images, f"{path}: the lead photo was not loaded"
            assert weight.bytes <= POST_BUDGET, f"{path}: {weight.bytes} bytes at 390 px ({weight.by_type})"


def lead_width(browser, url, viewport, scale):
    """The width (its srcset `w`) of the rendition the browser chose for the lead picture."""
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        chosen = page.evaluate("document.querySelector('.lead img').currentSrc").rsplit("/", 1)[1]
        html = page.content()
    finally:
        context.close()
    return int(re.search(re.escape(chosen) + r" (\d+)w", html).group(1))


def test_srcset_and_sizes_steer_the_browser_to_the_rendition_the_screen_needs(browser):
    post = PostPage.objects.live().exclude(lead_image=None).order_by("path").first()
    assert post.lead_image.width >= 1200  # the demo's photographs: every width is offered
    with site_served(settings.SAMIZDAT_SITE_DIR) as base:
        url = base + post.reader_path
        assert lead_width(browser, url, {"width": 390, "height": 844}, 1) == 400
        assert lead_width(browser, url, {"width": 390, "height": 844}, 2) == 800
        assert lead_width(browser, url, {"width": 1280, "height": 900}, 2) == 1200

from urllib.parse import quote

import pytest

from samizdat.newsroom.models import PostPage, ServicePage
from samizdat.core.rendering import link

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
POST = "/en/dispatches/a-border-town-learns-to-live-offline/"


def fa_post_path():
    service = ServicePage.objects.get(language_code="fa")
    return link(PostPage.objects.live().descendant_of(service).filter(lead_image__isnull=False).first().reader_path)


def axe_violations(page, axe_source):
    # Colours are judged as shown, not halfway through a fade-in (the admin's messages fade in).
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect.getComputedTiming().iterations === Infinity)"
    )
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "name, path",
    [
        ("post-en", POST), ("front-en", "/en/"), ("front-fa", "/fa/"), ("post-fa", None), ("home", "/"),
        ("front-ru", "/ru/"), ("post-ru", "/ru/mezhdu-strok/город-без-мобильной-связи/"),
        ("post-fa-mixed", "/fa/shabakeh/سه-سرویس-vpn-از-پنج-سرویس-در-۲۴-ساعت-از-کار-افتادند/"),
        ("reach-fa", "/fa/reach-us/"), ("republish-en", POST + "republish/"),
        ("republish-fa", "/fa/yaddasht/بازار-مرزی-بدون-اینترنت/republish/"),
    ],
)
def test_no_serious_accessibility_violations(page, static_site, axe_source, name, path):
    path = path or fa_post_path()
    response = page.goto(static_site + quote(path, safe="/%"))
    assert response.status == 200
    screenshot(page, name)
    assert axe_violations(page, axe_source) == []


def _body_font_size(page):
    return page.eval_on_selector("main p", "el => parseFloat(getComputedStyle(el).fontSize)")


def test_text_size_switcher_works_without_javascript(browser, static_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static_site + POST)
    medium = _body_font_size(page)
    page.click("label[for=ts-l]")
    large = _body_font_size(page)
    page.click("label[for=ts-xs]")
    small = _body_font_size(page)
    assert small < medium < large
    screenshot(page, "post-en-xs-nojs")
    context.close()


def test_text_size_is_remembered_with_javascript(page, static_site):
    page.goto(static_site + POST)
    medium = _body_font_size(page)
    page.click("label[for=ts-l]")
    page.goto(static_site + "/en/dispatches/")
    assert _body_font_size(page) > medium
    assert page.is_checked("#ts-l")


def test_persian_page_is_right_to_left(page, static_site):
    page.goto(static_site + fa_post_path())
    assert page.evaluate("document.documentElement.dir") == "rtl"
    main = page.locator("main").bounding_box()
    h1 = page.locator("h1").bounding_box()
    # The headline starts at the right edge of the column and leaves space on the left.
    assert abs((h1["x"] + h1["width"]) - (main["x"] + main["width"])) < 2
    text_width = page.evaluate(
        "() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('h1'));"
        " const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
    )
    assert text_width[1] - (main["x"] + main["width"]) < 2 and text_width[0] > main["x"] + 5


def test_reader_pages_work_with_javascript_disabled_and_load_nothing_from_elsewhere(browser, static_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(static_site + POST)
    assert page.locator("h1").inner_text().startswith("A Border Town")
    page.click("text=Signal and Noise")
    assert page.locator("h1").inner_text() == "Signal and Noise"
    assert requests and all(u.startswith(static_site) for u in requests)
    context.close()


def test_the_republish_box_works_without_javascript(browser, static_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(static_site + POST)
    page.click("text=Republish this story")
    assert page.url.endswith("/republish/index.html")
    boxes = page.locator("textarea")
    assert boxes.count() == 2 and boxes.first.get_attribute("readonly") is not None
    snippet, text = boxes.first.input_value(), boxes.nth(1).input_value()
    assert snippet.startswith('<article lang="en" dir="ltr">') and "<h1>A Border Town Learns to Live Offline</h1>" in snippet
    assert text.startswith("A Border Town Learns to Live Offline\n\nBy ") and "<" not in text
    page.click("text=Back to the story")
    assert page.locator("h1").inner_text().startswith("A Border Town")
    context.close()

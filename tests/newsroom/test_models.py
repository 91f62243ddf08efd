import pytest
from django.core.exceptions import ValidationError
from wagtail.images import get_image_model

from samizdat.newsroom.models import BreakingNews, PostPage, ServicePage
from samizdat.newsroom import pagination, selectors

pytestmark = pytest.mark.django_db


def test_lead_image_needs_alt_text():
    post = PostPage.objects.filter(lead_image__isnull=False).first()
    post.lead_image_alt = "  "
    with pytest.raises(ValidationError) as err:
        post.clean()
    assert "lead_image_alt" in err.value.message_dict


def test_alt_text_must_differ_from_caption():
    post = PostPage.objects.filter(lead_image__isnull=False).first()
    post.lead_image_alt = post.lead_image_caption.upper()
    with pytest.raises(ValidationError) as err:
        post.clean()
    assert "not repeat the caption" in str(err.value)


def test_rtl_language_must_be_right_to_left():
    service = ServicePage.objects.get(language_code="fa")
    service.direction = "ltr"
    with pytest.raises(ValidationError):
        service.clean()


def test_edition_time_zone_must_be_a_known_zone():
    service = ServicePage(title="x", slug="x", language_code="fa", direction="rtl", time_zone="Asia/Tehran")
    assert str(service.zone) == "Asia/Tehran"
    service.time_zone = "Tehran/Asia"
    with pytest.raises(ValidationError) as excinfo:
        service.full_clean(exclude=["path", "depth"])
    assert "time_zone" in excinfo.value.message_dict
    assert str(service.zone) == "UTC"  # an unknown stored name falls back rather than failing a bake


def test_breaking_news_must_expire_after_start():
    service = ServicePage.objects.get(language_code="en")
    item = BreakingNews(service=service, text="x", starts_at=service.last_published_at, expires_at=service.last_published_at)
    with pytest.raises(ValidationError):
        item.clean()


def test_front_page_lists_pinned_first_and_hides_unlisted():
    service = ServicePage.objects.get(language_code="en")
    listing = selectors.Listing("service", service)
    front = listing.front()
    posts = front.posts  # records of what a card shows (`rows.PostRow`), not pages
    assert posts[0].reader_path.endswith("/how-our-mirrors-stay-ahead-of-the-blocklist/")
    assert front.pinned_ids == {posts[0].pk}
    hidden = PostPage.objects.get(pk=posts[-1].pk)
    hidden.unlisted = True  # as the editor does it: the listing index follows the publish
    hidden.save_revision().publish()
    assert hidden.pk not in [p.pk for p in selectors.Listing("service", service).front().posts]
    assert hidden.pk not in [p.pk for p in selectors.latest_posts_for_blog(hidden.get_parent())]


def test_archive_pages_count_from_the_oldest_post():
    service = ServicePage.objects.get(language_code="en")
    listing = selectors.Listing("service", service)
    count = listing.count()
    assert count > pagination.PAGE_SIZE  # the demo has more than one page
    oldest_first = list(listing.posts().order_by("first_published_at", "pk"))
    first = listing.archive_page(1)
    assert [p.pk for p in first] == [p.pk for p in oldest_first[: pagination.PAGE_SIZE]][::-1]
    last = listing.archive_page(listing.page_count())
    assert last[0].pk == oldest_first[-1].pk and len(last) == count - (listing.page_count() - 1) * pagination.PAGE_SIZE
    assert listing.archive_page(listing.page_count() + 1) is None
    assert listing.position(oldest_first[-1]) == count - 1 and listing.newer_count(oldest_first[-1]) == 0


def test_demo_newsroom_has_what_the_quick_start_promises():
    assert ServicePage.objects.filter(direction="rtl", language_code="fa").exists()
    assert PostPage.objects.live().count() >= 20
    assert PostPage.objects.filter(live=False, go_live_at__isnull=False).count() == 1
    from samizdat.newsroom.models import Author

    assert Author.objects.count() >= 4 and Author.objects.filter(is_pen_name=True).exists()
    image = get_image_model().objects.first()
    from PIL import Image

    with Image.open(image.file.path) as pixels:  # a drawn scene, not a flat placeholder
        assert pixels.width >= 600 and len(pixels.convert("RGB").getcolors(maxcolors=1 << 20)) > 1000

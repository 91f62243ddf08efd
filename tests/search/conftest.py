import pytest

from samizdat.newsroom.models import BlogPage, PostPage, ServicePage

# One post per edition, each with a word no demo post has. The Persian one writes
# "می‌خواهند" (they want) and "کتابخانه‌ها" (libraries) with ZWNJ, as an editor would.
WORDS = {
    "en": ("Quokkas Reach the Harbour", "The quokkas arrived at dawn.", "quokkas"),
    "ru": ("Выдры вернулись в гавань", "Выдры вернулись на рассвете, и всё было тихо.", "выдры"),
    "fa": ("کتابخانه‌ها دوباره باز شدند", "مردم می‌خواهند کتابخانه‌ها باز بمانند.", "کتابخانه‌ها"),
}


def post_publish(edition, title, teaser, *, slug, publish=True):
    blog = BlogPage.objects.live().descendant_of(edition).order_by("path").first()
    post = PostPage(title=title, slug=slug, teaser=teaser, body=f"<p>{teaser}</p>")
    blog.add_child(instance=post)
    revision = post.save_revision()
    if publish:
        revision.publish()
    return PostPage.objects.get(pk=post.pk)


@pytest.fixture
def editions(db):
    return {s.language_code: s for s in ServicePage.objects.live()}


@pytest.fixture
def search_posts(editions):
    """A published post in each edition (English, Russian, Persian) with its own words."""
    return {
        lang: post_publish(editions[lang], title, teaser, slug=f"search-test-{lang}")
        for lang, (title, teaser, _) in WORDS.items()
    }

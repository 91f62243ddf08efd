"""Reads of the newsroom. Pages, the baker and (later) feeds call these, so they never
list different posts."""

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from taggit.models import Tag

from .models import Author, BlogPage, BreakingNews, PostPage, ServicePage

LATEST_POSTS = 5


def services_live():
    return ServicePage.objects.live().order_by("path")


def _listed(queryset):
    now = timezone.now()
    return (
        queryset.live()
        .filter(unlisted=False)
        .annotate(
            pinned=Case(
                When(pinned_until__gt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("-pinned", "-first_published_at", "-pk")
        .select_related("lead_image")
        .prefetch_related("post_authors__author")
    )


def posts_for_service(service):
    return _listed(PostPage.objects.descendant_of(service))


def posts_for_blog(blog):
    return _listed(PostPage.objects.child_of(blog))


def latest_posts_for_blog(blog, *, exclude=None, limit=LATEST_POSTS):
    """The blog's newest listed posts by publication time (pins do not apply here)."""
    posts = PostPage.objects.child_of(blog).live().filter(unlisted=False)
    if exclude is not None:
        posts = posts.exclude(pk=exclude.pk)
    return list(posts.order_by("-first_published_at", "-pk")[:limit])


def posts_for_author(author, *, service):
    return list(_listed(PostPage.objects.descendant_of(service)).filter(post_authors__author=author))


def posts_for_tag(slug, *, service):
    return list(_listed(PostPage.objects.descendant_of(service)).filter(tags__slug=slug))


def _listed_post_ids(service):
    return PostPage.objects.descendant_of(service).live().filter(unlisted=False).values("pk")


def authors_for_service(service):
    return Author.objects.filter(post_links__post__in=_listed_post_ids(service)).distinct().order_by("slug")


def tags_for_service(service):
    post_ids = _listed_post_ids(service)
    return Tag.objects.filter(newsroom_posttag_items__content_object__in=post_ids).distinct().order_by("slug")


def blogs_for_service(service):
    return BlogPage.objects.child_of(service).live().order_by("path")


def breaking_news_active(service, *, at=None):
    at = at or timezone.now()
    return (
        BreakingNews.objects.filter(service=service, starts_at__lte=at, expires_at__gt=at)
        .order_by("-starts_at")
        .first()
    )

"""What the reader site consists of: every path the live pages declare, and the full bake
split into jobs. The bake renders plans; the dependency tracker asks for a subtree's paths."""

from wagtail.models import Page, Site

from samizdat.core.rendering import ReadCache
from samizdat.newsroom.models import PostPage

from .renderer import redirect_paths


def collect_paths(root=None):
    """Every reader path of the live site (or of the subtree at `root`), as the pages
    themselves declare them, then the redirect pages of moved addresses."""
    site = Site.objects.get(is_default_site=True)
    root = root or site.root_page
    paths = []
    cache = ReadCache()
    for page in Page.objects.descendant_of(root, inclusive=True).live().specific().iterator():
        if hasattr(page, "get_baked_paths"):
            paths.extend(page.get_baked_paths(cache))
    if root.pk == site.root_page_id:
        live = set(paths)
        paths += [p for p in redirect_paths(site) if p not in live]
    return paths


# A job is a slice of the work one process renders: reader paths, or ids of posts that are
# fetched in bulk with everything their pages show.
JOB_SIZE = 200


def full_plan():
    """The whole site as jobs: each listing page's paths, redirects, then posts by id."""
    site = Site.objects.get(is_default_site=True)
    jobs, taken = [], set()
    cache = ReadCache()
    others = Page.objects.descendant_of(site.root_page, inclusive=True).live().not_type(PostPage)
    for page in others.specific().iterator():
        if hasattr(page, "get_baked_paths"):
            paths = page.get_baked_paths(cache)
            taken.update(paths)
            jobs += [("page", (page.pk, paths[i : i + JOB_SIZE])) for i in range(0, len(paths), JOB_SIZE)]
    redirects = [p for p in redirect_paths(site) if p not in taken]
    jobs += [("paths", redirects[i : i + JOB_SIZE]) for i in range(0, len(redirects), JOB_SIZE)]
    post_ids = list(PostPage.objects.live().order_by("path").values_list("pk", flat=True))
    jobs += [("posts", post_ids[i : i + JOB_SIZE]) for i in range(0, len(post_ids), JOB_SIZE)]
    return jobs

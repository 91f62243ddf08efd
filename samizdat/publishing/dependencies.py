"""Which reader paths a change makes stale — decided here and nowhere else.

Returning None means "re-render everything". The foundation re-bakes the whole site on
every change (a demo-sized site bakes in about a second); the incremental engine
replaces these answers with exact path sets without touching callers.
"""


def paths_for_page(page):
    """A page was published, unpublished, moved or deleted."""
    return None


def paths_for_object(obj):
    """An author, breaking-news item or image changed."""
    return None


def paths_for_clock():
    """Time passed: a banner started or expired, a pin ran out."""
    return None

"""Pagination of every listing (an edition's front, a blog, an author, a tag) — the maths
lives here and nowhere else. Pure functions of positions and counts.

Positions count from the oldest post (0 = the oldest), so archive pages are stable: page 1
holds the ten oldest posts and a new post only ever lands on the newest page; "Page 7" is
the same page next year. The front shows the newest posts down to a page boundary — between
`PAGE_SIZE` and `2 * PAGE_SIZE - 1` of them — so that "Older posts" from the front leads to
the first archive page it does not show: walking front → older → older shows every post
once, in order.
"""

PAGE_SIZE = 10  # posts per archive page


def page_count(count):
    """How many archive pages a listing of `count` posts has."""
    return -(-count // PAGE_SIZE)


def page_of(position):
    """The archive page holding the post at `position` (0 = the oldest)."""
    return position // PAGE_SIZE + 1


def front_floor(count):
    """The newest archive page the front does not show: "Older posts" from the front leads
    there (0: the front shows everything)."""
    return max(count // PAGE_SIZE - 1, 0)


def front_start(count):
    """Position of the oldest post the front shows; it shows positions front_start..count-1."""
    return front_floor(count) * PAGE_SIZE


def on_front(position, count):
    return front_start(count) <= position < count


def archive_range(number, count):
    """(start, end) positions of archive page `number`, or None when there is no such page."""
    start = (number - 1) * PAGE_SIZE
    if number < 1 or start >= count:
        return None
    return start, min(start + PAGE_SIZE, count)


def older_page(number, count):
    """Where "Older posts" leads from the front (`number` None) or from archive page `number`."""
    if number is None:
        return front_floor(count) or None
    return number - 1 if number > 1 else None


def newer_page(number, count):
    """Where "Newer posts" leads from archive page `number`: the next page, or None for the
    front once the next page's posts are on the front."""
    return number + 1 if number + 1 <= front_floor(count) else None

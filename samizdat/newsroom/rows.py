"""Small immutable records of what a reader page shows of a post, read as rows.

A full bake renders tens of thousands of post pages; building a Wagtail page instance for
each (forty columns, two joined tables, related managers) cost more than rendering it. The
bake reads exactly the columns a page shows (`selectors.post_rows`, a few wide queries per
job) into these records; the preview builds the same record from the page it previews
(`PostRow.of_page`), so both hand the templates the same values and give the same bytes.

The records answer the attribute names the templates, `theme.metadata` and `feeds` read on
a post (`title`, `ordered_authors`, `corrections.all()`, `get_service()`…).
"""

from dataclasses import dataclass

REPUBLISH = "republish"  # the republish page's folder below its post


def republish_path(post_path):
    """The reader path of the republish page of the post at `post_path`."""
    return f"{post_path}{REPUBLISH}/"


class Rows(tuple):
    """A tuple that answers `.all()` like the related manager it stands in for."""

    def all(self):
        return self


@dataclass(frozen=True, slots=True)
class NamedRow:
    """An author (pen name) or a tag as a post shows it."""

    pk: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    noted_at: object
    text: str


def tags_ordered(tags):
    """Tags by name: the database returns them in no set order, and a page must come out the
    same from every bake."""
    return sorted(tags, key=lambda tag: (tag.name.casefold(), tag.pk))


@dataclass(frozen=True, slots=True)
class PostRow:
    pk: int
    title: str
    seo_title: str
    search_description: str
    teaser: str
    body: str
    path: str  # tree path: which blog and edition it sits in
    url_path: str  # Wagtail's
    reader_path: str
    translation_key: object
    translation_of_id: int | None
    first_published_at: object
    go_live_at: object
    latest_revision_created_at: object
    updated_at: object
    lead_image_id: int | None
    lead_image: object  # the Wagtail image (its renditions prefetched), or None
    lead_image_alt: str
    lead_image_caption: str
    lead_image_credit: str
    ordered_authors: tuple
    ordered_tags: tuple
    corrections: Rows
    service: object  # the edition's page

    @property
    def id(self):
        return self.pk

    @property
    def published_at(self):
        return self.first_published_at or self.go_live_at or self.latest_revision_created_at

    @property
    def republish_path(self):
        return republish_path(self.reader_path)

    def get_service(self, cache=None):
        return self.service

    @classmethod
    def of_page(cls, page, service):
        """The record of a post page instance (a preview, possibly of an unsaved revision)."""
        return cls(
            pk=page.pk,
            title=page.title,
            seo_title=page.seo_title,
            search_description=page.search_description,
            teaser=page.teaser,
            body=page.body,
            path=page.path,
            url_path=page.url_path,
            reader_path=page.reader_path,
            translation_key=page.translation_key,
            translation_of_id=page.translation_of_id,
            first_published_at=page.first_published_at,
            go_live_at=page.go_live_at,
            latest_revision_created_at=page.latest_revision_created_at,
            updated_at=page.updated_at,
            lead_image_id=page.lead_image_id,
            lead_image=page.lead_image if page.lead_image_id else None,
            lead_image_alt=page.lead_image_alt,
            lead_image_caption=page.lead_image_caption,
            lead_image_credit=page.lead_image_credit,
            ordered_authors=tuple(NamedRow(a.pk, a.name, a.slug) for a in page.ordered_authors),
            ordered_tags=tuple(NamedRow(t.pk, t.name, t.slug) for t in page.ordered_tags),
            corrections=Rows(CorrectionRow(c.noted_at, c.text) for c in page.corrections.all()),
            service=service,
        )


@dataclass(frozen=True, slots=True)
class PostLink:
    """Another post a page links to with its edition (a translation)."""

    pk: int
    title: str
    path: str
    reader_path: str
    service: object

    def get_service(self, cache=None):
        return self.service

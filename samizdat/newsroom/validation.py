"""Checks on what editors type, run when an admin form is saved.

Everything here guards the bake: a rule refuses, with a form error in the editor's language,
input that would later break every bake (a folder name too long for the disk, a rich-text
entity pointing nowhere) or scramble what readers see (hidden direction controls). The rules
run in the admin forms and in the `clean` of models that are only cleaned by forms (authors,
banners, corrections) — not in `PostPage.clean`: Wagtail cleans a page again on every publish
(`Page.save` → `full_clean`), and a rule that depends on other rows (does the linked page
still exist?) must not stop an approved or scheduled post from going live.
"""

import re
import unicodedata
from html.parser import HTMLParser

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.images import get_image_model
from wagtail.images.formats import get_image_formats
from wagtail.models import Page
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs

# Invisible characters that force a direction. Pasted from other editors they scramble
# every word after them (and can make a headline read differently from how it sorts).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

# A slug is one folder name on disk (`/fa/blog/<slug>/index.html`). Linux, macOS and the
# FAT/exFAT of USB sticks allow 255 bytes (or UTF-16 units) per name; a Persian or Cyrillic
# letter takes 2 bytes in UTF-8. 200 bytes (100 Persian or Russian letters) leaves room for
# what copying tools add to a name (" (2)", "-2", sync tools' ".name.XXXXXX" temporary
# names, wget's ".1") and keeps a link — 3 characters per byte once percent-encoded, about
# 600 — far below the 8 KB request lines servers accept.
SLUG_MAX_BYTES = 200

_ID = re.compile(r"[1-9][0-9]{0,17}")  # a database id: digits only, fits a 64-bit integer


def bidi_controls_check(value, field_label):
    if value and BIDI_CONTROLS.search(value):
        raise ValidationError(
            _(
                "The %(field)s contains invisible direction-control characters (often pasted "
                "from another program). They can scramble the text for readers: retype it or "
                "paste it as plain text. Mixed Persian and Latin words need no such characters."
            ),
            params={"field": field_label},
        )


def bidi_errors(values):
    """{field: error} for each (field, label, text) whose text hides direction controls."""
    errors = {}
    for field, label, text in values:
        try:
            bidi_controls_check(text, label)
        except ValidationError as exc:
            errors[field] = exc
    return errors


# Slugs -----------------------------------------------------------------------------------


def utf8_length(text):
    return len(text.encode("utf-8"))


def slug_truncate(slug, max_bytes=SLUG_MAX_BYTES):
    """`slug` cut to `max_bytes` of UTF-8 at a word (hyphen) boundary; one giant word is cut
    between letters. Never splits a character."""
    if utf8_length(slug) <= max_bytes:
        return slug
    cut = slug.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    if slug[len(cut)] != "-" and "-" in cut.strip("-"):
        cut = cut.rstrip("-").rsplit("-", 1)[0]  # drop the word the budget cut in half
    return cut.strip("-")


def slug_length_error(slug):
    """A form error for a slug too long to be a folder name, or None."""
    size = utf8_length(slug)
    if size <= SLUG_MAX_BYTES:
        return None
    return ValidationError(
        _(
            "This address is %(bytes)d bytes long; at most %(max)d fit in a folder name on "
            "readers' disks and USB sticks (a Persian or Cyrillic letter takes 2 bytes, a Latin "
            "letter 1). Shorten it to a few words, or tick “Latin address” to use a shorter "
            "transliterated one."
        ),
        params={"bytes": size, "max": SLUG_MAX_BYTES},
        code="slug_too_long",
    )


def slug_key(slug):
    """What two slugs are compared by: `News` and `news`, or `é` typed as one character or
    as e + accent, are one folder on a case-insensitive disk (Windows, macOS, USB sticks)."""
    return unicodedata.normalize("NFC", slug).casefold()


def slug_case_clash(slug, others):
    """The first of `others` that differs from `slug` only by case or Unicode form, or None."""
    key = slug_key(slug)
    return next((other for other in others if other != slug and slug_key(other) == key), None)


def slug_case_clash_error(slug, clash):
    return ValidationError(
        _(
            "The address “%(slug)s” differs from “%(other)s”, already used here, only by "
            "capital letters. On Windows, macOS and USB sticks they would be the same folder: "
            "choose another address."
        ),
        params={"slug": slug, "other": clash},
        code="slug_case_clash",
    )


def _letters(text):
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").casefold() if ch.isalnum())


def slug_is_from_title(slug, title):
    """Whether the admin made `slug` from the headline (its script fills the address as the
    editor types): the same letters and digits in the same order. Such an address is
    shortened for the editor; one typed by hand is refused with an explanation instead."""
    return bool(slug) and _letters(slug) == _letters(title)


def page_slug_errors(*, slug, title, parent, page):
    """(slug to use, {field: error}) for a page's address typed or made in the admin."""
    errors = {}
    if not slug:
        return slug, errors  # made from the headline on save (ReaderPage.full_clean)
    if slug_length_error(slug) and slug_is_from_title(slug, title):
        slug = slug_truncate(slug)
    error = slug_length_error(slug)
    if error:
        errors["slug"] = error
    elif parent is not None and slug_key(slug) in getattr(parent.specific_class, "reserved_child_slugs", ()):
        errors["slug"] = _(
            "The address “%(slug)s” is taken by the site's own pages here (%(reserved)s). Choose another."
        ) % {"slug": slug, "reserved": ", ".join(sorted(parent.specific_class.reserved_child_slugs))}
    elif parent is not None:
        siblings = parent.get_children()
        if page is not None and page.pk:
            siblings = siblings.exclude(pk=page.pk)
        # Compared in Python: SQLite's lower() knows only ASCII. One column, one query.
        clash = slug_case_clash(slug, siblings.values_list("slug", flat=True).iterator())
        if clash:
            errors["slug"] = slug_case_clash_error(slug, clash)
    return slug, errors


def tag_slug_limit(tag):
    """Keep a tag's slug (its reader folder, `tags/<slug>/`) within the byte budget. taggit
    makes it from the name, up to 100 characters (300 bytes in some scripts), and adds `_1`,
    `_2`… when taken; the suffix is kept and bumped until the shortened slug is free."""
    if utf8_length(tag.slug or "") <= SLUG_MAX_BYTES:
        return
    base, suffix = tag.slug, ""
    match = re.fullmatch(r"(.*)_(\d+)", tag.slug)
    if match:
        base, suffix = match.group(1), "_" + match.group(2)
    base = slug_truncate(base, SLUG_MAX_BYTES - 8)  # room for a suffix
    others = type(tag)._default_manager.exclude(pk=tag.pk)
    slug, n = base + suffix, int(suffix[1:] or 0)
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}_{n}"
    tag.slug = slug


def tag_errors(names):
    """Errors for tag names hiding direction controls (taggit's field refuses names over
    100 characters itself)."""
    errors = []
    for name in names or []:
        try:
            bidi_controls_check(name, _("tag"))
        except ValidationError as exc:
            errors.append(exc)
    return errors


# Rich text -------------------------------------------------------------------------------


class _TextAndAlt(HTMLParser):
    """The text readers see in stored rich text: its character data and image alt texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.parts.extend(value or "" for name, value in attrs if name == "alt")

    handle_startendtag = handle_starttag


def richtext_visible_text(html):
    parser = _TextAndAlt()
    parser.feed(html or "")
    parser.close()
    return "\n".join(parser.parts)


def is_database_id(value):
    """Whether `value` (an attribute or a form value) is a usable database id."""
    return bool(value) and _ID.fullmatch(value) is not None


def richtext_entity_errors(html):
    """Errors for links, images and embeds in stored rich text that would not render: each
    names the problem and how to fix it. An empty list when all is well."""
    errors, page_ids, image_ids = [], {}, {}
    formats = {f.name for f in get_image_formats()}
    for match in FIND_A_TAG.finditer(html or ""):
        attrs = extract_attrs(match.group(1))
        linktype = attrs.get("linktype")
        if linktype is None:
            continue  # an ordinary web link; its address is checked when it is baked
        if linktype != "page":
            errors.append(_("A link of an unknown kind (“%(kind)s”) is in the text. Remove it and link again.")
                          % {"kind": linktype})
        elif is_database_id(attrs.get("id")):
            page_ids[int(attrs["id"])] = attrs["id"]
        else:
            errors.append(_("A link in the text points to page “%(id)s”, which is not a page number. "
                            "Remove the link and choose the page again.") % {"id": attrs.get("id", "")})
    for match in FIND_EMBED_TAG.finditer(html or ""):
        attrs = extract_attrs(match.group(1))
        kind = attrs.get("embedtype")
        if kind == "image":
            if is_database_id(attrs.get("id")):
                image_ids[int(attrs["id"])] = attrs["id"]
            else:
                errors.append(_("An image in the text has the id “%(id)s”, which is not an image number. "
                                "Remove it and insert the image again.") % {"id": attrs.get("id", "")})
            if attrs.get("format") not in formats:
                errors.append(_("An image in the text has the format “%(format)s”, which does not exist. "
                                "Choose one of: %(formats)s.")
                              % {"format": attrs.get("format", ""), "formats": ", ".join(sorted(formats))})
        elif kind == "media":
            if not attrs.get("url", "").startswith("https://"):
                errors.append(_("An embed in the text has the address “%(url)s”. Only https:// addresses "
                                "can be embedded.") % {"url": attrs.get("url", "")})
        else:
            errors.append(_("An element of an unknown kind (“%(kind)s”) is in the text. Remove it.")
                          % {"kind": kind or ""})
    found = set(Page.objects.filter(pk__in=page_ids).values_list("pk", flat=True))
    for pk in sorted(set(page_ids) - found):
        errors.append(_("A link in the text points to page %(id)s, which does not exist (any more). "
                        "Remove the link or choose another page.") % {"id": page_ids[pk]})
    found = set(get_image_model().objects.filter(pk__in=image_ids).values_list("pk", flat=True))
    for pk in sorted(set(image_ids) - found):
        errors.append(_("An image in the text (id %(id)s) is not in the image library (any more). "
                        "Remove it or insert another image.") % {"id": image_ids[pk]})
    return list(dict.fromkeys(str(e) for e in errors))


# Forms -----------------------------------------------------------------------------------


def editor_text_errors(form):
    """{field: error} for every text field of a model form that readers see: plain text with
    hidden direction controls, rich text whose text hides them or whose entities are broken,
    tags too long or hiding them. Slugs, addresses and e-mails have validators of their own."""
    errors = {}
    opts = form._meta.model._meta
    for name, value in form.cleaned_data.items():
        try:
            field = opts.get_field(name)
        except Exception:  # noqa: BLE001 — a form-only field (latin_address) or a tag manager
            field = None
        if name == "tags" and isinstance(value, list):
            problems = tag_errors(value)
            if problems:
                errors[name] = problems
            continue
        if not isinstance(field, (models.CharField, models.TextField)) or not isinstance(value, str):
            continue
        if isinstance(field, (models.SlugField, models.URLField, models.EmailField)):
            continue
        label = _("headline") if name == "title" else field.verbose_name
        if isinstance(field, RichTextField):
            problems = richtext_entity_errors(value)
            try:
                bidi_controls_check(richtext_visible_text(value), label)
            except ValidationError as exc:
                problems.append(exc)
            if problems:
                errors[name] = problems
        else:
            errors.update(bidi_errors([(name, label, value)]))
    return errors


def _rich_text_is_readable(widget, data, files, key):
    try:
        widget.value_from_datadict(data, files, key)
    except Exception:  # noqa: BLE001 — json and draftjs_exporter raise many kinds on bad input
        return False
    return True


def post_data_checked(form_class, data, files, prefix=None):
    """(data, problems): a copy of submitted admin data that Wagtail's and modelcluster's form
    machinery can take without a server error, and the form errors that explain why it was
    changed. Only a hand-made POST needs this; the admin's own pages never send such data:

    - a chooser (image, page, author) given a value that is not an id — "abc", or a number too
      large for the database — would crash the widget re-displaying the form; it becomes "0",
      which no row has, so the field says "Select a valid choice";
    - rich text that is not the editor's JSON would crash its conversion; it is emptied;
    - a child form (author, correction, comment) counted as existing but sent without a valid
      id crashes modelcluster; it gets id "0", which the formset refuses.
    """
    if data is None:
        return data, []
    data = data.copy()
    problems = []

    def check_fields(form_cls, key_prefix):
        rich = {f.name for f in form_cls._meta.model._meta.get_fields() if isinstance(f, RichTextField)}
        for name, field in form_cls.base_fields.items():
            key = f"{key_prefix}{name}"
            if key not in data:
                continue
            if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
                value = data.get(key)
                if value not in ("", None) and not is_database_id(value):
                    data[key] = "0"
            elif name in rich and not _rich_text_is_readable(
                field.widget, data, files, key
            ):
                data[key] = '{"blocks": [], "entityMap": {}}'
                problems.append((name if not key_prefix else None, _(
                    "The text of this field arrived damaged and could not be read. Reload the page "
                    "and make your change again."
                )))

    form_prefix = f"{prefix}-" if prefix else ""
    check_fields(form_class, form_prefix)
    for name, formset_class in getattr(form_class, "formsets", {}).items():
        formset_prefix = f"{form_prefix}{name}"
        pk_name = formset_class.model._meta.pk.name
        try:
            total = min(int(data.get(f"{formset_prefix}-TOTAL_FORMS", 0)), formset_class.absolute_max)
            initial = min(int(data.get(f"{formset_prefix}-INITIAL_FORMS", 0)), total)
        except (TypeError, ValueError):
            continue  # Django's own management-form check refuses it
        for i in range(max(total, 0)):
            child = f"{formset_prefix}-{i}-"
            if i < initial and not is_database_id(data.get(f"{child}{pk_name}")):
                data[f"{child}{pk_name}"] = "0"
                problems.append((None, _(
                    "Part of the form (%(part)s) arrived incomplete. Reload the page and make your "
                    "change again."
                ) % {"part": name}))
            check_fields(formset_class.form, child)
    return data, list(dict.fromkeys(problems))


class CheckedFormMixin:
    """For the admin forms of our models: checks hand-made POST data before Wagtail reads it
    (`post_data_checked`) and reports what it had to refuse as form errors."""

    def __init__(self, data=None, files=None, *args, **kwargs):
        data, self.damaged = post_data_checked(type(self), data, files, kwargs.get("prefix"))
        super().__init__(data, files, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        for field, message in self.damaged:
            self.add_error(field if field in self.fields else None, message)
        return cleaned

"""Who may do what in the admin: one table, checked through the real Wagtail admin URLs.

Each row is an admin action; each cell says, for one role, whether it is allowed on
  own    — a post the acting user created, in their edition (English),
  other  — a post another contributor created, in the same edition,
  far    — a post in an edition the user does not work in (Persian).
"Y" allowed, "N" refused, "-" does not apply. For the settings rows the target is the
edition or blog the post is in; for the image rows it is an image the user or the other
contributor uploaded. The roles are a contributor and an editor of the English edition and
a member of the Administrators group, not a superuser (see conftest.py). A refused action must leave the database as it was; an allowed one must have its effect.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import PageViewRestriction, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from samizdat.newsroom.models import Author, BlogPage, PostPage, ServicePage

from .conftest import make_post as _post
from .conftest import matrix_cases

pytestmark = pytest.mark.django_db

ROLES = ("contributor", "editor", "administrator")
TARGETS = ("own", "other", "far")

MATRIX = {
    #                              contributor   editor        administrator
    #                              own other far own other far own other far
    "view edit form":             ("Y N N",      "Y Y N",      "Y Y Y"),
    "save draft":                 ("Y N N",      "Y Y N",      "Y Y Y"),
    "submit for review":          ("Y N N",      "Y Y N",      "Y Y Y"),
    "publish":                    ("N N N",      "Y Y N",      "Y Y Y"),
    "approve in review":          ("N N N",      "Y Y N",      "Y Y Y"),
    "unpublish":                  ("N N N",      "Y Y N",      "Y Y Y"),
    "unschedule":                 ("N N N",      "Y Y N",      "Y Y Y"),
    "delete (scheduled post)":    ("N N N",      "N N N",      "Y Y Y"),
    "delete (draft)":             ("N N N",      "N N N",      "Y Y Y"),
    "move (to the other blog)":   ("N N N",      "Y Y N",      "Y Y Y"),
    "copy (to the other blog)":   ("N N N",      "Y Y N",      "Y Y Y"),
    "edit edition settings":      ("N N N",      "N N N",      "Y Y Y"),
    "edit blog settings":         ("N N N",      "Y Y N",      "Y Y Y"),
    "add an image":               ("Y - -",      "Y - -",      "Y - -"),
    "edit an image":              ("Y N -",      "Y Y -",      "Y Y -"),
    # The reader site is public files: a "private" page would be baked for everyone to read.
    "make private":               ("N N N",      "N N N",      "N N N"),
}


def _blogs(target):
    """The blog the target post is in, and the other blog of the same edition."""
    slugs = ("yaddasht", "shabakeh") if target == "far" else ("dispatches", "signal-and-noise")
    return [BlogPage.objects.get(slug=slug) for slug in slugs]


def _owner(people, role, target):
    return {"own": people[role], "other": people["colleague"], "far": people["far-reporter"]}[target]


def _jpeg():
    out = io.BytesIO()
    PILImage.new("RGB", (32, 24), (20, 120, 60)).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _post_form(post, title):
    link = post.post_authors.first()
    return nested_form_data({
        "title": title, "slug": post.slug, "teaser": post.teaser, "body": rich_text(post.body),
        "post_authors": inline_formset([{"author": link.author_id, "id": link.pk}], initial=1, min=1),
        "corrections": inline_formset([]), "comments": inline_formset([]), "tags": "",
        "lead_image_alt": "", "lead_image_caption": "", "lead_image_credit": "",
    })


def _settings_form(page, **changes):
    page = page.specific
    fields = {"title": page.title, "slug": page.slug, "comments": inline_formset([])}
    if isinstance(page, ServicePage):
        fields.update(tagline=page.tagline, language_code=page.language_code, direction=page.direction,
                      base_url=page.base_url, contact_email=page.contact_email)
    else:
        fields.update(about=page.about, contact_email=page.contact_email)
    fields.update(changes)
    return nested_form_data(fields)


def _latest(page):
    """The page as last saved in the admin (a draft is a revision, not the page row)."""
    return type(page).objects.get(pk=page.pk).get_latest_revision_as_object()


def _admin(name, *args):
    return reverse(f"wagtailadmin_pages:{name}", args=args)


# --- each action: do it through the admin, then say whether it took effect ---------------


def act(action, client, people, role, target):
    """Perform `action` as `role` on `target`; return whether it changed anything."""
    blog, other_blog = _blogs(target)
    owner = _owner(people, role, target)
    user = people[role]

    if action == "view edit form":
        post = _post(blog, owner)
        client.force_login(user)
        response = client.get(_admin("edit", post.pk))
        return response.status_code == 200 and b'name="title"' in response.content

    if action == "save draft":
        post = _post(blog, owner)
        client.force_login(user)
        client.post(_admin("edit", post.pk), _post_form(post, "Changed headline"))
        return _latest(post).title == "Changed headline"

    if action == "submit for review":
        post = _post(blog, owner)
        client.force_login(user)
        client.post(_admin("edit", post.pk), {**_post_form(post, post.title), "action-submit": "1"})
        return WorkflowState.objects.filter(object_id=str(post.pk), status="in_progress").exists()

    if action == "publish":
        post = _post(blog, owner)
        client.force_login(user)
        client.post(_admin("edit", post.pk), {**_post_form(post, post.title), "action-publish": "1"})
        post.refresh_from_db()
        return post.live

    if action == "approve in review":
        post = _post(blog, owner, state="in review")
        task_state = post.current_workflow_task_state
        client.force_login(user)
        client.post(_admin("workflow_action", post.pk, "approve", task_state.pk), {"comment": ""})
        post.refresh_from_db()
        return post.live

    if action == "unpublish":
        post = _post(blog, owner, state="live")
        client.force_login(user)
        client.post(_admin("unpublish", post.pk))
        post.refresh_from_db()
        return not post.live

    if action == "unschedule":
        post = _post(blog, owner, state="scheduled")
        revision = post.revisions.get(approved_go_live_at__isnull=False)
        client.force_login(user)
        client.post(_admin("revisions_unschedule", post.pk, revision.pk))
        revision.refresh_from_db()
        return revision.approved_go_live_at is None

    if action.startswith("delete"):
        post = _post(blog, owner, state="scheduled" if "scheduled" in action else "draft")
        client.force_login(user)
        client.post(_admin("delete", post.pk))
        post = PostPage.objects.filter(pk=post.pk).first()
        assert post is not None, "a post is never destroyed by a delete in the admin"
        return not post.is_descendant_of(blog)

    if action.startswith("move"):
        post = _post(blog, owner, state="scheduled")
        client.force_login(user)
        client.post(_admin("move_confirm", post.pk, other_blog.pk))
        return PostPage.objects.get(pk=post.pk).is_descendant_of(other_blog)

    if action.startswith("copy"):
        post = _post(blog, owner)
        client.force_login(user)
        client.post(_admin("copy", post.pk), {
            "new_title": "Copied story", "new_slug": "copied-story", "new_parent_page": other_blog.pk,
        })
        return PostPage.objects.filter(slug="copied-story").exists()

    if action in ("edit edition settings", "edit blog settings"):
        page = blog.get_parent().specific if "edition" in action else blog
        client.force_login(user)
        client.post(_admin("edit", page.pk), _settings_form(page, title=f"{page.title} (changed)"))
        return _latest(page).title.endswith("(changed)")

    if action == "add an image":
        client.force_login(user)
        before = get_image_model().objects.count()
        client.post(reverse("wagtailimages:add"), {"title": "Upload", "file": _jpeg(), "description": "alt"})
        return get_image_model().objects.count() == before + 1

    if action == "edit an image":
        image = get_image_model().objects.create(
            title="Someone's photo", file=_jpeg(), uploaded_by_user=owner, description="alt"
        )
        client.force_login(user)
        client.post(reverse("wagtailimages:edit", args=[image.pk]), {"title": "Renamed", "description": "alt"})
        image.refresh_from_db()
        return image.title == "Renamed"

    if action == "make private":
        post = _post(blog, owner, state="live")
        client.force_login(user)
        client.post(_admin("set_privacy", post.pk), {"restriction_type": "password", "password": "only-us"})
        return PageViewRestriction.objects.filter(page=post).exists()

    raise AssertionError(f"no such action in the matrix: {action}")


@pytest.mark.parametrize("action, role, target, allowed", matrix_cases(MATRIX, ROLES, TARGETS))
def test_authorisation_matrix(client, people, action, role, target, allowed):
    took_effect = act(action, client, people, role, target)
    assert took_effect is allowed, (
        f"{role} {'should' if allowed else 'must not'} be able to {action} on {target} — "
        f"it {'did' if took_effect else 'did not'}"
    )


def test_contributors_see_only_their_own_originals(client, people):
    """The chooser lets a contributor use any photo (as a thumbnail); the image library and
    the edit page, which link the uploaded original, show them only their own uploads."""
    Image = get_image_model()
    theirs = Image.objects.create(title="Colleague photo", file=_jpeg(), uploaded_by_user=people["colleague"], description="alt")
    mine = Image.objects.create(title="My photo", file=_jpeg(), uploaded_by_user=people["contributor"], description="alt")
    client.force_login(people["contributor"])

    library = client.get(reverse("wagtailimages:index")).content.decode()
    assert mine.title in library and theirs.title not in library
    assert client.get(reverse("wagtailimages:edit", args=[theirs.pk])).status_code in (302, 403)
    chooser = client.get(reverse("wagtailimages_chooser:choose")).json()["html"]
    assert theirs.title in chooser and theirs.file.url not in chooser


def test_only_who_assigns_bylines_sees_which_are_pen_names(client, people):
    """Contributors may look the bylines up, but which of them are pen names is for the
    editors and administrators who assign them."""
    heading = str(Author._meta.get_field("is_pen_name").verbose_name)
    listing = reverse("wagtailsnippets_newsroom_author:list")
    seen = {}
    for role in ("contributor", "editor", "administrator"):
        client.force_login(people[role])
        response = client.get(listing)
        assert response.status_code == 200, role
        page = response.content.decode()
        assert Author.objects.order_by("name").first().name in page, role
        seen[role] = heading.casefold() in page.casefold()
    assert seen == {"contributor": False, "editor": True, "administrator": True}


def test_nobody_is_offered_a_private_page_not_even_a_superuser(client, people, django_user_model):
    """A "private" page would still be baked into the public files, so the admin neither
    offers the privacy setting nor accepts it."""
    post = _post(_blogs("own")[0], people["editor"], state="live")
    root = django_user_model.objects.create_superuser("root-user", "root@example.org", "x")
    client.force_login(root)
    edit = client.get(_admin("edit", post.pk)).content.decode()
    assert 'data-a11y-dialog-show="set-privacy"' not in edit, "no 'Change privacy' button"
    assert client.get(_admin("set_privacy", post.pk)).status_code in (302, 403)
    client.post(_admin("set_privacy", post.pk), {"restriction_type": "password", "password": "only-us"})
    assert not PageViewRestriction.objects.exists()

"""Who may do what to a page, beyond what the group page permissions grant.

The groups hold Wagtail's page permissions (`services.edition_desks_ensure`): contributors
`add` in the blogs of their editions (which lets them edit their own posts), editors also
`change` and `publish` there, administrators everything from the root. Wagtail's own
rules would still let a contributor delete or move their own drafts and an editor delete
any post of their edition; this tester closes that:

- delete: administrators only (and a post is not destroyed: see `services.post_trash`);
- move: only someone who may publish the page (Wagtail checks the destination);
- copy: only someone who may publish the page (Wagtail checks the destination);
- privacy: nobody. The reader site is plain files anyone can copy; a page "private" in the
  admin would still be baked, listed and mirrored for everyone, so the option is not offered.

Page models use it through `ReaderPage.permissions_for_user`; the admin hooks build it
directly, because some Wagtail views check a plain `Page`, which would use Wagtail's tester.
"""

from wagtail.models import PagePermissionTester

ADMINISTRATOR_PERMISSION = "bulk_delete"  # held only by Administrators, at the root


class NewsroomPagePermissionTester(PagePermissionTester):
    def is_administrator(self):
        return self.user.is_active and (
            self.user.is_superuser or ADMINISTRATOR_PERMISSION in self.permissions
        )

    def may_publish_here(self):
        return self.user.is_active and (self.user.is_superuser or "publish" in self.permissions)

    def can_delete(self, ignore_bulk=False):
        return self.is_administrator() and super().can_delete(ignore_bulk=ignore_bulk)

    def can_move(self):
        # Wagtail's rule is "may delete it"; ours is "may publish it", so editors still move
        # posts between the blogs they edit and contributors move nothing.
        return (
            not self.page_is_root
            and self.may_publish_here()
            and PagePermissionTester.can_delete(self, ignore_bulk=True)
        )

    def can_copy(self):
        return self.may_publish_here() and super().can_copy()

    def can_set_view_restrictions(self):
        return False


def page_permissions(user, page):
    """The newsroom's permission tester for any page, specific or not."""
    return NewsroomPagePermissionTester(user, page)

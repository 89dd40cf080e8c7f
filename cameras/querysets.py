"""Camera querysets restricted to what a user may reach (NetBox's `restrict()`)."""

import re

from django.db import models
from django.db.models import Q

from organizations.choices import Action
from organizations.models import Membership
from organizations.selectors import folder_ids_granted


def _tag_filter(tags: frozenset[str]) -> Q:
    """Cameras whose comma-separated `tags` share one of `tags` (LightNVR's tag RBAC)."""
    # re.escape output is valid for both PostgreSQL and SQLite's Python-backed REGEXP.
    condition = Q(pk__in=[])
    for tag in tags:
        condition |= Q(tags__iregex=rf"(^|,)\s*{re.escape(tag)}\s*(,|$)")
    return condition


class CameraQuerySet(models.QuerySet):
    def for_user(self, user, action: str = Action.VIEW, organization=None) -> "CameraQuerySet":
        """Cameras `user` may perform `action` on, optionally within one organization.

        Domain administrators reach everything; organization administrators (owner included) every
        camera of their organization; other members what camera grants, or else the nearest folder
        grant, allow. A user with `allowed_tags` sees only cameras sharing one of them. The same
        rule for one camera and one user, in Python: `cameras.access.camera_rights`.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        cameras = self if organization is None else self.filter(organization=organization)
        if user.is_domain_admin:
            return cameras
        memberships = Membership.objects.filter(user=user)
        if organization is not None:
            memberships = memberships.filter(organization=organization)
        administered, member_orgs = [], []
        for org_id, is_admin, owner_id, can_view in memberships.values_list(
            "organization_id", "is_admin", "organization__owner_id", "can_view_cameras"
        ):
            if is_admin or owner_id == user.pk:  # organizations.selectors.ADMIN_MEMBERSHIP
                administered.append(org_id)
            elif can_view:
                member_orgs.append(org_id)
        reachable = Q(organization_id__in=administered)
        if member_orgs:
            reachable |= Q(organization_id__in=member_orgs) & self._granted(user, member_orgs, action)
        cameras = cameras.filter(reachable)
        tags = user.allowed_tag_set
        if tags is not None:
            cameras = cameras.filter(_tag_filter(tags))
        return cameras

    @staticmethod
    def _granted(user, organization_ids: list[int], action: str) -> Q:
        from cameras.models import CameraGrant  # models import this module

        camera_grants = list(
            CameraGrant.objects.filter(user=user, camera__organization_id__in=organization_ids)
        )
        allowed = [g.camera_id for g in camera_grants if g.allows(action)]
        overridden = [g.camera_id for g in camera_grants]
        folders = folder_ids_granted(user=user, organization_ids=organization_ids, action=action)
        return Q(id__in=allowed) | (Q(folder_id__in=folders) & ~Q(id__in=overridden))

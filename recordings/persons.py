"""The face identification database (Watcher persons and person lists): who may read it, and deletes.

Rights come from the organization membership: `can_view_persons_lists` to read,
`can_edit_persons_lists` to change (editing implies reading); organization and domain
administrators hold both. Another organization's person is not found; a member without the
right is refused (PermissionDenied).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cameras.models import Camera
from organizations.choices import AuditKind
from organizations.exceptions import ObjectNotFound
from organizations.models import Membership, Organization
from organizations.selectors import organization_list_for_user
from organizations.services import audit_event_record
from recordings.models import Person, PersonList

FACE_ANALYTICS = "faces"  # Camera.vision["alg"] of the cameras that match faces against the lists
MAX_ID = 2**63 - 1  # a larger id cannot be in a 64-bit column; the database would refuse the query


def organizations_with_persons_right(user, *, edit: bool = False) -> QuerySet[Organization]:
    """Organizations where `user` may read (or, with `edit`, change) the persons and person lists."""
    organizations = organization_list_for_user(user=user)
    if not user.is_authenticated or user.is_domain_admin:
        return organizations
    right = Q(is_admin=True) | Q(can_edit_persons_lists=True)
    if not edit:
        right |= Q(can_view_persons_lists=True)
    allowed = Membership.objects.filter(right, user=user).values("organization_id")
    return organizations.filter(id__in=allowed)


def _readable(user) -> QuerySet[Organization]:
    organizations = organizations_with_persons_right(user)
    if not organizations.exists():
        raise PermissionDenied("you may not view the persons lists of any organization")
    return organizations


def person_list_for_user(user) -> QuerySet[Person]:
    """Persons of the organizations whose lists `user` may view, soft-deleted ones included."""
    return Person.objects.filter(organization__in=_readable(user)).select_related(
        "organization", "person_list"
    )


def person_lists_for_user(user) -> QuerySet[PersonList]:
    """Person lists `user` may view, with `n_persons` (live persons) and `n_cameras` annotated."""
    persons = (
        Person.objects.filter(person_list=OuterRef("pk"), deleted_at__isnull=True)
        .order_by()
        .values("person_list")
        .annotate(n=Count("pk"))
        .values("n")
    )
    cameras = (
        Camera.objects.filter(organization=OuterRef("organization"), vision__alg=FACE_ANALYTICS)
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    zero = 0
    return (
        PersonList.objects.filter(organization__in=_readable(user))
        .select_related("organization")
        .annotate(
            n_persons=Coalesce(Subquery(persons, output_field=IntegerField()), zero),
            n_cameras=Coalesce(Subquery(cameras, output_field=IntegerField()), zero),
        )
    )


def access_person(user, person_id, *, edit: bool = False) -> Person:
    """The person if `user` may view (or edit) it; ObjectNotFound outside their organizations."""
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise ObjectNotFound("person not found") from None
    if not 0 < person_id <= MAX_ID:
        raise ObjectNotFound("person not found")
    person = (
        Person.objects.filter(pk=person_id, organization__in=organization_list_for_user(user=user))
        .select_related("organization", "person_list")
        .first()
    )
    if person is None:
        raise ObjectNotFound("person not found")
    if not organizations_with_persons_right(user, edit=edit).filter(pk=person.organization_id).exists():
        verb = "change" if edit else "view"
        raise PermissionDenied(f"you may not {verb} the persons lists of this organization")
    return person


@transaction.atomic
def person_delete(*, person: Person, actor) -> Person:
    """Soft delete: the person stays listed with `deleted_at` set; deleting again changes nothing."""
    if person.deleted_at is not None:
        return person
    now = timezone.now()
    person.deleted_at = now
    person.updated_at = now  # clients sync on updated_at
    person.save(update_fields=["deleted_at", "updated_at"])
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=person.organization,
        object_type="person",
        object_id=person.pk,
        message=f"deleted person {person}",
    )
    return person

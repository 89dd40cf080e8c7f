"""Messages between users of an organization: who may send one, sending, and soft deletion."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_send
from organizations.exceptions import ObjectNotFound
from organizations.models import Membership, Message, Organization
from organizations.selectors import organization_list_for_user


def message_list_for_user(*, user) -> QuerySet[Message]:
    """The messages `user` received or sent, deleted ones included (they carry `deleted_at`)."""
    return Message.objects.filter(Q(recipient=user) | Q(sender=user)).select_related("sender", "recipient")


def message_get(*, user, message_id) -> Message:
    """One message `user` received or sent; any other is ObjectNotFound."""
    try:
        return message_list_for_user(user=user).get(id=int(message_id))
    except (Message.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("message not found") from None


def message_organization(*, sender, recipient: User) -> Organization:
    """The organization a message from `sender` to `recipient` belongs to.

    The recipient must share an organization with the sender (a domain administrator reaches
    every one), else ObjectNotFound: other tenants' users are not revealed. In it the sender must
    be a domain administrator, an organization administrator or hold `can_edit_users`, else
    PermissionDenied (catalog §5.15.2).
    """
    shared = organization_list_for_user(user=sender).filter(memberships__user=recipient).order_by("id")
    if not shared.exists():
        raise ObjectNotFound("user not found")
    if sender.is_domain_admin:
        return shared.first()
    allowed = Membership.objects.filter(user=sender, organization__in=shared).filter(
        Q(is_admin=True) | Q(can_edit_users=True)
    )
    membership = allowed.select_related("organization").order_by("organization_id").first()
    if membership is None:
        raise PermissionDenied(
            "sending messages needs the right to edit users in the recipient's organization"
        )
    return membership.organization


@transaction.atomic
def message_send(*, sender, recipient_id: int, is_push: bool = False, **fields) -> tuple[Message, int]:
    """Store a message to `recipient_id` and, if `is_push`, push it to the recipient's browsers.

    `fields`: title, body, level, is_dashboard. Returns the message and how many browser
    subscriptions the push goes to (0 without `is_push`); the push leaves after commit.
    """
    recipient = User.objects.filter(id=recipient_id, is_active=True).first()
    if recipient is None:
        raise ObjectNotFound("user not found")
    organization = message_organization(sender=sender, recipient=recipient)
    message = Message(
        organization=organization, sender=sender, recipient=recipient, is_push=is_push, **fields
    )
    message.full_clean()
    message.save()
    devices = 0
    if is_push:
        data = {"type": "message", "message_id": message.id, "level": message.level}
        devices = notification_send(user=recipient, title=message.title, body=message.body, data=data)
    return message, devices


def message_delete(*, message: Message) -> Message:
    """Mark the message deleted (a soft delete: it stays listed with `is_deleted`); idempotent."""
    if message.deleted_at is None:
        message.deleted_at = timezone.now()
        message.save(update_fields=["deleted_at"])
    return message

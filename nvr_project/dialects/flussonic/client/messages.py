"""Messages between users of an organization (catalog §5.15, §6.22).

The caller sees the messages they received or sent. Deletion is soft: a deleted message keeps
being listed with `is_deleted: true` (filter `is_deleted=false` for live ones).
"""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from organizations.choices import MessageLevel
from organizations.models import Message
from organizations.services.messages import message_delete, message_get, message_list_for_user, message_send

from ..collections import Collection, Field
from ..errors import InvalidBody
from ..openapi import BOOL, INT, TEXT, collection, collection_parameters, component, nullable, obj, responses
from .base import WatcherClientView

MESSAGE_FIELDS = {
    "id": Field("id", "int"),
    "title": Field("title"),
    "body": Field("body"),
    "type": Field("level"),
    "is_push": Field("is_push", "bool"),
    "is_dashboard": Field("is_dashboard", "bool"),
    "is_deleted": Field(
        lambda request: ExpressionWrapper(Q(deleted_at__isnull=False), output_field=BooleanField()), "bool"
    ),
    "was_read": Field("was_read", "bool"),
    "sender.id": Field("sender_id", "int", nullable=True),
    "sender.name": Field("sender__login", nullable=True),
    "user.id": Field("recipient_id", "int"),
    "user.name": Field("recipient__login"),
}

MESSAGES = Collection(fields=MESSAGE_FIELDS, items_key="messages", default_sort=("id",), required=("id",))
TITLE_LIMIT = Message._meta.get_field("title").max_length

PERSON = obj("id", "name", id=INT, name=TEXT)
MESSAGE_TYPE = {"type": "string", "enum": list(MessageLevel.values)}
MESSAGE_PROPERTIES = {
    "title": TEXT,
    "body": {**TEXT, "description": "Markdown"},
    "type": MESSAGE_TYPE,
    "is_push": BOOL,
    "is_dashboard": BOOL,
    "id": INT,
    "is_deleted": BOOL,
    "sender": nullable(PERSON),  # null once the sender's account is deleted
    "user": PERSON,
    "was_read": BOOL,
}
MESSAGE_SCHEMA = component("Message", obj(*MESSAGE_PROPERTIES, **MESSAGE_PROPERTIES))
MESSAGE_SEND_SCHEMA = component(
    "MessageSend",
    obj(
        "title",
        "user_id",
        title=TEXT,
        body=TEXT,
        type=MESSAGE_TYPE,
        is_push=BOOL,
        is_dashboard=BOOL,
        user_id=INT,
    ),
)


def serialize_message(message: Message) -> dict:
    sender = message.sender
    return {
        "title": message.title,
        "body": message.body,
        "type": message.level,
        "is_push": message.is_push,
        "is_dashboard": message.is_dashboard,
        "id": message.id,
        "is_deleted": message.deleted_at is not None,
        "sender": {"id": sender.id, "name": sender.login} if sender else None,  # the sender's account is gone
        "user": {"id": message.recipient.id, "name": message.recipient.login},
        "was_read": message.was_read,
    }


def parse_message_body(body) -> dict:
    """message_send's keyword arguments from a body; 400 naming every bad field (§4)."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields = [], {}
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or "\x00" in title:
        problems.append(("/title", "is required and must be a non-empty string"))
    elif len(title) > TITLE_LIMIT:
        problems.append(("/title", f"must have at most {TITLE_LIMIT} characters"))
    else:
        fields["title"] = title
    if "body" in body:
        if isinstance(body["body"], str) and "\x00" not in body["body"]:
            fields["body"] = body["body"]
        else:
            problems.append(("/body", "must be a string without NUL characters"))
    if "type" in body:
        if body["type"] in MessageLevel.values:
            fields["level"] = body["type"]
        else:
            problems.append(("/type", f"must be one of: {', '.join(MessageLevel.values)}"))
    for key in ("is_push", "is_dashboard"):
        if key in body:
            if isinstance(body[key], bool):
                fields[key] = body[key]
            else:
                problems.append((f"/{key}", "must be a boolean"))
    user_id = body.get("user_id")
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        problems.append(("/user_id", "is required and must be an integer"))
    else:
        fields["recipient_id"] = user_id
    if problems:
        raise InvalidBody(problems)
    return fields


class MessageListView(WatcherClientView):
    """GET /messages (the caller's messages) and POST /messages (send one)."""

    @extend_schema(
        operation_id="messages_list",
        parameters=collection_parameters(MESSAGES),
        responses=responses(collection(MESSAGES, MESSAGE_SCHEMA), 400),
    )
    def get(self, request):
        page = MESSAGES.page(
            request,
            message_list_for_user(user=self.user),
            lambda rows, selection: [serialize_message(m) for m in rows],
        )
        return Response(page)

    @extend_schema(
        operation_id="message_send",
        request={"application/json": MESSAGE_SEND_SCHEMA},
        responses=responses({"allOf": [MESSAGE_SCHEMA, obj("devices", devices=INT)]}, 400, 403, 404),
    )
    def post(self, request):
        message, devices = message_send(sender=self.user, **parse_message_body(request.data))
        return Response({**serialize_message(message), "devices": devices})


class MessageDetailView(WatcherClientView):
    """GET and DELETE /messages/{message_id}: a message the caller received or sent, else 404."""

    @extend_schema(operation_id="message_get", responses=responses(MESSAGE_SCHEMA, 404))
    def get(self, request, message_id: int):
        return Response(serialize_message(message_get(user=self.user, message_id=message_id)))

    @extend_schema(operation_id="message_delete", responses=responses(None, 404, status=204))
    def delete(self, request, message_id: int):
        message_delete(message=message_get(user=self.user, message_id=message_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("messages", MessageListView.as_view(), name="messages_list"),  # also message_send
    path("messages/<int:message_id>", MessageDetailView.as_view(), name="message_get"),  # also message_delete
]

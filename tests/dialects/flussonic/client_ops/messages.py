"""Registry rows: messages."""

import json

from organizations.models import Message

from ..registry import JSON, Operation

NOTICE = {
    "title": "Attention! Maintenance work is in progress.\n",
    "body": "**Maintenance work is in progress.**\n",
    "type": "warning",
    "is_push": False,
    "is_dashboard": False,
}


def notice(world, *, sender=None, recipient=None, organization=None) -> Message:
    """A message from alice to bob in org A unless told otherwise."""
    return Message.objects.create(
        organization=organization or world.org_a,
        sender=sender or world.alice,
        recipient=recipient or world.bob,
        title=NOTICE["title"],
        body=NOTICE["body"],
        level=NOTICE["type"],
        is_dashboard=False,
    )


def seed_message(world) -> dict:
    """The seed's Message (001 l.2309-2327) for `notice(world)`."""
    message = Message.objects.filter(sender=world.alice, recipient=world.bob).first() or notice(world)
    return {
        **NOTICE,
        "id": message.id,
        "is_deleted": False,
        "sender": {"id": world.alice.id, "name": "alice"},
        "user": {"id": world.bob.id, "name": "bob"},
        "was_read": False,
    }


def check_messages_list(world, api):
    expected = seed_message(world)
    notice(world, sender=world.carol, recipient=world.carol, organization=world.org_b)
    for login in ("alice", "bob"):  # the sender and the recipient both see it; carol's stays hers
        response = api("GET", "/messages", login=login)
        assert response.status_code == 200
        assert response.json() == {"estimated_count": 1, "timing": {}, "messages": [expected]}


def check_message_send(world, api):
    body = {key: NOTICE[key] for key in ("title", "body", "type", "is_push", "is_dashboard")}
    response = api(
        "POST",
        "/messages",
        login="alice",
        data=json.dumps({**body, "user_id": world.bob.id}),
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json() == {**seed_message(world), "devices": 0}


def check_message_get(world, api):
    expected = seed_message(world)
    response = api("GET", f"/messages/{expected['id']}", login="bob")
    assert response.status_code == 200 and response.json() == expected


def check_message_delete(world, api):
    expected = seed_message(world)
    response = api("DELETE", f"/messages/{expected['id']}", login="bob")
    assert response.status_code == 204 and response.content == b""
    assert api("GET", f"/messages/{expected['id']}", login="bob").json() == {**expected, "is_deleted": True}


def alice_message_path(world) -> str:
    return f"/messages/{notice(world).id}"


def carol_message_path(world) -> str:
    return (
        f"/messages/{notice(world, sender=world.carol, recipient=world.carol, organization=world.org_b).id}"
    )


OPERATIONS: dict[str, Operation] = {
    "messages_list": Operation("GET", "/messages", check_messages_list),
    "message_send": Operation("POST", "/messages", check_message_send, route="messages_list"),
    "message_get": Operation("GET", alice_message_path, check_message_get, foreign_path=carol_message_path),
    "message_delete": Operation(
        "DELETE",
        alice_message_path,
        check_message_delete,
        foreign_path=carol_message_path,
        route="message_get",
    ),
}

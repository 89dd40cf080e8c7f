"""Messages between users of an organization (catalog §5.15, §6.22): who may send, who sees, soft delete."""

import json

import pytest

from accounts.choices import Role
from organizations.models import Membership, Message
from tests.factories import MembershipFactory, UserFactory

pytest_plugins = ["tests.support.push_service"]

JSON = "application/json"


@pytest.fixture
def send(api):
    """`send(body, login="alice")`: POST /messages."""

    def request(body: dict, login: str = "alice"):
        return api("POST", "/messages", login=login, data=json.dumps(body), content_type=JSON)

    return request


def listed(api, login: str, query: str = "") -> list[int]:
    response = api("GET", "/messages" + query, login=login)
    assert response.status_code == 200, response.content
    return [m["id"] for m in response.json()["messages"]]


def test_a_pushed_message_reaches_the_recipients_browsers(
    world, send, api, push_service, celery_eager, django_capture_on_commit_callbacks
):
    browsers = [push_service.subscription(), push_service.subscription()]
    for browser in browsers:
        body = json.dumps(browser.json())
        assert (
            api("POST", "/web_push/subscribe", login="bob", data=body, content_type=JSON).status_code == 204
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            {"title": "Door open", "body": "**Check** the lobby", "is_push": True, "user_id": world.bob.id}
        )
    assert response.status_code == 200, response.content
    message = response.json()
    assert message["devices"] == 2 and message["type"] == "info" and message["is_push"] is True
    for push in push_service.wait_for(2):
        (browser,) = [b for b in browsers if b.endpoint == push_service.origin + push.path]
        assert json.loads(browser.decrypt(push.body)) == {
            "title": "Door open",
            "body": "**Check** the lobby",
            "type": "message",
            "message_id": message["id"],
            "level": "info",
        }
    assert listed(api, "bob") == [message["id"]]


def test_a_message_without_push_reaches_no_browser(
    world, send, api, push_service, celery_eager, django_capture_on_commit_callbacks
):
    body = json.dumps(push_service.subscription().json())
    api("POST", "/web_push/subscribe", login="bob", data=body, content_type=JSON)
    with django_capture_on_commit_callbacks(execute=True):
        response = send({"title": "FYI", "user_id": world.bob.id})
    assert response.json()["devices"] == 0 and push_service.received == []


def test_another_organizations_user_is_not_found(world, send):
    response = send({"title": "Hello", "user_id": world.carol.id})
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    assert send({"title": "Hello", "user_id": 999_999}).status_code == 404
    assert not Message.objects.exists()


def test_sending_needs_the_right_to_edit_users(world, send):
    assert send({"title": "Hi", "user_id": world.alice.id}, login="bob").status_code == 403
    Membership.objects.filter(user=world.bob).update(can_edit_users=True)
    response = send({"title": "Hi", "user_id": world.alice.id}, login="bob")
    assert response.status_code == 200
    assert Message.objects.get().organization == world.org_a


def test_a_domain_administrator_may_message_any_organizations_user(world, send):
    UserFactory(login="root", role=Role.ADMIN)
    response = send({"title": "Maintenance", "type": "danger", "user_id": world.carol.id}, login="root")
    assert response.status_code == 200, response.content
    assert Message.objects.get().organization == world.org_b


def test_a_message_body_is_checked_field_by_field(world, send):
    response = send({"title": "", "body": 1, "type": "urgent", "is_push": "yes", "is_dashboard": 0})
    assert response.status_code == 400
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == [
        "/title",
        "/body",
        "/type",
        "/is_push",
        "/is_dashboard",
        "/user_id",
    ]


def test_only_the_sender_and_the_recipient_see_a_message(world, send, api):
    dave = UserFactory(login="dave")
    MembershipFactory(user=dave, organization=world.org_a, is_admin=True)
    message_id = send({"title": "Private", "user_id": world.bob.id}).json()["id"]
    assert listed(api, "alice") == listed(api, "bob") == [message_id]
    assert listed(api, "dave") == [] and listed(api, "carol") == []
    assert api("GET", f"/messages/{message_id}", login="dave").status_code == 404
    assert api("DELETE", f"/messages/{message_id}", login="carol").status_code == 404


def test_a_deleted_message_stays_listed_as_deleted(world, send, api):
    kept = send({"title": "Keep", "user_id": world.bob.id}).json()["id"]
    dropped = send({"title": "Drop", "user_id": world.bob.id}).json()["id"]
    assert api("DELETE", f"/messages/{dropped}", login="bob").status_code == 204
    assert (
        api("DELETE", f"/messages/{dropped}", login="bob").status_code == 204
    )  # already deleted: same answer
    assert listed(api, "bob") == [kept, dropped]
    assert listed(api, "bob", "?is_deleted=false") == [kept]
    assert api("GET", f"/messages/{dropped}", login="alice").json()["is_deleted"] is True


def test_messages_page_with_cursors_and_sort(world, send, api):
    ids = [send({"title": f"Note {n}", "user_id": world.bob.id}).json()["id"] for n in range(3)]
    first = api("GET", "/messages?limit=2&sort=-id", login="bob").json()
    assert [m["id"] for m in first["messages"]] == ids[:0:-1] and "next" in first
    rest = api("GET", f"/messages?limit=2&sort=-id&cursor={first['next']}", login="bob").json()
    assert [m["id"] for m in rest["messages"]] == [ids[0]] and "next" not in rest
    assert listed(api, "bob", "?title_like=note 1") == [ids[1]]


def test_a_long_message_is_pushed_shortened_and_kept_whole(
    world, send, api, push_service, celery_eager, django_capture_on_commit_callbacks
):
    browser = push_service.subscription()
    api("POST", "/web_push/subscribe", login="bob", data=json.dumps(browser.json()), content_type=JSON)
    text = "Камера в холле недоступна. " * 300  # about 14 kB of UTF-8: far beyond one push record
    with django_capture_on_commit_callbacks(execute=True):
        message = send({"title": "Outage", "body": text, "is_push": True, "user_id": world.bob.id}).json()
    (push,) = push_service.wait_for(1)
    plain = browser.decrypt(push.body)
    pushed = json.loads(plain)["body"]
    assert len(plain) <= 3000 and pushed.endswith("…") and text.startswith(pushed[:-1])
    assert api("GET", f"/messages/{message['id']}", login="bob").json()["body"] == text

"""Device tokens, event subscriptions, web push and notification_send (catalog §5.5.3-5.5.4, §5.7, §5.11).

Pushes are delivered for real to a push service on 127.0.0.1 (tests/support/push_service.py),
which decrypts them with the browser's keys and checks their VAPID signature.
"""

import json
import time
from urllib.parse import quote

import pytest

from accounts.models import DeviceToken, VapidKey, WebPushSubscription
from accounts.services.notifications import vapid_public_key
from cameras.models import EventSubscription
from cameras.services.event_subscriptions import camera_event_notify
from organizations.models import FolderGrant

pytest_plugins = ["tests.support.push_service"]

JSON = "application/json"
SUBSCRIBE = "/profile/subscriptions/stream_event"


@pytest.fixture
def send(api):
    """`send(method, path, body, login="alice")`: a JSON request."""

    def request(method: str, path: str, body, login: str = "alice"):
        return api(method, path, login=login, data=json.dumps(body), content_type=JSON)

    return request


def pointers(response) -> list[str]:
    assert response.status_code == 400, response.content
    return [error["source"]["pointer"] for error in response.json()["errors"]]


def exists(api, endpoint: str, login: str = "alice") -> int:
    return api("GET", "/web_push/subscription?endpoint=" + quote(endpoint, safe=""), login=login).status_code


# --- device tokens ------------------------------------------------------------------------------


def test_a_new_device_token_needs_its_platform(world, send):
    assert pointers(send("PUT", "/profile/device-tokens/t1", {"device": {"model": "iPhone"}})) == [
        "/device/platform"
    ]
    assert pointers(send("PUT", "/profile/device-tokens/t1", {"device": "ios"})) == ["/device"]
    bad = send(
        "PUT", "/profile/device-tokens/t1", {"device": {"platform": "", "model": 15, "version": "x" * 51}}
    )
    assert pointers(bad) == ["/device/platform", "/device/model", "/device/version"]
    assert not DeviceToken.objects.exists()


def test_refreshing_a_device_token_keeps_what_is_not_sent(world, send):
    send(
        "PUT",
        "/profile/device-tokens/t1",
        {"device": {"platform": "ios", "model": "iPhone 15", "version": "17"}},
    )
    response = send("PUT", "/profile/device-tokens/t1", {"device": {"version": "18"}})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "token": "t1",
        "device": {"model": "iPhone 15", "platform": "ios", "version": "18"},
    }


def test_a_device_token_saved_by_another_user_moves_to_them(world, send):
    send("PUT", "/profile/device-tokens/shared-phone", {"device": {"platform": "android"}}, login="alice")
    assert (
        send("PUT", "/profile/device-tokens/shared-phone", {}, login="carol").status_code == 400
    )  # new to her
    response = send(
        "PUT", "/profile/device-tokens/shared-phone", {"device": {"platform": "android"}}, login="carol"
    )
    assert response.status_code == 200
    assert DeviceToken.objects.get(token="shared-phone").user == world.carol


# --- event subscriptions ------------------------------------------------------------------------


def test_subscribing_to_a_stream_out_of_reach_is_404(world, send):
    body = {"event_types": {"episode_generic": True}, "notification_type": "push"}
    assert send("POST", SUBSCRIBE, {**body, "stream_name": "b-gate"}).status_code == 404  # org B
    assert (
        send("POST", SUBSCRIBE, {**body, "stream_name": "a-vault"}, login="bob").status_code == 404
    )  # no grant
    assert send("POST", SUBSCRIBE, {**body, "stream_name": "a-lobby"}, login="bob").status_code == 200
    assert not EventSubscription.objects.exclude(user=world.bob).exists()


def test_an_event_subscription_body_is_checked_field_by_field(world, send):
    assert pointers(send("POST", SUBSCRIBE, {})) == ["/stream_name", "/event_types", "/notification_type"]
    body = {"stream_name": "a-lobby", "event_types": {"episode_face": "yes"}, "notification_type": "sms"}
    assert pointers(send("POST", SUBSCRIBE, body)) == ["/event_types/episode_face", "/notification_type"]
    body = {**body, "event_types": {}, "notification_type": "push", "notification_frequency": -1}
    assert pointers(send("POST", SUBSCRIBE, body)) == ["/notification_frequency"]


def test_subscribing_again_updates_the_one_subscription(world, send):
    first = {
        "stream_name": "a-lobby",
        "event_types": {"episode_generic": False, "episode_vehicle": True, "episode_face": False},
        "notification_type": "push",
        "notification_frequency": 300,
    }
    send("POST", SUBSCRIBE, first)
    response = send(
        "POST",
        SUBSCRIBE,
        {"stream_name": "a-lobby", "event_types": {"episode_face": True}, "notification_type": "push"},
    )
    assert response.json() == {
        "stream_name": "a-lobby",
        "event_types": {
            "episode_generic": False,
            "episode_vehicle": True,
            "episode_face": True,
            "stream_dead": False,
        },
        "notification_type": "push",
        "notification_frequency": 300,
    }
    assert EventSubscription.objects.filter(user=world.alice).count() == 1


def test_stream_dead_is_stored_and_returned(world, send):
    body = {"stream_name": "a-lobby", "event_types": {"stream_dead": True}, "notification_type": "push"}
    response = send("POST", SUBSCRIBE, body)
    assert response.status_code == 200, response.content
    assert response.json()["event_types"]["stream_dead"] is True
    assert EventSubscription.objects.get(user=world.alice).on_stream_dead is True
    assert pointers(send("POST", SUBSCRIBE, {**body, "event_types": {"stream_dead": 1}})) == [
        "/event_types/stream_dead"
    ]
    body = {**body, "event_types": {"stream_dead": False}}
    assert send("POST", SUBSCRIBE, body).json()["event_types"]["stream_dead"] is False


# --- web push subscriptions ---------------------------------------------------------------------


def test_a_subscription_body_is_checked_field_by_field(world, send, push_service):
    good = push_service.subscription().json()
    assert pointers(send("POST", "/web_push/subscribe", {})) == ["/endpoint", "/keys"]
    bad_keys = {"endpoint": "not a url", "keys": {"p256dh": "AAAA", "auth": good["keys"]["p256dh"]}}
    assert pointers(send("POST", "/web_push/subscribe", bad_keys)) == [
        "/endpoint",
        "/keys/p256dh",
        "/keys/auth",
    ]
    assert pointers(send("POST", "/web_push/subscribe", {**good, "keys": {}})) == [
        "/keys/p256dh",
        "/keys/auth",
    ]
    assert not WebPushSubscription.objects.exists()


def test_a_subscription_exists_for_its_own_user_only(world, send, api, push_service):
    browser = push_service.subscription()
    assert exists(api, browser.endpoint) == 404
    assert send("POST", "/web_push/subscribe", browser.json()).status_code == 204
    assert exists(api, browser.endpoint) == 204
    assert exists(api, browser.endpoint, login="carol") == 404
    unsubscribe = send("POST", "/web_push/unsubscribe", {"endpoint": browser.endpoint}, login="carol")
    assert unsubscribe.status_code == 404 and exists(api, browser.endpoint) == 204


def test_the_existence_check_needs_an_endpoint(world, api):
    response = api("GET", "/web_push/subscription", login="alice")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "endpoint"}


def test_a_browser_subscribed_by_another_user_stops_reaching_the_first(world, send, api, push_service):
    browser = push_service.subscription()
    send("POST", "/web_push/subscribe", browser.json(), login="alice")
    send("POST", "/web_push/subscribe", browser.json(), login="bob")
    assert exists(api, browser.endpoint, login="alice") == 404
    assert exists(api, browser.endpoint, login="bob") == 204


def test_unsubscribing_needs_an_endpoint(world, send):
    assert pointers(send("POST", "/web_push/unsubscribe", {"endpoint": 7})) == ["/endpoint"]


# --- notification_send: real delivery -------------------------------------------------------------


def test_a_test_notification_reaches_every_browser_encrypted_and_signed(
    world, send, api, push_service, celery_eager, django_capture_on_commit_callbacks
):
    browsers = [push_service.subscription(), push_service.subscription()]
    for browser in browsers:
        send("POST", "/web_push/subscribe", browser.json())
    before = int(time.time())
    with django_capture_on_commit_callbacks(execute=True):
        response = send("POST", "/notifications/notify", {"title": "Test", "body": "It works"})
    assert response.status_code == 204
    pushes = push_service.wait_for(2)
    by_path = {push.path: push for push in pushes}
    for browser in browsers:
        push = by_path[browser.endpoint.removeprefix(push_service.origin)]
        assert json.loads(browser.decrypt(push.body)) == {"title": "Test", "body": "It works", "type": "test"}
        assert push.headers["content-encoding"] == "aes128gcm" and int(push.headers["ttl"]) > 0
        # The key a browser reads from ui_settings to subscribe is the one that signs the pushes.
        published = api("GET", "/ui_settings").json()["web_push"]["vapid_public_key"]
        claims = push_service.vapid_claims(push, public_key=published)
        assert claims["sub"].startswith("mailto:") and claims["exp"] > before


def test_a_subscription_the_push_service_reports_gone_is_removed(
    world, send, push_service, celery_eager, django_capture_on_commit_callbacks
):
    live, gone = push_service.subscription(), push_service.subscription(status=410)
    for browser in (live, gone):
        send("POST", "/web_push/subscribe", browser.json())
    with django_capture_on_commit_callbacks(execute=True):
        send("POST", "/notifications/notify", {"title": "Test", "body": "Still there?"})
    push_service.wait_for(2)
    assert list(WebPushSubscription.objects.values_list("endpoint", flat=True)) == [live.endpoint]


def test_a_notification_goes_to_the_callers_browsers_only(
    world, send, push_service, celery_eager, django_capture_on_commit_callbacks
):
    carols = push_service.subscription()
    send("POST", "/web_push/subscribe", carols.json(), login="carol")
    with django_capture_on_commit_callbacks(execute=True):
        assert send("POST", "/notifications/notify", {"title": "Test", "body": "x"}).status_code == 204
    assert push_service.received == []  # delivery is synchronous here: a push would have arrived


def test_a_notification_needs_a_title_and_a_body(world, send):
    assert pointers(send("POST", "/notifications/notify", {"title": 1})) == ["/title", "/body"]


def test_a_missing_vapid_key_is_made_again_and_kept(db):
    VapidKey.objects.all().delete()  # migration 0002 made one; a flushed database has none
    made = vapid_public_key()
    assert vapid_public_key() == made and len(made) == 87  # base64url of a 65-byte uncompressed point


# --- stream events reach subscribers ------------------------------------------------------------


def test_a_stream_event_reaches_its_subscribers_at_most_once_per_frequency(
    world, send, push_service, celery_eager, django_capture_on_commit_callbacks
):
    browsers = {login: push_service.subscription() for login in ("alice", "bob")}
    for login, browser in browsers.items():
        send("POST", "/web_push/subscribe", browser.json(), login=login)
        body = {"stream_name": "a-lobby", "event_types": {"episode_face": True}, "notification_type": "push"}
        send("POST", SUBSCRIBE, {**body, "notification_frequency": 600}, login=login)
    FolderGrant.objects.filter(user=world.bob).delete()  # bob lost the lobby since he subscribed
    lobby = world.cameras.lobby
    with django_capture_on_commit_callbacks(execute=True):
        assert camera_event_notify(camera=lobby, kind="vehicle", title="Vehicle") == 0  # not asked for
        assert camera_event_notify(camera=lobby, kind="face", title="Face at the lobby", body="Ann") == 1
        assert camera_event_notify(camera=lobby, kind="face", title="Again") == 0  # within 600 s
    (push,) = push_service.received  # delivered synchronously here: nothing else is coming
    assert json.loads(browsers["alice"].decrypt(push.body)) == {
        "title": "Face at the lobby",
        "body": "Ann",
        "type": "stream_event",
        "event": "face",
        "stream_name": "a-lobby",
    }


# --- stream events reach their subscribers -------------------------------------------------------


def test_an_episode_on_a_subscribed_stream_is_pushed_once_per_frequency(
    world, send, push_service, celery_eager, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from recordings.services import episode_create

    browser = push_service.subscription()
    send("POST", "/web_push/subscribe", browser.json())
    body = {
        "stream_name": "a-lobby",
        "event_types": {"episode_generic": False, "episode_face": True},
        "notification_type": "push",
        "notification_frequency": 600,
    }
    assert send("POST", SUBSCRIBE, body).status_code == 200
    lobby = world.cameras.lobby
    with django_capture_on_commit_callbacks(execute=True):
        episode_create(camera=lobby, opened_at=timezone.now(), episode_type="motion")  # not asked for
        face = episode_create(
            camera=lobby, opened_at=timezone.now(), episode_type="face", title="At the door"
        )
        episode_create(camera=lobby, opened_at=timezone.now(), episode_type="face")  # within 600 s
    (push,) = push_service.wait_for(1)
    time.sleep(0.3)
    assert len(push_service.received) == 1
    message = json.loads(browser.decrypt(push.body))
    assert message["body"] == "At the door" and message["stream_name"] == "a-lobby"
    assert message["event"] == "face" and message["episode_id"] == face.pk

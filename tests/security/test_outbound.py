"""Outbound requests and who may open the realtime socket (issue 13, items 5 and 6).

A user-given web push endpoint must not make the worker POST to internal URLs (SSRF); the
recovery mail's link must not come from the request's Host; Host itself is checked; a websocket
opened by another site's page is refused; and a disabled user's open socket closes.
"""

import asyncio
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import WebPushSubscription
from accounts.services.notifications import notification_send
from accounts.services.outbound import PrivateAddressRefused, public_session, public_url_problem
from cameras import consumers
from nvr_project import events
from nvr_project.asgi import application
from tests.support.tasks import worker_runs_after_commit

pytest_plugins = ["tests.support.push_service"]

ROOT = Path(__file__).resolve().parents[2]
JSON = "application/json"


# --- web push endpoints ------------------------------------------------------------------------------


def subscribe(api, endpoint: str, keys: dict, login: str = "alice"):
    body = json.dumps({"endpoint": endpoint, "keys": keys})
    return api("POST", "/web_push/subscribe", login=login, data=body, content_type=JSON)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.com/send/1",  # not https
        "https://127.0.0.1/send/1",  # loopback
        "https://localhost:8443/send/1",  # a name for loopback
        "https://[::1]/send/1",
        "https://[::ffff:127.0.0.1]/send/1",  # loopback dressed as IPv6
        "https://10.1.2.3/send/1",  # private
        "https://192.168.0.10/send/1",
        "https://172.16.5.4/send/1",
        "https://169.254.169.254/latest/meta-data",  # link-local: the cloud metadata service
        "https://100.64.0.1/send/1",  # carrier-grade NAT (shared)
        "https://0.0.0.0/send/1",
        "https://240.0.0.1/send/1",  # reserved
        "https://push.invalid/send/1",  # resolves nowhere (RFC 6761)
    ],
)
def test_a_push_endpoint_that_is_not_https_to_a_public_host_is_refused_at_subscribe(
    world, api, push_service, settings, endpoint
):
    settings.NVR_PUSH_ALLOW_PRIVATE = False  # push_service allows loopback for the other tests
    response = subscribe(api, endpoint, push_service.subscription().keys)
    assert response.status_code == 400, response.content
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == ["/endpoint"]
    assert not WebPushSubscription.objects.exists()


@pytest.mark.django_db
def test_the_push_service_on_loopback_gets_no_request_even_with_a_subscription_stored_before_the_fix(
    world, push_service, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.NVR_PUSH_ALLOW_PRIVATE = False
    browser = push_service.subscription()
    assert browser.endpoint.startswith("http://127.0.0.1:")
    WebPushSubscription.objects.create(user=world.alice, endpoint=browser.endpoint, **browser.keys)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=world.alice, title="hello", body="internal")
    assert push_service.received == []  # delivery is synchronous here: a push would have arrived


@pytest.mark.django_db
def test_the_sending_connection_itself_refuses_a_name_that_now_points_at_loopback(push_service, settings):
    """DNS rebinding: a name checked public at subscribe time may point elsewhere when the worker sends.

    The push session checks the address it actually connected to, before a byte is sent.
    """
    settings.NVR_PUSH_ALLOW_PRIVATE = False
    target = push_service.subscription().endpoint.replace("127.0.0.1", "localhost")
    with pytest.raises(PrivateAddressRefused):
        public_session().post(target, data=b"secret", timeout=5)
    assert push_service.received == []


@pytest.mark.django_db
def test_the_setting_allows_a_push_service_on_the_local_network(settings):
    settings.NVR_PUSH_ALLOW_PRIVATE = True
    assert public_url_problem("http://127.0.0.1:8080/push/1") is None
    settings.NVR_PUSH_ALLOW_PRIVATE = False
    assert public_url_problem("http://127.0.0.1:8080/push/1") is not None


# --- mail links and Host ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_recovery_mails_link_comes_from_nvr_public_url_never_from_host(world, api, settings):
    settings.NVR_PUBLIC_URL = "https://nvr.example.com/"
    settings.ALLOWED_HOSTS = ["*"]  # even where an operator lets any Host in
    body = json.dumps({"email": world.alice.email})
    with worker_runs_after_commit():  # the mail leaves from the worker's task
        response = api(
            "POST", "/password_recovery", data=body, content_type=JSON, headers={"HTTP_HOST": "evil.example"}
        )
    assert response.status_code == 204
    (message,) = mail.outbox
    assert "https://nvr.example.com/watcher/client-api/v3/reset_password" in message.body
    assert "evil.example" not in message.body


@pytest.mark.django_db
def test_a_host_that_is_not_ours_is_refused(world, api, settings):
    body = json.dumps({"email": world.alice.email})
    with worker_runs_after_commit():  # the mail leaves from the worker's task
        response = api(
            "POST", "/password_recovery", data=body, content_type=JSON, headers={"HTTP_HOST": "evil.example"}
        )
    assert response.status_code == 400
    assert mail.outbox == []


def settings_in_a_fresh_process(tmp_path, **env) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'hosts': s.ALLOWED_HOSTS, 'public': s.NVR_PUBLIC_URL}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"ALLOWED_HOSTS", "NVR_PUBLIC_URL", "NVR_HOST"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "NVR_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "nvr_project.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_allowed_hosts_default_to_loopback_the_bind_address_and_the_public_urls_host(tmp_path):
    assert settings_in_a_fresh_process(tmp_path, NVR_PORT="8123") == {
        "hosts": ["localhost", "127.0.0.1", "[::1]"],
        "public": "http://127.0.0.1:8123/",
    }
    configured = settings_in_a_fresh_process(
        tmp_path, NVR_HOST="10.0.0.5", NVR_PUBLIC_URL="https://nvr.example.com/"
    )
    assert configured == {
        "hosts": ["localhost", "127.0.0.1", "[::1]", "10.0.0.5", "nvr.example.com"],
        "public": "https://nvr.example.com/",
    }


# --- the realtime socket -----------------------------------------------------------------------------


def run(scenario) -> None:
    """Run a scenario on a fresh event loop in its own thread, whatever this thread is running."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def open_socket(user, origin: bytes | None = b"http://testserver", host: bytes = b"testserver"):
    headers = [(b"host", host), (b"cookie", (await sync_to_async(session_cookie)(user)).encode())]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(application, "/ws/events/", headers=headers)
    connected, _ = await communicator.connect()
    if connected:
        assert (await communicator.receive_json_from(timeout=2))["type"] == "hello"
    return communicator, connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",  # another site's page, with the victim's cookie
        b"http://testserver.evil.example",
        b"http://testserver:9999",  # another port is another origin
        b"null",  # a sandboxed frame
        None,  # no Origin at all
    ],
)
def test_a_websocket_from_another_origin_is_refused(world, origin):
    async def scenario():
        communicator, connected = await open_socket(world.alice, origin=origin)
        assert not connected
        await communicator.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_websocket_from_a_trusted_proxy_origin_is_accepted(world, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://nvr.example.com"]

    async def scenario():
        communicator, connected = await open_socket(world.alice, origin=b"https://nvr.example.com")
        assert connected
        await communicator.disconnect()

    run(scenario)


def wait_for_close(communicator):
    """The close the server sends, skipping any event that was on its way."""

    async def closed():
        while True:
            output = await communicator.receive_output(timeout=consumers.SESSION_CHECK_S * 3)
            if output["type"] == "websocket.close":
                return output

    return closed()


@pytest.mark.django_db(transaction=True)
def test_a_disabled_users_open_socket_closes_and_hears_nothing_more(world, settings):
    from accounts.services import user_set_active

    async def scenario():
        alice, connected = await open_socket(world.alice)
        assert connected
        await sync_to_async(user_set_active)(users=[world.alice], active=False)
        assert (await wait_for_close(alice))["code"] == 4401
        await sync_to_async(events.publish)(
            events.organization_group(world.org_a.id), events.CAMERA_STATUS, {"camera": "a-lobby"}
        )
        assert await alice.receive_nothing(timeout=0.3)
        await alice.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_socket_closes_when_its_session_ends_or_the_password_changes(world):
    from django.contrib.sessions.models import Session

    async def scenario():
        alice, _ = await open_socket(world.alice)
        bob, _ = await open_socket(world.bob)
        await sync_to_async(Session.objects.all().delete)()  # every sign-in ends (logout everywhere)
        assert (await wait_for_close(alice))["code"] == 4401
        assert (await wait_for_close(bob))["code"] == 4401
        carol, _ = await open_socket(world.carol)
        await sync_to_async(lambda: (world.carol.set_password("a-new-one-42"), world.carol.save()))()
        assert (await wait_for_close(carol))["code"] == 4401
        for communicator in (alice, bob, carol):
            await communicator.disconnect()

    run(scenario)

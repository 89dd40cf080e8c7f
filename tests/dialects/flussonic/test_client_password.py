"""`password_recovery` and `reset_password` (catalog §5.3.2-5.3.3): the mail, its token, the reset."""

import json
import re

import pytest
from django.core import mail

from accounts.models import AuthSession
from accounts.services.password import mail_setup
from organizations.models import SiteSettings
from tests.factories import PASSWORD, UserFactory
from tests.support.tasks import worker_runs_after_commit

from .conftest import basic, bearer

JSON = "application/json"
NEW = "a brand new passphrase 7"


def recover(api, email):
    with worker_runs_after_commit():  # the mail leaves from a task (the same work for every address)
        return api("POST", "/password_recovery", data=json.dumps({"email": email}), content_type=JSON)


def reset(api, password, headers=None, login=None):
    body = json.dumps({"password": password})
    return api("POST", "/reset_password", login=login, headers=headers, data=body, content_type=JSON)


def mailed_token(message) -> str:
    (token,) = set(re.findall(r"recovery\.\S+", message.body))
    return token


def pointers(response) -> list[str]:
    return [e["source"]["pointer"] for e in response.json()["errors"]]


def test_the_recovery_mail_carries_a_token_that_resets_the_password_once(world, api):
    api("POST", "/login", login="alice")  # an open session, which the reset must end
    response = recover(api, "ALICE@example.test")
    assert response.status_code == 204 and response.content == b""
    (message,) = mail.outbox
    assert message.to == ["alice@example.test"] and "alice" in message.body
    assert "/watcher/client-api/v3/reset_password" in message.body
    token = mailed_token(message)
    assert reset(api, NEW, headers=bearer(token)).status_code == 204
    assert api("GET", "/profile", headers=basic("alice", PASSWORD)).status_code == 401
    assert api("GET", "/profile", headers=basic("alice", NEW)).status_code == 200
    assert not AuthSession.objects.filter(user=world.alice, revoked_at__isnull=True).exists()
    again = reset(api, "yet another passphrase 9", headers=bearer(token))  # single use
    assert again.status_code == 401 and again.json()["errors"][0]["status"] == "401"
    assert api("GET", "/profile", headers=basic("alice", NEW)).status_code == 200


def test_an_account_gets_three_recovery_mails_an_hour_at_most(world, api):
    answers = {recover(api, "alice@example.test").status_code for _ in range(5)}
    assert answers == {204}  # the requester cannot tell the difference
    assert len(mail.outbox) == 3


def test_an_unknown_address_looks_the_same_and_sends_nothing(world, api):
    response = recover(api, "nobody@example.test")
    assert response.status_code == 204 and response.content == b""
    assert mail.outbox == []


def test_accounts_that_may_not_change_their_password_get_no_mail(world, api):
    UserFactory(login="kiosk", email="kiosk@example.test", readonly=True)
    UserFactory(login="locked", email="locked@example.test", password_change_locked=True)
    UserFactory(login="gone", email="gone@example.test", is_active=False)
    for email in ("kiosk@example.test", "locked@example.test", "gone@example.test"):
        assert recover(api, email).status_code == 204
    assert mail.outbox == []


@pytest.mark.parametrize("body", [{}, {"email": 5}, {"email": "not an address"}])
def test_a_missing_or_malformed_address_is_400(world, api, body):
    response = api("POST", "/password_recovery", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 400 and pointers(response) == ["/email"]


def test_a_forged_or_foreign_token_is_401(world, api):
    recover(api, "alice@example.test")
    token = mailed_token(mail.outbox[0])
    uid = token.split(".")[1]
    forged = f"recovery.{uid}.cxyz12-0123456789abcdef0123456789abcdef"
    for bad in (forged, "recovery.garbage", token + "x"):
        assert reset(api, NEW, headers=bearer(bad)).status_code == 401
    assert api("GET", "/profile", headers=basic("alice", PASSWORD)).status_code == 200


def test_the_token_dies_when_the_password_changes_another_way(world, api):
    recover(api, "alice@example.test")
    token = mailed_token(mail.outbox[0])
    assert reset(api, NEW, login="alice").status_code == 204  # the logged-in caller's own reset
    assert reset(api, "a third passphrase 11", headers=bearer(token)).status_code == 401


def test_a_signed_in_caller_resets_their_own_password_and_keeps_their_session(world, api):
    tokens = api("POST", "/login", login="bob").json()
    other = api("POST", "/login", login="bob").json()
    assert reset(api, NEW, headers=bearer(tokens["access_token"])).status_code == 204
    assert api("GET", "/profile", headers=bearer(tokens["access_token"])).status_code == 200
    assert api("GET", "/profile", headers=bearer(other["access_token"])).status_code == 401
    assert api("GET", "/profile", headers=basic("bob", NEW)).status_code == 200


@pytest.mark.parametrize("password", ["1234", "x" * 129, 12345, None])
def test_a_password_outside_5_to_128_characters_is_400(world, api, password):
    response = reset(api, password, login="alice")
    assert response.status_code == 400 and pointers(response) == ["/password"]


def test_a_password_the_validators_refuse_is_400(world, api):
    response = reset(api, "password", login="alice")  # too common
    assert response.status_code == 400 and pointers(response) == ["/password"]
    assert api("GET", "/profile", headers=basic("alice", PASSWORD)).status_code == 200


def test_a_read_only_account_may_not_reset_its_password(world, api):
    UserFactory(login="kiosk", readonly=True)
    response = reset(api, NEW, login="kiosk")
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "forbidden"


def test_the_domain_mail_settings_choose_the_server_and_sender(world):
    connection, sender = mail_setup()
    assert connection.__class__.__module__ == "django.core.mail.backends.locmem"
    site = SiteSettings.load()
    site.mail = {
        "sending_method": "SMTP",
        "sender": {"title": "Watcher", "email": "watcher@example.test"},
        "host": "mail.example.test",
        "port": 587,
        "login": "watcher",
        "password": "secret",
        "security": "starttls",
    }
    site.save()
    connection, sender = mail_setup()
    assert sender == "Watcher <watcher@example.test>"
    assert (connection.host, connection.port, connection.username, connection.password) == (
        "mail.example.test",
        587,
        "watcher",
        "secret",
    )
    assert connection.use_tls and not connection.use_ssl
    site.mail = {"sending_method": "SendGrid", "sender": {"email": "w@example.test"}, "api_key": "SG.key"}
    site.save()
    connection, sender = mail_setup()
    assert (connection.host, connection.username, connection.password) == (
        "smtp.sendgrid.net",
        "apikey",
        "SG.key",
    )

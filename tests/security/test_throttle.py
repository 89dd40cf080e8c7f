"""Issue 13, throttling "that stops attackers, not owners" (accounts/services/throttle.py).

Before: the dashboard login was never throttled (50 wrong passwords, then the right one worked);
5 wrong API logins from anywhere locked the owner out everywhere for 15 minutes; 20 from one
address locked every account behind it; only deleting rows by hand lifted a lockout.
"""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from accounts.choices import Role
from accounts.models import LoginFailure
from accounts.services.throttle import login_lockout_clear
from tests.dialects.flussonic.conftest import BASE, basic
from tests.factories import PASSWORD, UserFactory

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
LOGIN_URL = reverse("accounts:login")


def watcher_login(client, who="alice", secret=PASSWORD, address=ATTACKER):
    return client.post(BASE + "/login", **basic(who, secret), REMOTE_ADDR=address)


def dashboard_login(client, who="alice", secret=PASSWORD, address=ATTACKER):
    return client.post(LOGIN_URL, {"username": who, "password": secret}, REMOTE_ADDR=address)


def hammer(client, times=50, who="alice", address=ATTACKER, through=watcher_login):
    return [through(client, who, "wrong guess", address).status_code for _ in range(times)]


def age_failures(seconds: int) -> None:
    """Pretend the recorded failures happened `seconds` earlier (the waits run out)."""
    LoginFailure.objects.update(created_at=F("created_at") - timedelta(seconds=seconds))


def test_the_dashboard_refuses_the_right_password_after_fifty_wrong_ones(world, client, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    answers = hammer(client, through=dashboard_login)
    assert answers[: settings.NVR_LOGIN_FREE_FAILURES] == [422] * settings.NVR_LOGIN_FREE_FAILURES
    assert set(answers[settings.NVR_LOGIN_FREE_FAILURES :]) == {429}
    response = dashboard_login(client)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_waits_grow_with_every_further_failure(world, client, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 10
    hammer(client, times=settings.NVR_LOGIN_FREE_FAILURES)
    waits = []
    for _ in range(3):
        response = watcher_login(client)
        assert response.status_code == 429
        waits.append(int(response.headers["Retry-After"]))
        age_failures(waits[-1] + 1)  # the wait runs out ...
        assert watcher_login(client, secret="wrong").status_code == 401  # ... and the next guess is checked
    assert waits[0] <= 10 < waits[1] <= 20 < waits[2] <= 40


@pytest.mark.parametrize("through", [watcher_login, dashboard_login], ids=["watcher", "dashboard"])
def test_the_owner_signs_in_from_another_address_while_an_attacker_hammers(world, client, settings, through):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    assert 429 in hammer(client, through=through)
    assert through(client, "alice", PASSWORD, ATTACKER).status_code == 429
    response = through(client, "alice", PASSWORD, OWNER)
    assert response.status_code in (200, 302)
    assert through(client, "alice", PASSWORD, ATTACKER).status_code == 429  # still waits where it guessed


def test_spraying_from_one_address_spares_those_who_signed_in_there_before(world, client, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    office = ATTACKER  # a NAT: the attacker and bob share it
    assert watcher_login(client, "bob", address=office).status_code == 200
    for n in range(settings.NVR_LOGIN_FREE_FAILURES_PER_ADDRESS):
        watcher_login(client, f"guess{n}", "wrong", address=office)
    assert watcher_login(client, "carol", address=office).status_code == 429  # a stranger here waits
    assert watcher_login(client, "bob", address=office).status_code == 200
    assert watcher_login(client, "carol", address=OWNER).status_code == 200


def test_guesses_from_many_addresses_delay_strangers_but_not_the_owners_address(world, client, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    assert watcher_login(client, address=OWNER).status_code == 200
    for n in range(settings.NVR_LOGIN_ACCOUNT_ADDRESSES):
        assert watcher_login(client, secret="wrong", address=f"203.0.113.{n + 1}").status_code == 401
    assert watcher_login(client, address="192.0.2.200").status_code == 429
    assert watcher_login(client, address=OWNER).status_code == 200


def test_an_administrator_clears_a_lockout_in_the_admin(world, client, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    hammer(client, times=settings.NVR_LOGIN_FREE_FAILURES)
    assert watcher_login(client).status_code == 429
    root = UserFactory(login="root", role=Role.ADMIN)
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "clear_lockouts", "_selected_action": [world.alice.pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert watcher_login(client).status_code == 200


def test_an_administrator_clears_an_address_from_the_failure_records(world, client, settings):
    settings.NVR_LOGIN_FREE_FAILURES_PER_ADDRESS = 3
    settings.NVR_LOGIN_FIRST_DELAY = 60
    for who in ("x1", "x2", "x3"):
        watcher_login(client, who, "wrong")
    assert watcher_login(client, "carol").status_code == 429
    root = UserFactory(login="root", role=Role.ADMIN)
    client.force_login(root)
    one = LoginFailure.objects.filter(ip_address=ATTACKER).first()
    client.post(
        reverse("admin:accounts_loginfailure_changelist"),
        {"action": "clear_addresses", "_selected_action": [one.pk]},
    )
    client.logout()
    assert watcher_login(client, "carol").status_code == 200


def test_the_service_clears_a_login_everywhere(world, client, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    hammer(client, times=settings.NVR_LOGIN_FREE_FAILURES)
    assert login_lockout_clear(login="ALICE") == settings.NVR_LOGIN_FREE_FAILURES
    assert watcher_login(client).status_code == 200
    assert login_lockout_clear() == 0  # naming nothing clears nothing

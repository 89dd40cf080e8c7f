"""API keys are stored hashed and shown once; TOTP codes work once; trusted devices expire."""

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from accounts.models import ApiKey, TrustedDevice
from accounts.services import (
    api_key_authenticate,
    api_key_create,
    totp_device_start,
    totp_verify,
    trusted_device_check,
    trusted_device_create,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_api_key_is_stored_only_as_a_hash_with_a_visible_prefix():
    user = UserFactory()
    key, raw = api_key_create(user=user, name="nightly export")
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in (stored.key_hash, stored.prefix) and stored.prefix == raw[:8]
    assert api_key_authenticate(raw) == user
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


@pytest.mark.parametrize("raw", ["", "not-a-key-at-all-123"])
def test_an_empty_or_unknown_key_matches_nobody(raw):
    api_key_create(user=UserFactory())
    assert api_key_authenticate(raw) is None


def test_a_revoked_key_or_a_disabled_user_is_refused():
    user = UserFactory()
    key, raw = api_key_create(user=user)
    key.revoked_at = timezone.now()
    key.save()
    assert api_key_authenticate(raw) is None
    other_key, other_raw = api_key_create(user=user)
    user.is_active = False
    user.save()
    assert api_key_authenticate(other_raw) is None


def test_a_chosen_key_must_be_long_enough():
    with pytest.raises(ValueError):
        api_key_create(user=UserFactory(), raw_key="short")


def test_a_totp_code_confirms_the_device_and_cannot_be_replayed():
    device = totp_device_start(user=UserFactory())
    code = pyotp.TOTP(device.secret).now()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert not totp_verify(device=device, code=wrong)
    assert totp_verify(device=device, code=code)
    device.refresh_from_db()
    assert device.is_confirmed
    assert not totp_verify(device=device, code=code)


def test_a_code_from_the_previous_step_is_accepted_for_clock_drift():
    device = totp_device_start(user=UserFactory())
    previous = pyotp.TOTP(device.secret).at(timezone.now() - timedelta(seconds=30))
    assert totp_verify(device=device, code=previous)


def test_a_malformed_code_is_refused():
    device = totp_device_start(user=UserFactory())
    assert not totp_verify(device=device, code="12ab56")


def test_a_trusted_device_token_works_for_its_user_until_it_expires():
    user, other = UserFactory(), UserFactory()
    device, raw = trusted_device_create(user=user, ip_address="10.0.0.9", user_agent="Firefox")
    assert trusted_device_check(user=user, raw=raw)
    assert not trusted_device_check(user=other, raw=raw)
    TrustedDevice.objects.filter(pk=device.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not trusted_device_check(user=user, raw=raw)


def test_the_purge_drops_only_credentials_expired_over_a_day_ago():
    from accounts.models import AuthSession, LoginFailure
    from accounts.services import credentials_purge

    user = UserFactory()
    now = timezone.now()
    old, fresh = (now - timedelta(days=2)), (now - timedelta(hours=2))
    for expires, key in ((old, "old"), (fresh, "fresh")):
        AuthSession.objects.create(key=key, user=user, dialect="watcher", expires_at=expires)
    LoginFailure.objects.create(login="x", created_at=old)
    LoginFailure.objects.create(login="y", created_at=fresh)
    purged = credentials_purge(now=now)
    assert purged == {"sessions": 1, "trusted_devices": 0, "login_failures": 1, "known_addresses": 0}
    assert list(AuthSession.objects.values_list("key", flat=True)) == ["fresh"]
    assert list(LoginFailure.objects.values_list("login", flat=True)) == ["y"]


def test_disabling_a_user_ends_their_api_sessions_but_never_disables_the_actor():
    from accounts.models import AuthSession
    from accounts.services import user_set_active

    admin, target = UserFactory(role="admin"), UserFactory()
    live = AuthSession.objects.create(
        key="live", user=target, dialect="watcher", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert user_set_active(users=[admin, target], active=False, actor=admin) == 1
    target.refresh_from_db()
    admin.refresh_from_db()
    assert (target.is_active, admin.is_active) == (False, True)
    live.refresh_from_db()
    assert live.revoked_at is not None and not live.is_live
    assert user_set_active(users=[target], active=True, actor=admin) == 1

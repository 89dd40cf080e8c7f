"""Issue 13 §1, secrets: no token signed with a published or raw key is accepted; the key is generated
once into the data directory; a weak key stops a server others can reach. §8: a token that does not
authorise is a clean refusal, never a 500, and the same for an existing and a missing camera."""

import base64
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.checks import Error, Warning

from accounts import keys
from accounts.checks import secret_key_check
from accounts.services.sessions import auth_stamp
from recordings.playback.tokens import SALT, STAMP_LENGTH, media_token_issue
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
OLD_DEFAULT = "nvr-insecure-embedded-default-change-me"
# A route each of our media API and the Flussonic URLs that answers 200 to a good token with no footage.
MEDIA_ROUTES = ("/media/{}/timeline.json?from=1700000000&to=1700003600", "/flussonic/{}/info.json")
WATCHER = "/watcher/client-api/v3"


def media_token(payload, key: str) -> str:
    return signing.dumps(payload, key=key, salt=SALT, compress=True)


def forged_payload(world) -> dict:
    """What a genuine token for alice on a-lobby carries, stamp included: only the key is wrong."""
    stamp = auth_stamp(world.alice)[:STAMP_LENGTH]
    return {"u": world.alice.pk, "c": world.cameras.lobby.pk, "e": int(time.time()) + 3600, "a": stamp}


def fetch(client, route: str, camera: str, token: str):
    url = route.format(camera)
    return client.get(url + ("&" if "?" in url else "?") + urlencode({"token": token}))


def basic(login: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{login}:{PASSWORD}".encode()).decode()}


@pytest.mark.django_db
@pytest.mark.parametrize("route", MEDIA_ROUTES)
def test_a_media_token_signed_with_the_old_default_or_the_raw_key_is_refused(client, world, route):
    genuine = media_token_issue(user=world.alice, camera_id=world.cameras.lobby.pk)
    assert fetch(client, route, "a-lobby", genuine).status_code == 200
    for key in (OLD_DEFAULT, django_settings.NVR_SECRET_KEY, django_settings.SECRET_KEY):
        response = fetch(client, route, "a-lobby", media_token(forged_payload(world), key))
        assert response.status_code == 403, key


@pytest.mark.django_db
def test_a_jwt_signed_with_the_old_default_or_the_raw_key_is_refused(client, world):
    tokens = client.post(f"{WATCHER}/login", **basic("alice")).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get(f"{WATCHER}/streams", **bearer).status_code == 200
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    for key in (OLD_DEFAULT, django_settings.NVR_SECRET_KEY, django_settings.SECRET_KEY):
        forged = jwt.encode(claims, key, "HS256")
        response = client.get(f"{WATCHER}/streams", HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert response.status_code == 401, key


def _settings_key(data_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(NVR_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="nvr_project.settings")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def test_a_fresh_data_dir_gets_one_private_key_that_every_process_and_restart_shares(tmp_path):
    racing = [_settings_key(tmp_path) for _ in range(4)]  # web, workers and beat start together
    derived = {proc.communicate(timeout=60)[0].strip() for proc in racing}
    assert all(proc.returncode == 0 for proc in racing)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(derived) == 1 and derived != {keys.derive(OLD_DEFAULT, keys.DJANGO)}
    assert derived == {keys.derive(key_file.read_text().strip(), keys.DJANGO)}
    assert list(tmp_path.glob(".secret_key*")) == []  # no temporary file left behind
    again = _settings_key(tmp_path)
    assert {again.communicate(timeout=60)[0].strip()} == derived  # a restart keeps the key


def test_without_hard_links_the_key_file_is_still_created_once_and_private(tmp_path, monkeypatch):
    def no_links(*args):
        raise PermissionError("this filesystem has no hard links")

    monkeypatch.setattr(keys.os, "link", no_links)
    first = keys.key_file_load_or_create(tmp_path)
    assert keys.key_file_load_or_create(tmp_path) == first and keys.weakness(first) is None
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("key", "host", "expected"),
    [
        ("short", "0.0.0.0", Error),
        ("x" * 60, "192.0.2.10", Error),  # long, but one character
        (OLD_DEFAULT, "0.0.0.0", Error),
        (OLD_DEFAULT, "127.0.0.1", Error),  # published: a proxy in front makes loopback public
        ("short", "127.0.0.1", Warning),
        ("short", "localhost", Warning),
        ("Zq8-t3kLmW9vB2xR7yN4pQ6sD1fH5jKa", "0.0.0.0", None),
    ],
)
def test_the_start_up_check_refuses_a_weak_key_on_a_non_loopback_bind(settings, key, host, expected):
    settings.NVR_SECRET_KEY_SOURCE = "env"
    settings.NVR_SECRET_KEY = key
    settings.NVR_HOST = host
    problems = secret_key_check()
    assert [type(p) for p in problems] == ([expected] if expected else [])


def test_the_generated_key_needs_no_check(settings):
    settings.NVR_SECRET_KEY_SOURCE = "file"
    settings.NVR_HOST = "0.0.0.0"
    assert secret_key_check() == []


def test_run_stops_before_serving_with_the_old_default_key(tmp_path):
    """`scripts/nvr.py run` runs `manage.py check --fail-level ERROR` first: it must fail."""
    env = {**os.environ, "SECRET_KEY": OLD_DEFAULT, "NVR_HOST": "0.0.0.0", "NVR_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "secrets.E001" in result.stderr


# --- §8: wrong-typed fields and the camera oracle ----------------------------------------------


WRONG_TYPES = [
    {"u": "x", "c": [1], "e": "soon"},
    {"u": 1, "c": 1, "e": 1e30, "a": "x"},
    {"u": True, "c": True, "e": True, "a": "x"},
    {"u": None, "c": {}, "e": None},
    ["u", "c", "e"],
    "a string",
    12,
]


@pytest.mark.django_db
@pytest.mark.parametrize("route", MEDIA_ROUTES)
@pytest.mark.parametrize("payload", WRONG_TYPES, ids=repr)
def test_a_correctly_signed_token_with_wrong_types_is_a_refusal_not_a_500(client, world, route, payload):
    token = media_token(payload, keys.key(keys.MEDIA_TOKEN))
    response = fetch(client, route, "a-lobby", token)
    assert response.status_code == 403 and "error" in response.json()


def _bad_tokens(world) -> dict[str, str]:
    expired = {**forged_payload(world), "e": int(time.time()) - 10}
    return {
        "garbage": "garbage",
        "old default key": media_token(forged_payload(world), OLD_DEFAULT),
        "expired": media_token(expired, keys.key(keys.MEDIA_TOKEN)),
        "wrong types": media_token({"u": "x", "c": [1], "e": "soon"}, keys.key(keys.MEDIA_TOKEN)),
        "not unicode-safe": "\u00e9\u00e9:\u00e9",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("route", MEDIA_ROUTES)
def test_a_bad_token_answers_the_same_for_an_existing_and_a_missing_camera(client, world, route):
    for name, token in _bad_tokens(world).items():
        existing = fetch(client, route, "a-lobby", token)
        missing = fetch(client, route, "no-such-camera", token)
        assert existing.status_code == missing.status_code == 403, name
        assert existing.content == missing.content, name


@pytest.mark.django_db
@pytest.mark.parametrize("route", MEDIA_ROUTES)
def test_a_good_token_for_another_camera_answers_as_a_missing_camera(client, world, route):
    token = media_token_issue(user=world.alice, camera_id=world.cameras.desk.pk)
    other = fetch(client, route, "a-lobby", token)
    missing = fetch(client, route, "no-such-camera", token)
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content

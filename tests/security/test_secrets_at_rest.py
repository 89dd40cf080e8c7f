"""Camera, ONVIF and SMTP passwords and the VAPID private key are never plaintext in the database.

A dump (`dumpdata`) and the raw rows carry ciphertext only, while the recorder, the ONVIF client,
the mail sender and web push still get the real values (issue 13, item 7).
"""

import base64
import io
import json
import logging
import os
import socket
import stat

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django.db import connection
from py_vapid import Vapid

from accounts.services.notifications import vapid_key_get
from accounts.services.password import mail_setup
from cameras.models import Camera, CameraInput
from cameras.probe import camera_probe
from cameras.services.device import camera_device_config_read
from nvr_project import crypto
from nvr_project.redact import MaskingFilter, mask_url_credentials
from organizations.models import SiteSettings
from tests.dialects.flussonic.conftest import ADMIN_BASE, basic
from tests.dialects.flussonic.registry import JSON
from tests.factories import CameraFactory
from tests.support.onvif_device import DeviceState, attach, running_device
from tests.support.rtsp_camera import TEST_H264_AAC

CAMERA_PASSWORD = "cam-Pa55-in-url"
ONVIF_PASSWORD = "onvif-Pa55-word"
SMTP_PASSWORD = "smtp-Pa55-word"


@pytest.fixture
def secrets(db):
    """A camera whose input URL carried a password, its ONVIF password, SMTP mail and the VAPID key."""
    camera = CameraFactory(onvif_username="admin", onvif_password=ONVIF_PASSWORD)
    camera_input = CameraInput(camera=camera)
    camera_input.set_url(f"rtsp://admin:{CAMERA_PASSWORD}@10.0.0.9:554/main")
    camera_input.save()
    site = SiteSettings.load()
    site.mail = {
        "sending_method": "SMTP",
        "host": "smtp.example.test",
        "login": "nvr",
        "password": SMTP_PASSWORD,
    }
    site.save()
    return camera, camera_input, vapid_key_get().private_key


def _raw_database_text() -> str:
    """Every row of every table, as the database hands it out."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found += [repr(row) for row in cursor.fetchall()]
    return "\n".join(found)


def test_no_secret_is_plaintext_in_a_dump_or_in_the_raw_rows(secrets):
    *_, vapid_private = secrets
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    raw = _raw_database_text()
    for secret in (CAMERA_PASSWORD, ONVIF_PASSWORD, SMTP_PASSWORD, vapid_private):
        assert secret not in dump.getvalue()
        assert secret not in raw
    assert "smtp.example.test" not in raw  # the whole mail document is one token


def test_a_dump_loads_back_with_the_real_values(secrets, tmp_path):
    dump = tmp_path / "dump.json"
    call_command(
        "dumpdata", "cameras.camera", "cameras.camerainput", "organizations.sitesettings", output=dump
    )
    CameraInput.objects.update(password="")
    SiteSettings.objects.update(mail={})
    call_command("loaddata", dump, verbosity=0)
    assert CameraInput.objects.get().password == CAMERA_PASSWORD
    assert SiteSettings.load().mail["password"] == SMTP_PASSWORD


def test_the_consumers_still_get_the_real_values(secrets):
    camera, camera_input, _ = secrets
    camera_input = CameraInput.objects.get(pk=camera_input.pk)
    assert camera_input.source_url() == f"rtsp://admin:{CAMERA_PASSWORD}@10.0.0.9:554/main"
    connection_, _ = mail_setup()
    assert (connection_.username, connection_.password) == ("nvr", SMTP_PASSWORD)
    stored = vapid_key_get()
    signer = Vapid.from_raw(stored.private_key.encode())  # what pywebpush signs with
    point = signer.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    assert base64.urlsafe_b64encode(point).rstrip(b"=").decode() == stored.public_key


@pytest.mark.slow
def test_the_recorder_source_authenticates_with_the_stored_password(db, rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC, credentials=("admin", CAMERA_PASSWORD))
    camera_input = CameraInput(camera=CameraFactory())
    camera_input.set_url(source.url.replace("rtsp://", f"rtsp://admin:{CAMERA_PASSWORD}@"))
    camera_input.save()
    assert CAMERA_PASSWORD not in _raw_database_text()
    result = camera_probe(url=CameraInput.objects.get(pk=camera_input.pk).source_url())
    assert result.ok, result


def test_the_onvif_client_logs_in_with_the_stored_password(db):
    with running_device(DeviceState(password=ONVIF_PASSWORD)) as device:
        camera = CameraFactory()
        attach(camera, device)
        assert ONVIF_PASSWORD not in _raw_database_text()
        config = camera_device_config_read(camera=Camera.objects.get(pk=camera.pk))
    assert config.model  # a wrong password is the device's NotAuthorized fault instead


def test_values_written_before_encryption_are_read_and_then_encrypted_by_the_migration(secrets):
    camera, camera_input, _ = secrets
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cameras_camerainput SET password = %s", ["legacy-plain"])
    assert CameraInput.objects.get().password == "legacy-plain"  # tolerated while migrating

    from django.apps import apps

    crypto.encrypt_existing("cameras", "CameraInput", "password").code(apps, None)
    assert "legacy-plain" not in _raw_database_text()
    assert CameraInput.objects.get().password == "legacy-plain"


def test_the_key_file_is_made_once_and_private(settings, tmp_path):
    settings.NVR_DATA_DIR = tmp_path
    settings.NVR_FIELD_KEY = []
    first = crypto.field_keys()
    assert crypto.field_keys() == first and len(first) == 1
    assert stat.S_IMODE(os.stat(tmp_path / "field_key").st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["field_key"]


def test_a_rotation_re_encrypts_everything_with_the_new_key(secrets, settings):
    old, new = crypto.field_keys()[0], Fernet.generate_key().decode()
    settings.NVR_FIELD_KEY = [new, old]  # the new key first: it encrypts, both decrypt
    assert CameraInput.objects.get().password == CAMERA_PASSWORD
    call_command("nvr_field_key_rotate", stdout=io.StringIO())
    settings.NVR_FIELD_KEY = [new]  # the old key retired after the rotation
    assert CameraInput.objects.get().password == CAMERA_PASSWORD
    assert Camera.objects.get().onvif_password == ONVIF_PASSWORD
    assert SiteSettings.load().mail["password"] == SMTP_PASSWORD
    assert vapid_key_get().private_key == secrets[2]


def test_a_generated_key_goes_first_in_the_key_file_and_encrypts_from_then_on(db, settings, tmp_path):
    settings.NVR_DATA_DIR, settings.NVR_FIELD_KEY = tmp_path, []
    camera_input = CameraInput(camera=CameraFactory(), url="rtsp://10.0.0.9/main", username="admin")
    camera_input.password = CAMERA_PASSWORD
    camera_input.save()
    (old,) = crypto.field_keys()
    call_command("nvr_field_key_rotate", "--generate", stdout=io.StringIO())
    new, kept = (tmp_path / "field_key").read_text().split()
    assert kept == old and new != old
    assert stat.S_IMODE(os.stat(tmp_path / "field_key").st_mode) == 0o600
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM cameras_camerainput WHERE id = %s", [camera_input.pk])
        (stored,) = cursor.fetchone()
    assert Fernet(new.encode()).decrypt(stored.encode()).decode() == CAMERA_PASSWORD


# --- credentials masked in logs, audit events and error texts ------------------------------------


@pytest.fixture
def admin_api(client):
    def request(method: str, path: str, login: str | None = None, **kwargs):
        return getattr(client, method.lower())(ADMIN_BASE + path, **(basic(login) if login else {}), **kwargs)

    return request


@pytest.fixture
def root(world):
    from accounts.choices import Role
    from tests.factories import UserFactory

    return UserFactory(login="root", role=Role.ADMIN)


def test_the_admin_event_log_never_shows_a_camera_password(world, root, admin_api):
    url = f"rtsp://admin:{CAMERA_PASSWORD}@10.0.0.7:554/main"
    body = {"title": "Back gate", "inputs": [{"url": url}]}
    response = admin_api("PUT", "/streams/b-gate", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    assert CameraInput.objects.get(camera__name="b-gate").source_url() == url  # stored, for the recorder

    events = admin_api("GET", "/events?limit=100", login="root")
    assert events.status_code == 200 and '"api_call"' in events.content.decode()
    assert CAMERA_PASSWORD not in events.content.decode()
    assert "rtsp://admin:***@10.0.0.7:554/main" in events.content.decode()
    assert CAMERA_PASSWORD not in _raw_database_text()


def test_recorder_status_and_gap_texts_mask_the_password(world):
    from recordings.media.index import StatusRecord
    from recordings.recorder.writer import IndexWriter

    camera = world.cameras.lobby
    detail = f"rtsp://admin:{CAMERA_PASSWORD}@10.0.0.7/main: Server returned 401 Unauthorized"
    writer = IndexWriter(camera=camera, streamer_id=None, lease_owner="test")
    writer._status(StatusRecord(state="error", detail=detail))
    camera.refresh_from_db()
    assert camera.status_reason == "rtsp://admin:***@10.0.0.7/main: Server returned 401 Unauthorized"
    assert CAMERA_PASSWORD not in _raw_database_text()


def test_a_probe_error_never_shows_the_password():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = camera_probe(url=f"rtsp://admin:{CAMERA_PASSWORD}@127.0.0.1:{port}/main", timeout_s=1)
    assert not result.ok
    assert CAMERA_PASSWORD not in f"{result.error} {result.detail} {result.hint}"


def test_log_lines_and_tracebacks_mask_url_passwords():
    (handler,) = [
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskingFilter) for f in h.filters)
    ]
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        logger = logging.getLogger("recordings.media.session")
        logger.error("recording %s failed", f"rtsp://admin:{CAMERA_PASSWORD}@10.0.0.7/main")
        try:
            raise OSError(f"cannot open rtsp://admin:{CAMERA_PASSWORD}@10.0.0.7/main")
        except OSError:
            logger.exception("probe failed")
    finally:
        handler.setStream(previous)
    assert "rtsp://admin:***@10.0.0.7/main" in out.getvalue() and "OSError" in out.getvalue()
    assert CAMERA_PASSWORD not in out.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://u:p@h/x", "rtsp://u:***@h/x"),
        (
            "see rtsp://u:p%40ss@[::1]:554/a and http://v:w@h2",
            "see rtsp://u:***@[::1]:554/a and http://v:***@h2",
        ),
        ("rtsp://user@h/x", "rtsp://user@h/x"),  # a user name alone is no secret
        ("rtsp://u:p@ss@h/x", "rtsp://u:***@h/x"),  # an unescaped @ in the password
        ('{"url": "rtsp://u:p@h"}', '{"url": "rtsp://u:***@h"}'),
    ],
)
def test_mask_url_credentials(text, expected):
    assert mask_url_credentials(text) == expected

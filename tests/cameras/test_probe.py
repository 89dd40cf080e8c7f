"""'Test connection': the recorder's own input against the simulated camera, and the endpoint around it."""

import socket
import threading
import time

import pytest
from django.urls import reverse

from cameras.probe import ProbeRefused, camera_probe
from tests.factories import CameraInputFactory, MembershipFactory, UserFactory
from tests.support.rtsp_camera import TEST_H264_AAC, TEST_H265_AAC, ClipSpec

PROBE_URL = reverse("cameras:camera_probe")
HTMX = {"HX-Request": "true"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"rtsp://127.0.0.1:{server.getsockname()[1]}/stream"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


# --- the service ---------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "codec", "label"), [(TEST_H264_AAC, "h264", "H264"), (TEST_H265_AAC, "hevc", "H265")]
)
def test_a_real_camera_reports_codec_resolution_fps_and_audio(rtsp_camera, spec, codec, label):
    source = rtsp_camera(spec)

    result = camera_probe(url=source.url, transport="tcp")

    assert result.ok, result
    assert (result.video_codec, result.width, result.height, result.fps) == (codec, 640, 360, 25.0)
    assert (result.video_label, result.audio_codec, result.sample_rate) == (label, "aac", 48000)
    assert result.audio_summary.startswith("AAC 48 kHz")
    assert result.elapsed_s < 5


@pytest.mark.slow
def test_a_camera_without_audio_is_probed_over_udp_too(rtsp_camera):
    source = rtsp_camera(ClipSpec(audio=None, width=320, height=180))

    result = camera_probe(url=source.url, transport="udp")

    assert result.ok, result
    assert (result.width, result.height, result.audio_codec) == (320, 180, "")


def test_a_closed_port_is_refused_at_once():
    started = time.monotonic()

    result = camera_probe(url=f"rtsp://127.0.0.1:{_closed_port()}/stream1")

    assert time.monotonic() - started < 1
    assert (result.ok, result.error_kind, result.error) == (False, "refused", "Connection refused")
    assert "Connection refused" in result.detail


def test_a_silent_server_times_out_within_the_deadline(silent_server):
    started = time.monotonic()

    result = camera_probe(url=silent_server, timeout_s=1.5)

    assert time.monotonic() - started < 2.0
    assert (result.ok, result.error_kind, result.error) == (False, "timeout", "No answer")


def test_a_server_that_does_not_speak_rtsp_says_so(live_server):
    port = live_server.url.rsplit(":", 1)[1]

    result = camera_probe(url=f"rtsp://127.0.0.1:{port}/")

    assert (result.ok, result.error_kind, result.error) == (False, "not_rtsp", "Not an RTSP server"), result
    assert "it answered “<!DOCTYPE HTML>”" in result.detail  # Python's web server, to an RTSP/1.0 request


@pytest.mark.slow
def test_a_wrong_password_is_reported_as_such_without_the_password(rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC, credentials=("admin", "s3cret"))
    host = source.url.removeprefix("rtsp://")

    wrong = camera_probe(url=f"rtsp://admin:hunter2@{host}")
    missing = camera_probe(url=source.url)
    right = camera_probe(url=f"rtsp://admin:s3cret@{host}")

    assert (wrong.ok, wrong.error_kind, wrong.error) == (False, "auth", "Wrong user name or password")
    assert "hunter2" not in wrong.detail
    assert (missing.error_kind, missing.error) == ("auth", "The camera asks for a password")
    assert right.ok, right


@pytest.mark.slow
def test_an_unknown_path_on_a_real_camera_is_not_found(rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC)

    result = camera_probe(url=source.url + "-nope")

    assert (result.ok, result.error_kind) == (False, "not_found"), result


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "/etc/passwd", "rtsp:///nohost", "rtsp://cam:notaport/"]
)
def test_urls_that_are_not_a_cameras_network_address_are_refused(url):
    with pytest.raises(ProbeRefused):
        camera_probe(url=url)


# --- the endpoint --------------------------------------------------------------------------------
def _probe(client, data, camera=None):
    url = PROBE_URL + (f"?camera={camera}" if camera else "")
    return client.post(url, {"username": "", "password": "", "rtsp_transport": "tcp", **data}, headers=HTMX)


@pytest.mark.slow
def test_the_form_shows_what_a_real_camera_sends(client, world, rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC)
    client.force_login(world.alice)

    response = _probe(client, {"url": source.url})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="probe-result"' in content and "<html" not in content
    assert "H264 640×360" in content and "25 fps" in content and "AAC 48 kHz" in content


@pytest.mark.slow
def test_the_form_sends_the_typed_credentials_and_never_shows_them(client, world, rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC, credentials=("admin", "typed-s3cret"))
    client.force_login(world.alice)

    wrong = _probe(client, {"url": source.url, "username": "admin", "password": "nope-s3cret"})
    right = _probe(client, {"url": source.url, "username": "admin", "password": "typed-s3cret"})

    assert "Wrong user name or password" in wrong.content.decode()
    assert "nope-s3cret" not in wrong.content.decode()
    assert "H264 640×360" in right.content.decode()
    assert "typed-s3cret" not in right.content.decode()


@pytest.mark.slow
def test_a_blank_password_on_the_edit_form_uses_the_stored_one(client, world, rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC, credentials=("admin", "stored-s3cret"))
    CameraInputFactory(camera=world.cameras.desk, url=source.url, username="admin", password="stored-s3cret")
    client.force_login(world.alice)

    response = _probe(client, {"url": source.url, "username": "admin"}, camera="a-desk")

    assert response.status_code == 200
    assert "H264 640×360" in response.content.decode()
    assert "stored-s3cret" not in response.content.decode()


@pytest.mark.slow
def test_the_stored_password_is_not_sent_to_another_host(client, world, rtsp_camera):
    source = rtsp_camera(TEST_H264_AAC, credentials=("admin", "stored-s3cret"))
    stored_url = source.url.replace("127.0.0.1", "192.0.2.10")  # the camera's address before the edit
    CameraInputFactory(camera=world.cameras.desk, url=stored_url, username="admin", password="stored-s3cret")
    client.force_login(world.alice)

    response = _probe(client, {"url": source.url, "username": "admin"}, camera="a-desk")

    assert "Wrong user name or password" in response.content.decode()


def test_a_refused_connection_is_shown_with_the_exact_error(client, world):
    client.force_login(world.alice)

    response = _probe(client, {"url": f"rtsp://127.0.0.1:{_closed_port()}/ch1"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Connection refused" in content and "/ch1: Connection refused" in content


def test_a_missing_or_local_url_is_a_form_error(client, world):
    client.force_login(world.alice)

    missing = _probe(client, {"url": ""})
    local = _probe(client, {"url": "file:///etc/passwd"})

    assert missing.status_code == local.status_code == 422
    assert "Enter the URL to test." in missing.content.decode()
    assert "network URL" in local.content.decode()


def test_bob_may_not_probe(client, world):
    client.force_login(world.bob)

    response = _probe(client, {"url": f"rtsp://127.0.0.1:{_closed_port()}/"})

    assert response.status_code == 403
    assert "edit cameras" in response.content.decode()


def test_bob_may_not_probe_as_a_camera_he_cannot_manage(client, world):
    client.force_login(world.bob)

    assert _probe(client, {"url": "rtsp://127.0.0.1/"}, camera="a-desk").status_code == 404


def test_a_camera_editor_may_probe(client, world):
    editor = UserFactory(login="erin")
    MembershipFactory(user=editor, organization=world.org_a, can_edit_cameras=True)
    client.force_login(editor)

    response = _probe(client, {"url": f"rtsp://127.0.0.1:{_closed_port()}/"})

    assert response.status_code == 200


def test_carol_cannot_probe_with_org_a_cameras_stored_password(client, world):
    client.force_login(world.carol)

    assert _probe(client, {"url": "rtsp://127.0.0.1/"}, camera="a-desk").status_code == 404


def test_the_edit_form_has_the_test_connection_button(client, world):
    client.force_login(world.alice)

    content = client.get(reverse("cameras:camera_edit", args=["a-desk"])).content.decode()

    assert "Test connection" in content and f"{PROBE_URL}?camera=a-desk" in content

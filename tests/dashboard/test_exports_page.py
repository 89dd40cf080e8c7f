"""The exports page: start a clip export, follow its progress live, download it, and who sees what."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from recordings.choices import JobStatus
from recordings.models import Job, Segment
from recordings.playback import exports
from tests.factories import JobFactory
from tests.playback.conftest import PLAYBACK_CLIP, Recording

pytestmark = pytest.mark.django_db
URL = "/recordings/exports/"
HTMX = {"HX-Request": "true"}
MB = 1024 * 1024


def export_job(world, camera, **fields) -> Job:
    start = timezone.now() - dt.timedelta(hours=2)
    defaults = {
        "organization": camera.organization,
        "camera": camera,
        "created_by": world.alice,
        "range_start": start,
        "range_end": start + dt.timedelta(minutes=15),
        "bytes_total": 40 * MB,
    }
    return JobFactory(**(defaults | fields))


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")  # filesizeformat's non-breaking spaces


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="export-([0-9a-f-]+)"', html)


def test_the_list_shows_the_organizations_exports_of_cameras_the_user_may_export(client, world):
    lobby = export_job(world, world.cameras.lobby, status=JobStatus.DONE, progress=100)
    granted = export_job(world, world.cameras.granted, created_by=world.bob, status=JobStatus.RUNNING)
    gate = export_job(world, world.cameras.gate, created_by=world.carol)

    client.force_login(world.alice)
    assert rows(text(client.get(URL))) == [str(granted.public_id), str(lobby.public_id)]
    client.force_login(world.bob)  # may export a-granted only
    html = text(client.get(URL))
    assert rows(html) == [str(granted.public_id)]
    assert re.findall(r'<option value="([^"]+)"', html) == ["a-granted"]
    client.force_login(world.carol)
    assert rows(text(client.get(URL))) == [str(gate.public_id)]


def test_a_row_shows_the_local_range_status_progress_bytes_and_error(client, world):
    world.org_a.time_zone = "America/New_York"
    world.org_a.save()
    start = dt.datetime(2025, 7, 1, 14, 0, tzinfo=dt.UTC)  # 10:00 in New York (EDT)
    export_job(
        world,
        world.cameras.lobby,
        status=JobStatus.RUNNING,
        range_start=start,
        range_end=start + dt.timedelta(minutes=30),
        progress=25.0,
        bytes_done=10 * MB,
    )
    export_job(world, world.cameras.desk, status=JobStatus.FAILED, error="disk full while writing the clip")
    client.force_login(world.alice)

    html = text(client.get(URL))

    assert "2025-07-01 10:00:00 → 10:30:00" in html and "30 minutes" in html
    assert "25%" in html and "10.0 MB of 40.0 MB" in html and "Running" in html
    assert "disk full while writing the clip" in html and "Failed" in html
    assert html.count(">Cancel</button>") == 1  # only the running export can be cancelled


def test_the_rows_poll_while_an_export_runs_and_stop_with_286_when_it_is_done(client, world):
    job = export_job(world, world.cameras.lobby, status=JobStatus.RUNNING, progress=40.0, bytes_done=16 * MB)
    client.force_login(world.alice)

    running = client.get(URL, headers=HTMX)
    html = text(running)
    assert running.status_code == 200 and "<html" not in html
    assert 'hx-trigger="every 1s"' in html and "40%" in html
    assert "Download" not in html

    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        progress=100.0,
        bytes_done=40 * MB,
        file_path=f"exports/{job.public_id}.mp4",
        result={"bytes": 39 * MB, "duration": 900.0},
        expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    done = client.get(URL, headers=HTMX)
    html = text(done)
    assert done.status_code == 286  # htmx stops polling
    assert 'hx-trigger="every 1s"' not in html and "100%" in html and "Done" in html
    assert f'href="/media/exports/{job.public_id}.mp4"' in html and "39.0 MB" in html
    assert "in 23" in html  # hours until it expires


def test_a_page_without_running_exports_does_not_poll(client, world):
    export_job(world, world.cameras.lobby, status=JobStatus.CANCELLED)
    client.force_login(world.alice)
    html = text(client.get(URL))
    assert 'hx-trigger="every 1s"' not in html and "Cancelled" in html


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-05-06T10:15", "2025-05-06T10:00", "The end must be after the start."),
        ("2025-05-06T10:00", "2025-05-07T10:01", "An export may span at most 24 hours"),
        ("2025-05-06T10:00", "2025-05-06T10:15", "Nothing was recorded in this range."),
        ("2025-05-06", "2025-05-06T10:15", "Enter a date and time"),
    ],
)
def test_the_form_refuses_a_bad_range_with_a_message_and_422(client, world, start, end, message):
    client.force_login(world.alice)
    response = client.post(URL, {"camera": "a-lobby", "start": start, "end": end}, headers=HTMX)
    html = text(response)
    assert response.status_code == 422 and message in html
    assert 'id="export-form"' in html and "<html" not in html  # the form alone, swapped by htmx
    assert f'value="{end}"' in html  # what was typed stays
    assert not Job.objects.exists()


def test_a_local_time_the_clocks_skip_is_refused(client, world):
    world.org_a.time_zone = "Europe/Berlin"
    world.org_a.save()
    client.force_login(world.alice)
    response = client.post(URL, {"camera": "a-lobby", "start": "2025-03-30T02:30", "end": "2025-03-30T04:00"})
    assert response.status_code == 422 and "does not exist in Europe/Berlin" in text(response)


def test_a_camera_the_user_may_not_export_is_not_found(client, world):
    client.force_login(world.bob)  # may export a-granted only
    form = {"camera": "a-lobby", "start": "2025-05-06T10:00", "end": "2025-05-06T10:15"}
    assert client.post(URL, form).status_code == 404
    client.force_login(world.carol)
    assert client.post(URL, form).status_code == 404


def test_cancel_asks_a_running_export_to_stop_and_other_tenants_cannot(client, world):
    job = export_job(world, world.cameras.lobby, status=JobStatus.RUNNING)
    cancel = f"/recordings/exports/{job.public_id}/cancel/"
    client.force_login(world.carol)
    assert client.post(cancel).status_code == 404
    client.force_login(world.bob)  # no export right on a-lobby
    assert client.post(cancel).status_code == 404
    assert not Job.objects.get(pk=job.pk).cancel_requested

    client.force_login(world.alice)
    response = client.post(cancel, headers=HTMX)
    html = text(response)
    assert response.status_code == 200 and "Cancelling…" in html and 'hx-trigger="every 1s"' in html
    assert Job.objects.get(pk=job.pk).cancel_requested


def test_without_an_organization_the_page_says_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(login="drifter"))
    assert "No organization" in text(client.get(URL))


@pytest.fixture
def queued(monkeypatch):
    """Exports the service queued, run here instead of by a Celery worker."""
    from recordings import tasks

    jobs = []
    monkeypatch.setattr(tasks.export_run_task, "delay", lambda job_id: jobs.append(job_id))
    return jobs


@pytest.fixture
def footage(rtsp_camera):
    """footage(camera_row) -> the recorder writing the simulated camera into the index."""
    started = []

    def start(camera):
        started.append(Recording(camera, rtsp_camera(PLAYBACK_CLIP)).start())
        return started[-1]

    yield start
    for rec in started:
        rec.finish()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_export_started_on_the_page_runs_and_its_row_offers_the_download(client, world, footage, queued):
    world.org_a.time_zone = "America/New_York"
    world.org_a.save()
    rec = footage(world.cameras.lobby)
    rec.wait_for_fragments(4)
    rec.finish()
    segments = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at")
    first, last = segments.first(), segments.last()
    zone = ZoneInfo("America/New_York")
    start = first.started_at.replace(microsecond=0) + dt.timedelta(seconds=1)
    end = last.ended_at.replace(microsecond=0)
    client.force_login(world.alice)

    created = client.post(
        URL,
        {
            "camera": "a-lobby",
            "start": start.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),  # wall clock in New York
            "end": end.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),
        },
        headers=HTMX,
    )

    html = text(created)
    job = Job.objects.get()
    assert created.status_code == 200 and queued == [job.pk]
    assert (job.range_start, job.range_end, job.created_by) == (start, end, world.alice)
    assert 'id="export-rows"' in html and 'hx-swap-oob="true"' in html  # the new row, out of band
    assert 'hx-trigger="every 1s"' in html and "Pending" in html and "queued" in html

    assert client.get(URL, headers=HTMX).status_code == 200  # still polling
    exports.export_run(job.pk)
    finished = client.get(URL, headers=HTMX)
    html = text(finished)
    assert finished.status_code == 286 and "Done" in html and "100%" in html
    download = re.search(r'href="(/media/exports/[0-9a-f-]+\.mp4)"', html).group(1)
    data = b"".join(client.get(download).streaming_content)
    assert data[4:8] == b"ftyp" and len(data) == Job.objects.get().result["bytes"]

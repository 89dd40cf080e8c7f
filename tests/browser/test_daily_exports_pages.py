"""Daily playback and exports in a real browser: a day's hours open in place, an export's progress
advances live until its download link shows."""

import datetime as dt
import re
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from recordings.choices import JobStatus
from recordings.models import Gap, Job, Run
from tests.browser.test_dashboard import sign_in
from tests.factories import JobFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
BERLIN = ZoneInfo("Europe/Berlin")
MB = 1024 * 1024


def local(day: dt.date, hours: float) -> dt.datetime:
    """`hours` after local midnight of `day`, in elapsed time (a fall-back day has 25)."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=BERLIN).astimezone(dt.UTC)
    return midnight + dt.timedelta(hours=hours)


def record_october(camera) -> None:
    """A month with the usual troubles: a few short outages, one day dark, one half day."""
    for number in range(1, 32):
        day = dt.date(2025, 10, number)
        length = 25 if number == 26 else 24
        if number == 12:  # the recorder was off all day
            continue
        if number == 19:  # back in the afternoon
            spans = [(13.25, length)]
        else:
            cut = (number * 7) % 20 + 2
            spans = [(0, cut), (cut + (number % 4) * 0.75 + 0.1, length)]
        for start, end in spans:
            Run.objects.create(
                camera=camera, run_id=uuid.uuid4(), started_at=local(day, start), ended_at=local(day, end)
            )
        if len(spans) == 2:
            Gap.objects.create(
                camera=camera,
                started_at=local(day, spans[0][1]),
                ended_at=local(day, spans[1][0]),
                reason=["stalled", "connect_failed", "source_ended"][number % 3],
                detail="rtsp://192.0.2.10:554/ch1",
            )


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_day_opens_in_place_and_an_export_advances_to_its_download(page, live_server, world):
    world.org_a.time_zone = "Europe/Berlin"
    world.org_a.save()
    lobby = world.cameras.lobby
    lobby.title = "Lobby entrance"
    lobby.save()
    record_october(lobby)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, "alice")

    # Daily playback: the month, then a day's hours swapped in without a reload.
    page.goto(f"{live_server.url}/recordings/daily/?camera=a-lobby&month=2025-10")
    assert page.locator('[data-day="2025-10-12"] .cal-pct').inner_text() == "0%"
    assert page.locator('[data-day="2025-10-05"] .cal-pct').inner_text() != "0%"
    shoot(page, "daily-month")
    page.evaluate("window.__not_reloaded = true")
    page.locator('[data-day="2025-10-26"]').click()
    page.wait_for_url(re.compile(r"day=2025-10-26"))
    page.wait_for_function("() => document.querySelectorAll('#day-hours .hour-row').length === 25")
    assert page.evaluate("window.__not_reloaded") is True
    assert page.locator('[data-day="2025-10-26"].is-selected').count() == 1  # out-of-band calendar
    assert page.locator(".hour-offset").all_inner_texts() == ["UTC+02:00", "UTC+01:00"]
    assert "Sunday 26 October 2025" in page.locator("#day-hours h2").inner_text()
    shoot(page, "daily-playback")
    first_hour = page.locator("#day-hours a.hour-row").first.get_attribute("href")
    assert first_hour == f"/cameras/a-lobby/?at={int(local(dt.date(2025, 10, 26), 0).timestamp())}"

    # Exports: one running, a few finished ones; the running row follows the job row live.
    now = timezone.now()

    def job(camera, minutes_ago: int, **fields) -> Job:
        start = now - dt.timedelta(minutes=minutes_ago)
        return JobFactory(
            organization=world.org_a,
            camera=camera,
            created_by=world.alice,
            range_start=start,
            range_end=start + dt.timedelta(minutes=10),
            bytes_total=48 * MB,
            **({"created_at": now - dt.timedelta(minutes=minutes_ago // 10)} | fields),
        )

    job(world.cameras.desk, 600, status=JobStatus.CANCELLED, progress=35.0, bytes_done=17 * MB)
    job(
        world.cameras.vault,
        400,
        status=JobStatus.FAILED,
        error="[Errno 28] No space left on device",
        progress=71.0,
        bytes_done=34 * MB,
    )
    done_earlier = job(
        world.cameras.desk,
        300,
        status=JobStatus.DONE,
        progress=100.0,
        bytes_done=48 * MB,
        result={"bytes": 46 * MB},
        file_path="exports/earlier.mp4",
        expires_at=now + dt.timedelta(hours=20),
    )
    running = job(lobby, 60, status=JobStatus.RUNNING, progress=12.0, bytes_done=6 * MB, created_at=now)
    row = page.locator(f"#export-{running.public_id}")
    page.goto(f"{live_server.url}/recordings/exports/")
    page.evaluate("window.__not_reloaded = true")
    assert "12%" in row.inner_text() and row.get_by_role("button", name="Cancel").count() == 1
    assert page.locator(f"#export-{done_earlier.public_id}").get_by_role("link", name="Download").count() == 1

    Job.objects.filter(pk=running.pk).update(progress=64.0, bytes_done=31 * MB)
    page.wait_for_function(
        f"() => document.querySelector('#export-{running.public_id} .progress-pct')"
        ".textContent.trim() === '64%'"
    )
    shoot(page, "exports-running")

    clip = Path(settings.NVR_MEDIA_ROOT) / "exports" / f"{running.public_id}.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    clip.write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * 1000)
    Job.objects.filter(pk=running.pk).update(
        status=JobStatus.DONE,
        progress=100.0,
        bytes_done=48 * MB,
        file_path=f"exports/{clip.name}",
        result={"bytes": clip.stat().st_size},
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    download = row.get_by_role("link", name="Download")
    download.wait_for()
    assert "Done" in row.inner_text() and row.get_by_role("button", name="Cancel").count() == 0
    assert page.evaluate("window.__not_reloaded") is True
    # Polling stopped (286): the rows now wait for news of a job instead.
    assert page.locator("#export-rows").get_attribute("hx-trigger") == "nvr:job.progress from:document"
    fetched = page.request.get(f"{live_server.url}{download.get_attribute('href')}")
    assert fetched.status == 200 and fetched.body()[4:8] == b"ftyp"
    shoot(page, "exports-done")

    # A range that ends before it starts is refused in place (422, swapped by htmx).
    page.get_by_label("Camera").select_option("a-lobby")
    page.get_by_label("From").fill("2025-10-26T10:15")
    page.get_by_label("To").fill("2025-10-26T10:00")
    page.get_by_role("button", name="Export clip").click()
    page.get_by_text("The end must be after the start.").wait_for()
    assert page.evaluate("window.__not_reloaded") is True and Job.objects.count() == 4
    shoot(page, "exports-form-error")

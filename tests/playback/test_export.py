"""Clip export: one MP4 across segments and a reconnect gap, trimmed by edit list, with progress."""

import datetime as dt
import io
import time

import av
import pytest

from recordings.choices import JobStatus
from recordings.models import Job, Segment
from recordings.playback import exports

from .conftest import decode_counters

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
FPS, LOOP_FRAMES = 25, 200


@pytest.fixture
def queued(monkeypatch):
    """Exports the service queued, run here instead of by a Celery worker."""
    from recordings import tasks

    jobs = []
    monkeypatch.setattr(tasks.export_run_task, "delay", lambda job_id: jobs.append(job_id))
    return jobs


def test_an_export_across_a_reconnect_lasts_as_long_as_its_footage_and_decodes(
    client, world, recording, queued
):
    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(5)
    rec.source.drop()
    time.sleep(1.5)
    rec.wait_for_fragments(11)
    rec.finish()
    segments = list(Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at"))
    first, last = segments[0], segments[-1]
    start = first.started_at + dt.timedelta(seconds=1.5)  # mid-GOP: trimmed by the edit list
    end = last.ended_at - dt.timedelta(seconds=0.5)
    client.force_login(world.alice)
    created = client.post(f"/media/a-lobby/exports?from={start.timestamp()}&to={end.timestamp()}")
    assert created.status_code == 202 and created.json()["status"] == "pending"
    job_id = created.json()["job"]
    assert queued == [Job.objects.get(public_id=job_id).pk]
    progress = []
    original = exports._Reporter.progress

    def watch(self, done, total):
        progress.append(done / total)
        original(self, done, total)

    exports._Reporter.progress = watch
    try:
        exports.export_run(queued[0])
    finally:
        exports._Reporter.progress = original
    status = client.get(f"/media/exports/{job_id}").json()
    assert status["status"] == "done" and status["progress"] == 100.0 and progress == sorted(progress)
    assert status["download"] == f"/media/exports/{job_id}.mp4"

    # The covered time: the asked range minus the outage between the runs.
    runs = {}
    for s in segments:
        a, b = runs.get(s.run_id, (s.started_at, s.ended_at))
        runs[s.run_id] = (min(a, s.started_at), max(b, s.ended_at))
    covered = sum(max(0.0, (min(b, end) - max(a, start)).total_seconds()) for a, b in runs.values())
    assert abs(status["result"]["duration"] - covered) < 0.1

    download = client.get(status["download"])
    data = b"".join(download.streaming_content)
    assert download["Content-Disposition"].startswith('attachment; filename="a-lobby-')
    assert data[4:8] == b"ftyp" and data.find(b"moov") < data.find(b"mdat")  # faststart
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames = [f for f in container.decode(video=0)]
        assert abs(float(container.duration / 1_000_000) - covered) < 0.15
    assert len(frames) >= covered * FPS * 0.95  # decodes end to end
    shown = frames[0].pts * video.time_base
    assert -0.05 <= shown <= 0.05  # the edit list hides the frames before the asked start
    part = client.get(status["download"], HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[:100]


def test_an_export_can_be_cancelled_and_bad_requests_are_refused(client, world, recording, queued, settings):
    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(4)
    rec.finish()
    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    client.force_login(world.alice)
    job_id = client.post(
        f"/media/a-lobby/exports?from={first.started_at.timestamp()}&to={first.ended_at.timestamp()}"
    ).json()["job"]
    assert client.post(f"/media/exports/{job_id}/cancel").json()["status"] == "pending"
    exports.export_run(queued[0])
    job = Job.objects.get(public_id=job_id)
    assert job.status == JobStatus.CANCELLED and not any(settings.NVR_MEDIA_ROOT.glob("exports/*"))
    assert client.get(f"/media/exports/{job_id}.mp4").status_code == 410
    assert client.post("/media/a-lobby/exports?from=100&to=50").json() == {
        "error": "`to` must be after `from`"
    }
    assert client.post("/media/a-lobby/exports?from=0&to=60").json() == {
        "error": "nothing was recorded in this range"
    }
    client.force_login(world.carol)
    assert client.get(f"/media/exports/{job_id}").status_code == 404  # another tenant's export
    client.force_login(world.bob)  # no export grant on a-lobby
    assert client.post("/media/a-lobby/exports?from=0&to=60").status_code == 404


def test_expired_exports_lose_their_files_and_say_so(client, world, settings):
    from django.utils import timezone

    from recordings.choices import JobKind
    from recordings.playback.exports import exports_expire

    path = settings.NVR_MEDIA_ROOT / "exports" / "old.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"clip")
    old = Job.objects.create(
        kind=JobKind.EXPORT,
        camera=world.cameras.lobby,
        status=JobStatus.DONE,
        file_path="exports/old.mp4",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
        created_by=world.alice,
        organization=world.org_a,
    )
    fresh = Job.objects.create(
        kind=JobKind.EXPORT,
        camera=world.cameras.lobby,
        status=JobStatus.DONE,
        file_path="exports/fresh.mp4",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert exports_expire() == 1
    old.refresh_from_db()
    assert not path.exists() and old.file_path == "" and old.message == "expired"
    assert Job.objects.get(pk=fresh.pk).file_path == "exports/fresh.mp4"
    client.force_login(world.alice)
    assert client.get(f"/media/exports/{old.public_id}.mp4").status_code == 410


def test_runs_joined_back_to_back_keep_rising_timestamps(world, recording, tmp_path, settings):
    """Runs join back to back, even where an index ends a run before its last packets do."""
    from recordings.media.export import ClipPart, remux_clip

    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(3)
    rec.finish()
    segment = Segment.objects.filter(camera=world.cameras.lobby, complete=True).order_by("started_at").first()
    fragments = segment.fragments()
    length = fragments[-1].end_us
    stride = length - 200_000  # the index ends each run 0.2 s before its last packets do
    parts = [
        ClipPart(
            path=str(settings.NVR_MEDIA_ROOT / segment.path),
            run_id=f"run-{n}",
            init_size=segment.init_size,
            ranges=[(f.byte_offset, f.size) for f in fragments],
            starts_us=n * length,
            ends_us=(n + 1) * length,
        )
        for n in range(3)
    ]
    out = tmp_path / "joined.mp4"
    result = remux_clip(parts, str(out), from_us=0, to_us=3 * stride + 200_000)
    assert len(result.runs) == 3
    counters = decode_counters(out.read_bytes())
    per_run = len(decode_counters((settings.NVR_MEDIA_ROOT / segment.path).read_bytes()))
    assert 3 * per_run - 3 * 5 <= len(counters) <= 3 * per_run  # at most the overlapping frames dropped

"""Retention: age and space limits, the free-space floor, what is protected, and crash safety."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from recordings.choices import RetentionScope
from recordings.models import Episode, RetentionPolicy, Run, Segment
from recordings.retention import retention_run
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def footage(settings, camera, hours_ago: float, *, size=1000, run_id=None, **fields) -> Segment:
    """A closed one-minute segment `hours_ago` old, with its file on disk."""
    started = NOW - dt.timedelta(hours=hours_ago)
    segment = SegmentFactory(
        camera=camera,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=1),
        bytes=size,
        run_id=run_id or uuid.uuid4(),
        **fields,
    )
    path = settings.NVR_MEDIA_ROOT / segment.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    Run.objects.get_or_create(
        run_id=segment.run_id,
        defaults={"camera": camera, "started_at": started, "ended_at": segment.ended_at},
    )
    return segment


def kept(settings, *segments) -> list[bool]:
    present = set(Segment.objects.values_list("id", flat=True))
    for segment in segments:  # never a row without its file, nor a file without its row
        assert (segment.id in present) == (settings.NVR_MEDIA_ROOT / segment.path).exists()
    return [segment.id in present for segment in segments]


def test_footage_older_than_the_camera_keeps_goes_unless_something_protects_it(world, settings):
    camera = world.cameras.lobby
    camera.dvr_depth = 24 * 3600
    camera.save()
    run_id = uuid.uuid4()
    old = footage(settings, camera, 30, run_id=run_id)
    old_same_run = footage(settings, camera, 29.9, run_id=run_id)
    young = footage(settings, camera, 2, run_id=run_id)
    marked = footage(settings, camera, 40, protected=True)
    kept_until = footage(settings, camera, 41, retention_until=NOW + dt.timedelta(days=1))
    under_episode = footage(settings, camera, 50)
    Episode.objects.create(
        camera=camera,
        opened_at=under_episode.started_at + dt.timedelta(seconds=10),
        closed_at=under_episode.started_at + dt.timedelta(seconds=20),
        protected=True,
    )
    report = retention_run(now=NOW)
    assert kept(settings, old, old_same_run, young, marked, kept_until, under_episode) == [
        False,
        False,
        True,
        True,
        True,
        True,
    ]
    assert report.deleted_segments == 2 and report.deleted_bytes == 2000
    assert Run.objects.get(run_id=run_id).started_at == young.started_at  # the timeline follows


def test_a_camera_over_its_space_loses_its_oldest_and_protected_excess_is_reported(world, settings):
    camera = world.cameras.lobby
    camera.dvr_space_limit = 2500
    camera.save()
    a, b, c = (footage(settings, camera, hours) for hours in (3, 2, 1))
    retention_run(now=NOW)
    assert kept(settings, a, b, c) == [False, True, True]
    Segment.objects.filter(pk__in=[b.pk, c.pk]).update(protected=True)
    footage(settings, camera, 0.5, size=1000, protected=True)
    report = retention_run(now=NOW)
    assert report.over_quota == [{"camera": "a-lobby", "limit": 2500, "bytes": 3000}]
    assert Segment.objects.filter(camera=camera).count() == 3  # reported, not truncated


def test_policies_fill_in_what_the_camera_does_not_set(world, settings):
    RetentionPolicy.objects.create(scope=RetentionScope.DEFAULT, max_age=48 * 3600)
    RetentionPolicy.objects.create(
        scope=RetentionScope.ORGANIZATION, organization=world.org_a, max_age=10 * 3600
    )
    in_a = footage(settings, world.cameras.lobby, 20)
    in_b = footage(settings, world.cameras.gate, 20)
    in_b_older = footage(settings, world.cameras.gate, 60)
    retention_run(now=NOW)
    assert kept(settings, in_a, in_b, in_b_older) == [False, True, False]


def test_a_deletion_interrupted_after_marking_is_finished_by_the_next_run(world, settings):
    segment = footage(settings, world.cameras.lobby, 1)
    Segment.objects.filter(pk=segment.pk).update(purging=True)  # the crash came after the mark
    assert not client_visible(segment)
    retention_run(now=NOW)
    assert kept(settings, segment) == [False]


def client_visible(segment) -> bool:
    from recordings.playback.selectors import segment_entries

    return bool(segment_entries(segment.camera_id, segment.started_at, segment.ended_at))


def test_below_the_free_floor_the_oldest_unprotected_footage_anywhere_goes_first(
    world, settings, monkeypatch
):
    import shutil
    from collections import namedtuple

    segments = [
        footage(settings, world.cameras.lobby, 5),
        footage(settings, world.cameras.gate, 4),
        footage(settings, world.cameras.lobby, 6, protected=True),
        footage(settings, world.cameras.desk, 1),
    ]
    Usage = namedtuple("Usage", "total used free")
    # A disk of 100 kB whose free space is what the segments leave: 2 kB short of a 98 kB floor.
    monkeypatch.setattr(
        shutil, "disk_usage", lambda path: Usage(100_000, 0, 100_000 - 1000 * Segment.objects.count())
    )
    settings.NVR_MIN_FREE_BYTES = 98_000
    report = retention_run(now=NOW)
    assert kept(settings, *segments) == [False, False, True, True]  # 6 h old but protected: stays
    assert report.below_floor is False and report.deleted_segments == 2


def test_batch_delete_and_protect_run_as_jobs_with_progress(world, settings, monkeypatch):
    from recordings import tasks
    from recordings.choices import JobKind, JobStatus
    from recordings.playback import batch

    monkeypatch.setattr(tasks.batch_run_task, "delay", lambda job_id: None)
    monkeypatch.setattr(batch, "BATCH", 2)
    camera = world.cameras.lobby
    segments = [footage(settings, camera, hours) for hours in (5, 4, 3, 2, 1)]
    Segment.objects.filter(pk=segments[1].pk).update(protected=True)
    start, end = NOW - dt.timedelta(hours=6), NOW - dt.timedelta(hours=1, minutes=30)
    job = batch.recordings_batch_request(
        user=world.alice,
        organization=world.org_a,
        kind=JobKind.BATCH_DELETE,
        camera_ids=[camera.pk],
        start=start,
        end=end,
    )
    assert job.items_total == 3  # the protected one is not counted: it will not be deleted
    job = batch.recordings_batch_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.items_done, job.progress) == (JobStatus.DONE, 3, 100.0)
    assert kept(settings, *segments) == [False, True, False, False, True]

    job = batch.recordings_batch_request(
        user=world.alice,
        organization=world.org_a,
        kind=JobKind.BATCH_PROTECT,
        camera_ids=[camera.pk],
        start=NOW - dt.timedelta(hours=2),
        end=NOW,
    )
    batch.recordings_batch_run(job.pk)
    assert Segment.objects.get(pk=segments[4].pk).protected
    with pytest.raises(batch.BatchError, match="after"):
        batch.recordings_batch_request(
            user=world.alice,
            organization=world.org_a,
            kind=JobKind.BATCH_PROTECT,
            camera_ids=[camera.pk],
            start=NOW,
            end=NOW,
        )


def test_the_daily_cleanup_runs_check_and_sync_once_a_day_at_its_time_for_its_scope(world, settings):
    from recordings.retention import retention_daily

    settings.TIME_ZONE = "UTC"
    policy = RetentionPolicy.objects.create(
        scope=RetentionScope.ORGANIZATION, organization=world.org_a, cleanup_time=dt.time(2, 0)
    )
    in_scope = SegmentFactory(camera=world.cameras.lobby)  # rows whose files are gone
    out_of_scope = SegmentFactory(camera=world.cameras.gate)
    day = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert retention_daily(now=day + dt.timedelta(hours=1, minutes=59)) == []  # not yet
    assert retention_daily(now=day + dt.timedelta(hours=2, minutes=1)) == [policy]
    assert not Segment.objects.filter(pk=in_scope.pk).exists()
    assert Segment.objects.filter(pk=out_of_scope.pk).exists()  # another organization's policy
    assert retention_daily(now=day + dt.timedelta(hours=3)) == []  # once a day
    assert retention_daily(now=day + dt.timedelta(days=1, hours=2, minutes=1)) == [policy]


def test_a_sync_job_reports_progress_per_camera(world, settings, monkeypatch):
    from recordings import tasks
    from recordings.choices import JobStatus
    from recordings.sync import sync_request, sync_run

    monkeypatch.setattr(tasks.sync_run_task, "delay", lambda job_id: None)
    lost = SegmentFactory(camera=world.cameras.desk)  # its file is gone
    job = sync_request(
        user=world.alice, organization=world.org_a, camera_ids=[world.cameras.lobby.pk, world.cameras.desk.pk]
    )
    job = sync_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.items_done, job.progress) == (JobStatus.DONE, 2, 100.0)
    assert job.result == {"rows_deleted": 1, "files_indexed": 0}
    assert not Segment.objects.filter(pk=lost.pk).exists()

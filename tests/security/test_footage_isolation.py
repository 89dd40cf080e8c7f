"""Footage belongs to its camera: `lot_1` (organization A) and `lot/1` (organization B) once shared
the folder `lot_1/`, so a sync gave B A's files, B exported them, and deleting B deleted A's footage.

The footage here is real: the recording loop writes fMP4 files from a clip and the index writer
makes their rows, exactly as the recorder does (`camera_folder` is the folder it records into).
"""

import hashlib
import os
import threading
import time
import uuid

import pytest
from django.conf import settings

from cameras.services import camera_delete, camera_update
from recordings.layout import camera_folder
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from recordings.models import Segment
from recordings.recorder.recovery import recover_open_segments
from recordings.recorder.writer import IndexWriter
from recordings.retention import retention_run
from recordings.sync import recordings_sync
from tests.factories import (
    CameraFactory,
    EpisodeFactory,
    MembershipFactory,
    OrganizationFactory,
    SegmentFactory,
    UserFactory,
)
from tests.media.conftest import write_clip

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def record(camera, clip, *, folder: str | None = None) -> list[Segment]:
    """Record `clip` for `camera` into `folder` (the camera's own unless told) with real rows."""
    writer = IndexWriter(camera=camera, streamer_id=None)
    writer.start()
    RecordingLoop(
        camera_dir=folder or camera_folder(camera),
        source=SourceConfig(str(clip)),
        root=str(settings.NVR_MEDIA_ROOT),
        segment_seconds=2,
        record_audio=True,
        emit=writer.emit,
        stop=threading.Event(),
    ).run_once()
    writer.close()
    return list(Segment.objects.filter(camera=camera).order_by("started_at"))


def settle(*segments) -> None:
    """Age the files past sync's settling minute, as a night's sync would find them."""
    old = time.time() - 3600
    for segment in segments:
        os.utime(settings.NVR_MEDIA_ROOT / segment.path, (old, old))


def sha(relative: str) -> str:
    return hashlib.sha256((settings.NVR_MEDIA_ROOT / relative).read_bytes()).hexdigest()


def fingerprint(segments) -> dict[str, str]:
    return {s.path: sha(s.path) for s in segments}


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mkv"
    write_clip(path, seconds=5)
    return path


@pytest.fixture
def lots(client):
    """`lot_1` in organization A (alice), `lot/1` in organization B (carol)."""
    org_a, org_b = OrganizationFactory(title="A"), OrganizationFactory(title="B")
    alice, carol = UserFactory(login="alice"), UserFactory(login="carol")
    MembershipFactory(user=alice, organization=org_a, is_admin=True)
    MembershipFactory(user=carol, organization=org_b, is_admin=True)
    a = CameraFactory(organization=org_a, name="lot_1")
    b = CameraFactory(organization=org_b, name="lot/1")
    return a, b, alice, carol


def test_the_two_cameras_record_into_folders_of_their_own(lots):
    a, b, *_ = lots
    assert camera_folder(a) != camera_folder(b)
    folder = camera_folder(a)
    with pytest.raises(TypeError):  # no dialect or form may point a camera at another folder
        camera_update(camera=a, actor=None, storage_key=camera_folder(b))
    a.name = "renamed"
    a.save()
    a.refresh_from_db()
    assert camera_folder(a) == folder  # a rename keeps the footage where it is


def test_sync_indexes_a_file_only_for_the_camera_whose_folder_holds_it(lots, clip):
    a, b, *_ = lots
    footage = record(a, clip)
    assert len(footage) >= 2
    settle(*footage)
    lost = footage[0]
    Segment.objects.filter(pk=lost.pk).delete()  # a crash before the writer's batch: a file without a row

    recordings_sync(camera_ids=[b.pk])
    recordings_sync()

    assert not Segment.objects.filter(camera=b).exists()
    assert sorted(Segment.objects.filter(camera=a).values_list("path", flat=True)) == sorted(
        s.path for s in footage
    )


def test_one_camera_never_exports_the_others_footage(lots, clip, client):
    a, b, alice, carol = lots
    footage = record(a, clip)
    settle(*footage)
    recordings_sync()
    window = {"from": int(footage[0].started_at.timestamp()), "to": int(footage[-1].ended_at.timestamp()) + 1}

    client.force_login(carol)
    assert client.post("/media/lot/1/exports", window).status_code == 400  # nothing recorded by lot/1
    assert client.get("/media/lot/1/timeline.json", window).json()["ranges"] == []
    client.force_login(alice)
    assert client.post("/media/lot_1/exports", window).status_code == 202


def test_retention_of_one_camera_removes_none_of_the_others_files(lots, clip):
    a, b, *_ = lots
    footage_a, footage_b = record(a, clip), record(b, clip)
    settle(*footage_a, *footage_b)
    recordings_sync()
    before = fingerprint(footage_a)
    b.dvr_depth = 1
    b.save(update_fields=["dvr_depth"])

    retention_run(now=footage_b[-1].ended_at + (footage_b[-1].ended_at - footage_b[0].started_at) * 10)

    assert not Segment.objects.filter(camera=b).exists()
    assert not any((settings.NVR_MEDIA_ROOT / s.path).exists() for s in footage_b)
    assert fingerprint(footage_a) == before
    assert Segment.objects.filter(camera=a).count() == len(footage_a)


def test_deleting_a_camera_deletes_only_its_own_folder(lots, clip):
    a, b, alice, carol = lots
    footage_a, footage_b = record(a, clip), record(b, clip)
    settle(*footage_a, *footage_b)
    recordings_sync()
    before = fingerprint(footage_a)

    camera_delete(camera=b, actor=carol, wait_seconds=0)

    assert fingerprint(footage_a) == before
    assert Segment.objects.filter(camera=a).count() == len(footage_a)
    assert not (settings.NVR_MEDIA_ROOT / camera_folder(b)).exists()


def test_recovery_and_purge_never_touch_a_file_outside_the_cameras_folder(lots, clip):
    """A row pointing into another camera's folder (as the old sync made them) loses its row only."""
    a, b, *_ = lots
    footage = record(a, clip)
    before = fingerprint(footage)
    for segment in footage[:2]:
        Segment.objects.create(
            camera=b,
            path=segment.path,
            run_id=uuid.uuid4(),
            started_at=segment.started_at,
            ended_at=segment.started_at,
            complete=segment is footage[1],  # one left open (recovery), one closed (retention)
        )
    recover_open_segments(camera_id=b.pk)
    b.dvr_depth = 1
    b.save(update_fields=["dvr_depth"])
    retention_run(now=footage[-1].ended_at + (footage[-1].ended_at - footage[0].started_at) * 10)

    assert not Segment.objects.filter(camera=b).exists()
    assert fingerprint(footage) == before


# --- the migration from name folders ------------------------------------------------------------

RUNS = uuid.UUID("6f1d2c1e-9a57-4b8e-8f4e-7d4c2b1a0e93")  # recordings.sync's namespace of rebuilt runs


def digests(camera) -> dict[int, str]:
    return {s.pk: sha(s.path) for s in Segment.objects.filter(camera=camera)}


def copy_as_orphan(segment, tag: str) -> str:
    """A file in the segment's folder that no row names (a crash before the writer's first batch)."""
    head, _ = os.path.split(segment.path)
    relative = os.path.join(head, f"235959.000001-{tag}.mp4")
    (settings.NVR_MEDIA_ROOT / relative).write_bytes((settings.NVR_MEDIA_ROOT / segment.path).read_bytes())
    return relative


@pytest.fixture
def old_layout(lots, clip):
    """What the old code left: lot_1 and lot/1 recording into one `lot_1/`, the old sync's second
    row under the other camera for each file, an orphan it indexed for both (nobody can tell whose
    it is); and `gate/x` alone in `gate_x/` with an orphan of its own."""
    a, b, *_ = lots
    gate = CameraFactory(organization=a.organization, name="gate/x")
    footage_a, footage_b = record(a, clip, folder="lot_1"), record(b, clip, folder="lot_1")
    footage_gate = record(gate, clip, folder="gate_x")
    own = {camera.pk: digests(camera) for camera in (a, b, gate)}
    for segment, thief in [(s, b) for s in footage_a] + [(s, a) for s in footage_b]:
        tag = os.path.basename(segment.path)[14:22]
        Segment.objects.create(
            camera=thief,
            path=segment.path,
            run_id=uuid.uuid5(RUNS, f"{thief.pk}-{tag}"),
            started_at=segment.started_at,
            ended_at=segment.ended_at,
            complete=True,
        )
    Segment.objects.filter(pk=footage_a[-1].pk).delete()  # lot_1's row lost: only lot/1's claims it
    own[a.pk].pop(footage_a[-1].pk)
    shared_orphan = copy_as_orphan(footage_a[0], "0badf00d")
    for camera in (a, b):  # which the old sync indexed for both: neither can be shown to own it
        Segment.objects.create(
            camera=camera,
            path=shared_orphan,
            run_id=uuid.uuid5(RUNS, f"{camera.pk}-0badf00d"),
            started_at=footage_a[0].started_at.replace(hour=23, minute=59, second=59, microsecond=1),
            ended_at=footage_a[0].started_at.replace(hour=23, minute=59, second=59, microsecond=1),
            complete=True,
        )
    gate_orphan = copy_as_orphan(footage_gate[0], "0dd0dd00")
    return a, b, gate, own, shared_orphan, gate_orphan, footage_a[-1].path


def migrate_footage():
    from cameras.models import Camera
    from recordings.layout_move import move_footage
    from recordings.models import Run

    return move_footage(Camera, Segment, Run, settings.NVR_MEDIA_ROOT)


def assert_each_camera_has_exactly_its_own(own, *cameras):
    for camera in cameras:
        paths = Segment.objects.filter(camera=camera).values_list("path", flat=True)
        assert all(p.startswith(camera_folder(camera) + "/") for p in paths), camera.name
        assert digests(camera) == own[camera.pk], camera.name  # the same rows, the same bytes


def test_the_migration_moves_each_file_by_its_own_cameras_row(old_layout):
    a, b, gate, own, shared_orphan, gate_orphan, unindexed = old_layout
    root = settings.NVR_MEDIA_ROOT

    report = migrate_footage()

    assert_each_camera_has_exactly_its_own(own, a, b, gate)  # the rows for the other's files went
    assert report.rows_dropped == len(own[a.pk]) + 1 + len(own[b.pk]) + 2
    # the file only lot/1's stolen row named goes to lot_1, which recorded its run, for sync to index
    assert (root / camera_folder(a) / unindexed.split("/", 1)[1]).exists()
    assert not (root / "gate_x").exists()  # a folder one camera used moved whole, orphan included
    assert (root / camera_folder(gate) / gate_orphan.split("/", 1)[1]).exists()
    assert report.left_in_place == [shared_orphan] and (root / shared_orphan).exists()
    assert not any((root / camera_folder(b)).rglob("235959.000001-0badf00d.mp4"))

    settle(*Segment.objects.all())
    old = time.time() - 3600
    os.utime(root / camera_folder(a) / unindexed.split("/", 1)[1], (old, old))
    recordings_sync()
    assert Segment.objects.filter(camera=a).count() == len(own[a.pk]) + 1
    assert Segment.objects.filter(camera=b).count() == len(own[b.pk])


def test_the_migration_runs_again_and_resumes_after_an_interruption(old_layout):
    a, b, gate, own, shared_orphan, *_ = old_layout
    root = settings.NVR_MEDIA_ROOT
    interrupted = Segment.objects.get(pk=next(iter(own[a.pk])))  # moved; the crash came before its row
    target = root / camera_folder(a) / interrupted.path.split("/", 1)[1]
    target.parent.mkdir(parents=True)
    os.replace(root / interrupted.path, target)
    os.rename(root / "gate_x", root / camera_folder(gate))  # renamed; the crash came before its UPDATE

    migrate_footage()
    again = migrate_footage()

    assert_each_camera_has_exactly_its_own(own, a, b, gate)
    assert again.folders_renamed == again.files_moved == again.rows_rewritten == again.rows_dropped == 0
    assert (root / shared_orphan).exists()


def test_migrate_moves_an_old_layout_folder(lots):
    """`manage.py migrate` itself, from before storage keys, on files where the old code put them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    a, b, *_ = lots
    root = settings.NVR_MEDIA_ROOT
    for camera, name in [(a, "000000.000000-aaaaaaaa.mp4"), (b, "000001.000000-bbbbbbbb.mp4")]:
        relative = f"lot_1/2026/01/02/{name}"  # the old name -> folder rule: both in lot_1/
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(camera.name.encode())
        SegmentFactory(camera=camera, path=relative, run_id=uuid.UUID(name[14:22] * 4))
    before = [("cameras", "0004_camera_labels"), ("recordings", "0005_policy_last_run_help")]
    MigrationExecutor(connection).migrate(before)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for camera in (a, b):
        camera.refresh_from_db()
        [segment] = Segment.objects.filter(camera=camera)
        assert segment.path.startswith(camera_folder(camera) + "/2026/01/02/")
        assert (root / segment.path).read_bytes() == camera.name.encode()
    assert not (root / "lot_1").exists()


# --- names with "/" on every page ---------------------------------------------------------------


def test_every_page_of_a_camera_named_with_a_slash_answers(lots, clip, client):
    a, _, alice, _ = lots
    camera = CameraFactory(organization=a.organization, name="a/b")
    footage = record(camera, clip)
    EpisodeFactory(camera=camera, opened_at=footage[0].started_at)
    client.force_login(alice)
    job = client.post(
        "/media/a/b/exports",
        {"from": int(footage[0].started_at.timestamp()), "to": int(footage[-1].ended_at.timestamp())},
    )
    assert job.status_code == 202
    start = int(footage[0].started_at.timestamp())
    window = f"from={start}&to={start + 10}"
    pages = [
        "/cameras/",
        "/cameras/a/b/",
        "/cameras/a/b/edit/",
        "/cameras/a/b/access/",
        "/cameras/live/",
        "/cameras/folders/",
        "/recordings/timeline/?camera=a/b",
        "/recordings/daily/?camera=a/b",
        "/recordings/exports/",
        "/recordings/episodes/",
        "/recordings/storage/",
        f"/media/a/b/timeline.json?{window}",
        f"/media/a/b/availability.json?month={footage[0].started_at:%Y-%m}",
        f"/media/a/b/archive.m3u8?{window}",
        "/media/a/b/info.json",
        f"/media/a/b/segments/{footage[0].pk}.mp4",
        "/flussonic/a/b/recording_status.json",
        f"/flussonic/a/b/archive-{start}-10.m3u8",
        "/flussonic/a/b/media_info.json",
        f"/flussonic/a/b/ranges.json?opened_at_lte={(start + 10) * 1000}&closed_at_gte={start * 1000}",
    ]
    answers = {page: client.get(page).status_code for page in pages}
    assert answers == dict.fromkeys(pages, 200)

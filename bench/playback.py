"""Benchmark: playback from the index at archive scale, and clip export against ffmpeg.

It records one real 60 s 1080p segment from the simulated camera, then builds a synthetic index
of --cameras × --days of 60 s segments (the first --real cameras point at that file with its
real fragment index; the rest have rows only, so the tables and indexes have their full size)
and measures, in this process through Django's test client:
  - an archive playlist (1 h) at a random instant plus its first fragment (p50/p95, queries);
  - coverage of one camera over 24 h (60 s step) and 30 days (1 h step);
  - exporting 10 minutes with our remux against `ffmpeg -f concat -c copy` of the same bytes.

    .venv/bin/python bench/playback.py [--cameras 100] [--days 30] [--samples 200]
Uses SQLite in a temporary directory unless DATABASE_URL is set (then that database is used).
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("NVR_DATA_DIR", data_dir)
    os.environ["NVR_MEDIA_ROOT"] = os.path.join(data_dir, "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr_project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def record_segment(media_root: str):
    """One real 60 s segment of a 1080p25 6 Mbit/s camera; returns its SegmentClosed record."""
    from recordings.media.index import SegmentClosed
    from recordings.media.session import RecordingLoop
    from recordings.media.source import SourceConfig
    from tests.support.rtsp_camera import BENCH_1080P_H264, RtspServer

    closed, stop = [], threading.Event()

    def emit(record):
        if isinstance(record, SegmentClosed):
            closed.append(record)
            stop.set()

    with RtspServer() as server:
        camera = server.add_camera(BENCH_1080P_H264)
        loop = RecordingLoop(
            camera_dir="real",
            source=SourceConfig(camera.url),
            root=media_root,
            segment_seconds=60,
            record_audio=True,
            emit=emit,
            stop=stop,
        )
        loop.run()
    return closed[0]


def build_index(real, cameras: int, days: int, real_cameras: int) -> list[int]:
    from django.db import transaction

    from cameras.models import Camera
    from organizations.models import Organization
    from recordings.media.index import FragmentRecord, pack_fragments
    from recordings.models import Run, Segment

    org = Organization.objects.create(title="Bench")
    ids = [Camera.objects.create(organization=org, name=f"bench-{i}").pk for i in range(cameras)]
    blob_real = pack_fragments(list(real.fragments))
    blob_stub = pack_fragments([FragmentRecord(0, 60_000_000, real.init_size, 1000, True)])
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start = end - dt.timedelta(days=days)
    template = {
        "path": real.path,
        "bytes": real.bytes_total,
        "init_size": real.init_size,
        "fragment_count": len(real.fragments),
        "complete": True,
        "video_codec": "h264",
        "updated_at": end,
    }
    for index, camera_id in enumerate(ids):
        blob = blob_real if index < real_cameras else blob_stub
        rows, runs, run_id = [], [], None
        for n in range(days * 1440):
            at = start + dt.timedelta(minutes=n)
            if n % 1440 == 0:  # one reconnect a day: a new run
                run_id = uuid.uuid4()
                day_end = min(end, at + dt.timedelta(days=1))
                runs.append(Run(camera_id=camera_id, run_id=run_id, started_at=at, ended_at=day_end))
            rows.append(
                template
                | {
                    "camera_id": camera_id,
                    "run_id": run_id,
                    "started_at": at,
                    "ended_at": at + dt.timedelta(minutes=1),
                    "fragment_index": blob,
                }
            )
        with transaction.atomic():
            _insert(Segment, rows)
            Run.objects.bulk_create(runs)
        print(f"\r  index: camera {index + 1}/{len(ids)}", end="", flush=True)
    print()
    return ids


def _insert(model, rows: list[dict]) -> None:
    """executemany with every other column at its default: several times faster than bulk_create."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.column for f in fields]
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    defaults = {f.attname: f.get_default() for f in fields}
    values = []
    for row in rows:
        merged = defaults | row
        values.append([f.get_db_prep_save(merged[f.attname], connection) for f in fields])
    with connection.cursor() as cursor:
        for at in range(0, len(values), 5000):
            cursor.executemany(sql, values[at : at + 5000])


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure_playback(ids, days, samples, real_cameras):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from cameras.models import Camera

    admin = User.objects.create(login="bench-admin", role="admin")
    client = Client()
    client.force_login(admin)
    names = dict(Camera.objects.filter(pk__in=ids[:real_cameras]).values_list("pk", "name"))
    now = time.time()
    totals, queries = [], []
    for _ in range(samples):
        name = names[random.choice(list(names))]
        at = now - random.uniform(3600, days * 86400 - 3600)
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            playlist = client.get(f"/media/{name}/archive.m3u8?from={at}&to={at + 3600}")
            assert playlist.status_code == 200, playlist.content[:200]
            lines = playlist.content.decode().splitlines()
            byterange = next(line for line in lines if line.startswith("#EXT-X-BYTERANGE:"))
            uri = lines[lines.index(byterange) + 1]
            size, offset = (int(v) for v in byterange.split(":")[1].split("@"))
            fragment = client.get(uri, HTTP_RANGE=f"bytes={offset}-{offset + size - 1}")
            body = b"".join(fragment.streaming_content)
            totals.append((time.perf_counter() - began) * 1000)
        assert len(body) == size
        queries.append(len(captured))
    print(f"archive playlist (1 h) + first fragment, {samples} random instants over {days} days:")
    print(
        f"  p50 {statistics.median(totals):.1f} ms  p95 {percentile(totals, 95):.1f} ms"
        "  (target p95 <= 300 ms)"
    )
    print(f"  queries per request pair: min {min(queries)} max {max(queries)}")


def measure_coverage(ids):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recordings.playback import timeline

    end = dt.datetime.now(dt.UTC)
    for label, span, step in (
        ("24 h, 60 s step", dt.timedelta(days=1), 60),
        ("30 days, 1 h step", dt.timedelta(days=30), 3600),
    ):
        times = []
        for _ in range(20):
            camera_id = random.choice(ids)
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                timeline.coverage([camera_id], end - span, end, dt.timedelta(seconds=step))
                times.append((time.perf_counter() - began) * 1000)
        print(
            f"coverage {label}: p50 {statistics.median(times):.2f} ms  max {max(times):.2f} ms"
            f"  queries {len(captured)}  (target <= 30 ms)"
        )


def measure_export(real, media_root: str):
    from recordings.media.export import ClipPart, remux_clip

    minutes = 10
    path = os.path.join(media_root, real.path)
    parts = []
    for n in range(minutes):  # ten consecutive segments of one run: the same file, one after another
        parts.append(
            ClipPart(
                path=path,
                run_id="run",
                init_size=real.init_size,
                ranges=[(f.byte_offset, f.size) for f in real.fragments],
                starts_us=n * 60_000_000,
                ends_us=(n + 1) * 60_000_000,
            )
        )
    out = os.path.join(media_root, "bench-export.mp4")
    began = time.perf_counter()
    result = remux_clip(parts, out, from_us=0, to_us=minutes * 60_000_000)
    ours_one = time.perf_counter() - began
    concat = os.path.join(media_root, "list.txt")
    with open(concat, "w") as handle:
        handle.write(f"file '{path}'\n" * minutes)
    began = time.perf_counter()
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            concat,
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            os.path.join(media_root, "ffmpeg.mp4"),
        ],
        check=True,
    )
    ffmpeg_one = time.perf_counter() - began
    seconds = minutes * 60
    print(
        f"export of {minutes} min of 1080p ({minutes * real.bytes_total / 2**20:.0f} MB): "
        f"ours {ours_one:.2f} s "
        f"({seconds / ours_one:.0f}x real time), "
        f"ffmpeg -c copy {ffmpeg_one:.2f} s ({seconds / ffmpeg_one:.0f}x); "
        f"ratio ours/ffmpeg time {ours_one / ffmpeg_one:.2f}  (target >= 100x)"
    )
    assert abs(result.duration_us - seconds * 1_000_000) < 2_000_000, result.duration_us


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--real", type=int, default=10, help="cameras whose rows point at the real segment")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    if not shutil.which("ffmpeg"):
        sys.exit("the export baseline needs Debian's ffmpeg: apt-get install ffmpeg")
    data_dir = tempfile.mkdtemp(prefix="bench-playback-")
    try:
        setup_django(data_dir)
        print("recording one real 60 s 1080p segment ...", flush=True)
        real = record_segment(os.environ["NVR_MEDIA_ROOT"])
        print(
            f"building an index of {args.cameras} cameras x {args.days} days of 60 s segments ...", flush=True
        )
        began = time.perf_counter()
        ids = build_index(real, args.cameras, args.days, args.real)
        print(f"  {args.cameras * args.days * 1440} segments in {time.perf_counter() - began:.0f} s")
        measure_playback(ids, args.days, args.samples, args.real)
        measure_coverage(ids)
        measure_export(real, os.environ["NVR_MEDIA_ROOT"])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

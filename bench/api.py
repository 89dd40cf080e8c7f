"""Benchmark: the Watcher Client API's `streams_list` against a plain DRF ModelViewSet, in one process.

Builds one organization with --cameras cameras (half of them alive) in 10 folders, each with
--days days of recordings (one run a day with an hour's gap, hourly segments), and an organization
administrator. Then, through Django's test client with a Bearer token from `POST /login`:
  - walks every page of `GET /streams?limit=100&select=name,stats.alive,stats.dvr_info`
    (--rounds times) and reports p50/p95 server time per page and the queries a page costs;
  - lists the same cameras, 100 a page, through a ModelViewSet with a ModelSerializer and
    LimitOffsetPagination defined here (same authentication, same tenancy filter): the baseline;
  - counts the queries of one `streams_list` page at limit 10, 100 and 500: a constant.

    .venv/bin/python bench/api.py [--cameras 1000] [--days 3] [--rounds 5]
Uses SQLite in a temporary directory unless DATABASE_URL is set; everything the bench writes is
in one transaction that is rolled back at the end, so a shared PostgreSQL database stays clean.
"""

import argparse
import base64
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "/watcher/client-api/v3"
SELECT = "name,stats.alive,stats.dvr_info"
PASSWORD = "bench-password-1"


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("NVR_DATA_DIR", data_dir)
    os.environ["NVR_MEDIA_ROOT"] = os.path.join(data_dir, "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr_project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(cameras: int, days: int):
    """The organization, its administrator and cameras with `days` of runs and hourly segments."""
    from django.utils import timezone

    from accounts.models import User
    from cameras.models import Camera
    from organizations.models import Folder, Membership, Organization
    from recordings.models import Run, Segment

    tag = uuid.uuid4().hex[:8]  # names are unique database-wide; a shared database may hold others
    org = Organization.objects.create(title=f"Bench {tag}")
    user = User.objects.create(login=f"bench-{tag}")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, organization=org, is_admin=True)
    folders = [Folder.objects.create(organization=org, title=f"F{i}", position=i) for i in range(10)]
    now = timezone.now()
    Camera.objects.bulk_create(
        Camera(
            organization=org,
            folder=folders[i % 10],
            name=f"bench-{tag}-{i:05d}",
            title=f"Camera {i}",
            position=i,
            last_frame_at=now if i % 2 == 0 else now - dt.timedelta(hours=1),
            bitrate=2000 + i,
        )
        for i in range(cameras)
    )
    ids = list(Camera.objects.filter(organization=org).values_list("pk", flat=True))
    start = (now - dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    runs, segments = [], []
    for camera_id in ids:
        for day in range(days):
            run_id = uuid.uuid4()
            began = start + dt.timedelta(days=day)
            runs.append(
                Run(
                    camera_id=camera_id,
                    run_id=run_id,
                    started_at=began,
                    ended_at=began + dt.timedelta(hours=23),
                )
            )
            segments += [
                Segment(
                    camera_id=camera_id,
                    run_id=run_id,
                    path=f"bench/{camera_id}/{day}/{hour}.mp4",
                    started_at=began + dt.timedelta(hours=hour),
                    ended_at=began + dt.timedelta(hours=hour + 1),
                    bytes=900_000_000,
                )
                for hour in range(23)
            ]
    Run.objects.bulk_create(runs, batch_size=2000)
    Segment.objects.bulk_create(segments, batch_size=2000)
    return user, len(segments)


def plain_viewset():
    """The baseline: what a DRF tutorial would write for the same list."""
    from rest_framework import pagination, serializers, viewsets

    from cameras.models import Camera
    from nvr_project.dialects.flussonic.auth import WatcherAuthentication

    class CameraSerializer(serializers.ModelSerializer):
        class Meta:
            model = Camera
            fields = ["name", "title", "last_frame_at", "bitrate", "folder_id", "organization_id"]

    class Page(pagination.LimitOffsetPagination):
        default_limit = 100

    class CameraViewSet(viewsets.ReadOnlyModelViewSet):
        authentication_classes = [WatcherAuthentication]
        serializer_class = CameraSerializer
        pagination_class = Page

        def get_queryset(self):
            return Camera.objects.for_user(self.request.user).order_by("position", "name")

    return CameraViewSet


def urlpatterns_with_baseline():
    """The project's routes plus the baseline at /bench/cameras."""
    from django.contrib.auth.decorators import login_not_required
    from django.urls import include, path

    viewset = plain_viewset()
    return [
        path("bench/cameras", login_not_required(viewset.as_view({"get": "list"}))),
        path("", include("nvr_project.urls")),
    ]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def walk(client, headers, first: str, next_url) -> list[tuple[float, int, int]]:
    """(seconds, queries, items) for every page from `first` on, following `next_url(body)`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages, url = [], first
    while url:
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url, **headers)
            elapsed = time.perf_counter() - began
        assert response.status_code == 200, (response.status_code, response.content[:300])
        body = response.json()
        items = body.get("streams", body.get("results", []))
        pages.append((elapsed, len(queries), len(items)))
        url = next_url(body)
    return pages


def report(name: str, pages: list[tuple[float, int, int]]) -> float:
    times = [p[0] * 1000 for p in pages]
    queries = sorted({p[1] for p in pages})
    p50 = statistics.median(times)
    print(
        f"  {name:<26} p50 {p50:6.1f} ms  p95 {percentile(times, 95):6.1f} ms  "
        f"queries/page {'/'.join(map(str, queries))}  ({len(pages)} pages, {sum(p[2] for p in pages)} items)"
    )
    return p50


def measure(user, cameras: int, rounds: int) -> None:
    from urllib.parse import quote

    from django.test import Client

    client = Client()
    basic = base64.b64encode(f"{user.login}:{PASSWORD}".encode()).decode()
    login = client.post(f"{BASE}/login", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert login.status_code == 200, login.content
    headers = {"HTTP_AUTHORIZATION": f"Bearer {login.json()['access_token']}"}

    def streams(limit: int):
        first = f"{BASE}/streams?limit={limit}&select={SELECT}"
        return first, lambda body: body.get("next") and f"{first}&cursor={quote(body['next'])}"

    def plain(limit: int):
        return f"/bench/cameras?limit={limit}", lambda body: body.get("next")

    walk(client, headers, *streams(100))  # warm-up: first-request imports and caches
    walk(client, headers, *plain(100))
    ours, baseline = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        ours += walk(client, headers, *streams(100))
        baseline += walk(client, headers, *plain(100))
    print(f"{cameras} cameras, limit=100, every page, {rounds} rounds:")
    ours_p50 = report(f"streams_list select={SELECT}", ours)
    base_p50 = report("DRF ModelViewSet (baseline)", baseline)
    print(f"  ratio streams_list/baseline p50: {ours_p50 / base_p50:.2f}")
    counts = []
    for limit in (10, 100, 500):
        pages = walk(client, headers, streams(limit)[0], lambda body: None)  # the first page only
        counts.append(f"limit={limit}: {pages[0][1]}")
    print(f"  streams_list queries per page by page size: {', '.join(counts)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=1000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench-api-")
    try:
        setup_django(data_dir)
        from django.db import connection, transaction
        from django.test.utils import override_settings, setup_test_environment

        setup_test_environment()  # the test client's ALLOWED_HOSTS and in-memory e-mail
        database = connection.vendor
        with transaction.atomic():
            began = time.perf_counter()
            user, segments = build(args.cameras, args.days)
            print(
                f"{database}: built {args.cameras} cameras with {segments} segments "
                f"in {time.perf_counter() - began:.0f} s"
            )
            global urlpatterns
            urlpatterns = urlpatterns_with_baseline()
            with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
                measure(user, args.cameras, args.rounds)
            transaction.set_rollback(True)  # leave a shared database as it was
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


urlpatterns: list = []

if __name__ == "__main__":
    main()

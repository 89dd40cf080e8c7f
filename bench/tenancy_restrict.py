"""Benchmark: what restricting the camera list to a member's grants costs over an unrestricted list.

Builds one organization with 2,000 cameras in a 3-level tree of 210 folders and a member with
grants on 20 folders (some narrowing their parent), then times listing the cameras the member
may watch live against listing all cameras of the organization (the baseline), in one process.

    .venv/bin/python bench/tenancy_restrict.py [--cameras 2000] [--rounds 30]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("NVR_DATA_DIR", tempfile.mkdtemp(prefix="nvr-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr_project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from cameras.models import Camera  # noqa: E402
from organizations.choices import Action  # noqa: E402
from organizations.models import Folder, FolderGrant, Membership, Organization  # noqa: E402


def build(camera_count: int) -> tuple[Organization, User]:
    org = Organization.objects.create(title="Bench")
    member = User.objects.create(login="member")
    Membership.objects.create(user=member, organization=org)
    folders = []
    for top in range(10):
        parent = Folder.objects.create(organization=org, title=f"T{top}", position=top)
        folders.append(parent)
        for mid in range(20):
            folders.append(
                Folder.objects.create(organization=org, parent=parent, title=f"T{top}.{mid}", position=mid)
            )
    Camera.objects.bulk_create(
        Camera(organization=org, folder=folders[i % len(folders)], name=f"cam-{i:05d}")
        for i in range(camera_count)
    )
    for index, folder in enumerate(folders[::11][:20]):
        FolderGrant.objects.create(folder=folder, user=member, can_live=index % 4 != 3)
    return org, member


def timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    org, member = build(args.cameras)

    def baseline():
        return list(Camera.objects.filter(organization=org).values_list("name", flat=True))

    def restricted():
        return list(
            Camera.objects.for_user(member, Action.LIVE, organization=org).values_list("name", flat=True)
        )

    visible = len(restricted())
    base_ms, restricted_ms = timed(baseline, args.rounds), timed(restricted, args.rounds)
    print(f"database: {connection.vendor}; cameras: {args.cameras}; visible to member (live): {visible}")
    print(f"baseline  all cameras of the organization: {base_ms:8.2f} ms (median of {args.rounds})")
    print(f"restricted to the member's grants:        {restricted_ms:8.2f} ms")
    print(f"ratio restricted/baseline: {restricted_ms / base_ms:.2f}")


if __name__ == "__main__":
    main()

"""Footage moves from name folders (`lot/1` -> `lot_1/`, which `lot_1` shared) to storage-key
folders. Not atomic on purpose: each file's move is followed by its row's rewrite, committed at
once, so an interrupted run resumes where it stopped (`recordings.layout_move`)."""

from django.conf import settings
from django.db import migrations

from recordings.layout_move import move_footage, new_folder, old_folder


def _run(apps, source, target):
    report = move_footage(
        apps.get_model("cameras", "Camera"),
        apps.get_model("recordings", "Segment"),
        apps.get_model("recordings", "Run"),
        settings.NVR_MEDIA_ROOT,
        source=source,
        target=target,
    )
    if report.left_in_place:
        print(f"\n  {len(report.left_in_place)} file(s) claimed by several cameras left where they are")


def forwards(apps, schema_editor):
    _run(apps, old_folder, new_folder)


def backwards(apps, schema_editor):
    _run(apps, new_folder, old_folder)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cameras", "0005_camera_storage_key"),
        ("recordings", "0005_policy_last_run_help"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

"""Cameras get `storage_key`, the stable name of their footage folder (the folders move in
recordings 0006). Added nullable, filled one key per camera, then made unique: a callable default
on AddField would give every existing row the same key."""

import uuid

from django.db import migrations, models

import cameras.models.cameras


def fill_storage_keys(apps, schema_editor):
    Camera = apps.get_model("cameras", "Camera")
    for camera in Camera.objects.filter(storage_key__isnull=True).only("pk"):
        Camera.objects.filter(pk=camera.pk).update(storage_key=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("cameras", "0004_camera_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="camera",
            name="storage_key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_storage_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="camera",
            name="storage_key",
            field=models.CharField(
                default=cameras.models.cameras.new_storage_key,
                editable=False,
                help_text="Its footage's folder under NVR_MEDIA_ROOT: set at creation, kept through renames",
                max_length=32,
                unique=True,
            ),
        ),
    ]

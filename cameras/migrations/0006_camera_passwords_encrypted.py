"""Input and ONVIF passwords are encrypted at rest (nvr_project/crypto.py); existing ones get encrypted."""

from django.db import migrations

import nvr_project.crypto


class Migration(migrations.Migration):
    dependencies = [("cameras", "0005_camera_storage_key")]

    operations = [
        migrations.AlterField(
            model_name="camera",
            name="onvif_password",
            field=nvr_project.crypto.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="camerainput",
            name="password",
            field=nvr_project.crypto.EncryptedTextField(blank=True, max_length=200),
        ),
        nvr_project.crypto.encrypt_existing("cameras", "Camera", "onvif_password"),
        nvr_project.crypto.encrypt_existing("cameras", "CameraInput", "password"),
    ]

"""The VAPID private key is encrypted at rest (nvr_project/crypto.py); the existing one gets encrypted."""

from django.db import migrations

import nvr_project.crypto


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_loginfailure_kind_knownaddress")]

    operations = [
        migrations.AlterField(
            model_name="vapidkey",
            name="private_key",
            field=nvr_project.crypto.EncryptedTextField(),
        ),
        nvr_project.crypto.encrypt_existing("accounts", "VapidKey", "private_key"),
    ]

"""The VAPID key model, and the installation's key pair made as the database is first set up."""

import base64

import django.utils.timezone
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import migrations, models


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_key_make(apps, schema_editor):
    """Same format as accounts.services.notifications.vapid_key_get (which remakes it if ever missing)."""
    private = ec.generate_private_key(ec.SECP256R1())
    apps.get_model("accounts", "VapidKey").objects.get_or_create(
        id=1,
        defaults={
            "private_key": b64url(private.private_numbers().private_value.to_bytes(32, "big")),
            "public_key": b64url(
                private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
            ),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="VapidKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("private_key", models.CharField(max_length=64)),
                ("public_key", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "VAPID key",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="accounts_vapidkey_singleton")
                ],
            },
        ),
        migrations.RunPython(vapid_key_make, migrations.RunPython.noop),
    ]

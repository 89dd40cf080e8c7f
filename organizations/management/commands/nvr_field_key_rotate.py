"""Re-encrypt every encrypted field with the first field key, optionally after generating a new one.

Rotation: `manage.py nvr_field_key_rotate --generate` puts a new key first in the data directory's
`field_key`; with `NVR_FIELD_KEY`, prepend the new key there yourself and run the command without
`--generate`. Afterwards the older keys decrypt nothing and may be removed.
"""

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nvr_project import crypto


class Command(BaseCommand):
    help = "Re-encrypt the stored secrets with the first field key (--generate: a new one first)."

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="put a new key first in field_key")

    def handle(self, *args, generate=False, **options):
        if generate:
            if settings.NVR_FIELD_KEY:
                raise CommandError("the keys come from NVR_FIELD_KEY: put a new key first there instead")
            crypto.key_file_prepend(Fernet.generate_key().decode())
        with transaction.atomic():
            for model in apps.get_models():
                fields = crypto.encrypted_fields(model)
                if fields:
                    count = crypto.reencrypt(model, fields)
                    self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")
        self.stdout.write("Every secret now uses the first key; the older keys may be removed.")

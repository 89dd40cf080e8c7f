"""Secrets at rest: model fields whose values the database only ever holds encrypted (Fernet).

The key is `NVR_FIELD_KEY` (comma-separated) or else `$NVR_DATA_DIR/field_key` (one key a line,
mode 0600, written once on first use). Several keys make a MultiFernet: the first encrypts, every
one decrypts, so a rotation prepends a new key and re-saves (`manage.py nvr_field_key_rotate`).

Values written before encryption are read as they are (a data migration then encrypts them), and
`""` stays `""`: an empty secret hides nothing, and `password=""` filters keep working. Serializers
(`dumpdata`) see the ciphertext and `loaddata` decrypts it, so a dump carries no secret either.
"""

import json
import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

logger = logging.getLogger(__name__)
KEY_FILE = "field_key"
TOKEN_PREFIX = "gAAAAA"  # base64url of Fernet's version byte 0x80 and the timestamp's high bytes


def key_file() -> Path:
    return Path(settings.NVR_DATA_DIR) / KEY_FILE


def _file_keys(path: Path) -> tuple[str, ...]:
    """The keys in the data directory's key file, made once if there is none yet."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        # Write a private temporary file, then link it into place: two processes starting at
        # once both end up with the one key that won, and nobody ever reads a half-written file.
        temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        found = os.stat(path)
    # Read again only when the file changed: a rotation in another process is seen at once.
    return _read_keys(str(path), found.st_mtime_ns, found.st_size)


@lru_cache(maxsize=8)
def _read_keys(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    return tuple(Path(path).read_text().split())


def field_keys() -> tuple[str, ...]:
    """The configured keys, the encrypting one first."""
    return tuple(settings.NVR_FIELD_KEY) or _file_keys(key_file())


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "NVR_FIELD_KEY / field_key must hold Fernet keys (32 url-safe base64 bytes), one per line"
        ) from None


def fernet() -> MultiFernet:
    keys = field_keys()
    if not keys:
        raise ImproperlyConfigured(f"{key_file()} holds no key")
    return _fernet_for(keys)


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode() if text else text


def decrypt(stored: str) -> str:
    """The plaintext of `stored`; legacy plaintext (no Fernet token) is returned as it is."""
    if not stored or not stored.startswith(TOKEN_PREFIX):
        return stored
    try:
        return fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        # Either a legacy value that happens to look like a token or a key that was replaced:
        # say so, and hand back what is stored rather than stop every page that reads it.
        logger.error("a stored secret does not decrypt with the configured field key(s)")
        return stored


def key_file_prepend(key: str) -> None:
    """Put `key` first in the key file (it encrypts from now on); the older keys still decrypt."""
    path = key_file()
    keys = [key, *_file_keys(path)]
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(temporary, path)


def encrypted_fields(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | EncryptedJSONField)
    ]


def reencrypt(model, fields: list[str]) -> int:
    """Write every value of `fields` back, so that it is encrypted with the first key; the row count."""
    count = 0
    for row in model._default_manager.only("pk", *fields).iterator():
        model._default_manager.filter(pk=row.pk).update(**{f: getattr(row, f) for f in fields})
        count += 1
    return count


class EncryptedTextField(models.TextField):
    """A text secret (a camera or SMTP password, a private key) kept encrypted in the database."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if isinstance(value, str) else value

    def to_python(self, value):
        value = super().to_python(value)
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) else value

    def value_to_string(self, obj):
        return encrypt(self.value_from_object(obj) or "")


class EncryptedJSONField(models.JSONField):
    """A JSON document that holds secrets (the domain's mail settings), stored as one Fernet token.

    The column stays JSON: it holds the token as a JSON string, or a legacy document until the
    data migration encrypts it. Key lookups inside the document are not possible.
    """

    def _open(self, value):
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            opened = decrypt(value)
            if opened is not value:
                return json.loads(opened)
        return value

    def from_db_value(self, value, expression, connection):
        return self._open(super().from_db_value(value, expression, connection))

    def to_python(self, value):
        return self._open(super().to_python(value))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return fernet().encrypt(json.dumps(value, cls=self.encoder).encode()).decode()

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))


def encrypt_existing(app_label: str, model_name: str, *fields: str) -> migrations.RunPython:
    """A data migration: the rows written before encryption, encrypted (and back in clear, reversed).

    Forwards, the historical model already has the encrypted field, which reads the plaintext as it
    is and writes it back encrypted. Backwards, it still reads the ciphertext, and each value is
    written back through a plain field.
    """

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        reencrypt(model, list(fields))

    def backwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for row in model.objects.only("pk", *fields):
            plain = {}
            for name in fields:
                json_field = isinstance(model._meta.get_field(name), models.JSONField)
                output = models.JSONField() if json_field else models.TextField()
                plain[name] = models.Value(getattr(row, name), output_field=output)
            model.objects.filter(pk=row.pk).update(**plain)

    return migrations.RunPython(forwards, backwards)

"""Bulk camera import (Watcher `streams_import`): many creates and updates, all or nothing."""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from cameras.models import Camera

# One row of an import: where it is in the file, and what applies it (True: it created a camera).
ImportRow = tuple[int, Callable[[], bool]]


class ImportRejected(Exception):
    """Some rows are invalid, so nothing was written; `errors` maps a row's line to its errors."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(f"{len(errors)} invalid row(s)")
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def camera_name_generate() -> str:
    """A free camera name in Watcher's style, `cam-` and ten hex digits."""
    while True:
        name = f"cam-{secrets.token_hex(5)}"
        if not Camera.objects.filter(name=name).exists():
            return name


def camera_import(*, rows: Iterable[ImportRow]) -> ImportResult:
    """Apply every row in one transaction; if any row fails, none of them is kept.

    Each row runs in its own savepoint, so after a bad row the others are still checked and the
    caller hears about every bad row at once (ImportRejected, keyed by line). A row signals a bad
    value with ValidationError. PermissionDenied and LimitReached (an organization's camera limit)
    are not row errors: they end the import at once, also with nothing written.
    """
    created = updated = 0
    errors: dict[int, ValidationError] = {}
    with transaction.atomic():
        for line, apply in rows:
            try:
                with transaction.atomic():
                    if apply():
                        created += 1
                    else:
                        updated += 1
            except ValidationError as exc:
                errors[line] = exc
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportRejected(errors)
    return ImportResult(created=created, updated=updated)

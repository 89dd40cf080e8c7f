"""`streams_import` (catalog §5.2.5, §7): bulk upsert of streams from CSV, all or nothing.

Each data row becomes a `stream_save` body (a column is a field path joined with `_`, resolved
against the known fields, so `dvr_episodes_expiration` is `dvr.episodes_expiration`) and is saved
exactly as `PUT /streams/{name}` would save it, with its permission and organization checks.
An empty cell leaves the field alone (on a new stream: its default); unknown columns are ignored.
Errors point at `/<row>/<column>`, rows numbered from the header's 1 (so a file without
quoted line breaks has them on that line).
"""

import csv
import io
import math
import re

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from cameras.exceptions import CameraNameTaken
from cameras.models import Camera
from cameras.services import ImportRejected, camera_import, camera_name_generate
from organizations.exceptions import ObjectNotFound

from ..errors import InvalidBody, WatcherError, error_item
from ..openapi import INT, obj, responses
from .base import WatcherClientView
from .stream_body import INPUT_NUMBERS, INPUT_TEXT, parse_stream_body, pointer_for
from .stream_edit import stream_save

FIELDS = {  # stream field path -> value type, the columns a file may have (§6.1 "W" fields)
    ("name",): str,
    ("title",): str,
    ("comment",): str,
    ("static",): bool,
    ("disabled",): bool,
    ("organization_id",): int,
    ("folder_id",): int,
    ("preset_id",): int,
    ("is_favourite",): bool,
    ("notifications_enabled",): bool,
    ("postal_address",): str,
    ("dvr", "expiration"): int,
    ("dvr", "episodes_expiration"): int,
    ("dvr", "storage_limit"): int,
    ("dvr", "redundancy_factor"): int,
    ("vision", "alg"): str,
    ("vision", "areas"): str,
    ("coordinates", "latitude"): float,
    ("coordinates", "longitude"): float,
    ("map_coordinates", "latitude"): float,
    ("map_coordinates", "longitude"): float,
    ("onvif", "ptz"): bool,
    ("audio", "transcode_audio_codec"): str,
    ("audio", "disabled"): bool,
}
COLUMNS = {"_".join(path): (path, kind) for path, kind in FIELDS.items()}
INPUT_FIELDS = {"url": str} | dict.fromkeys(INPUT_TEXT, str) | dict.fromkeys(INPUT_NUMBERS, float)
INPUT_COLUMN = re.compile(r"inputs_(\d+)_(\w+)")


class CsvParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        raw = stream.read() if stream is not None else b""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidBody([("", "the file must be UTF-8 text")]) from None


def _value(kind, text: str):
    """A cell as `kind`; ValueError for anything else."""
    if kind is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError("must be true or false")
        return text.lower() == "true"
    if kind is int:
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError("must be an integer")
        return int(text)
    if kind is float:
        try:
            number = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(number):
            raise ValueError("must be a number")
        return number
    return text


class _Row:
    """One data row: its stream body, and how to name its columns from the body's pointers."""

    def __init__(self, cells: dict[str, str]):
        self.body: dict = {}
        self.input_columns: list[int] = []  # inputs[i] came from columns inputs_<input_columns[i]>_*
        problems, inputs = {}, {}
        for column, text in cells.items():
            text = (text or "").strip() if column is not None else ""
            if not text:
                continue  # §7: an empty cell leaves the field as it is, or takes the default
            if column in COLUMNS:
                path, kind = COLUMNS[column]
            elif (match := INPUT_COLUMN.fullmatch(column)) and match[2] in INPUT_FIELDS:
                path, kind = ("inputs", int(match[1]), match[2]), INPUT_FIELDS[match[2]]
            else:
                continue  # an unknown column (the seed's `is_test`) is ignored, as unknown keys are
            try:
                value = _value(kind, text)
            except ValueError as exc:
                problems[column] = [str(exc)]
                continue
            if path[0] == "inputs":
                inputs.setdefault(path[1], {})[path[2]] = value
            elif len(path) == 1:
                self.body[path[0]] = value
            else:
                self.body.setdefault(path[0], {})[path[1]] = value
        if inputs:
            self.input_columns = sorted(inputs)
            self.body["inputs"] = [inputs[i] for i in self.input_columns]
        if problems:
            raise ValidationError(problems)

    def column(self, pointer: str) -> str:
        """The column a body pointer (`/dvr/expiration`, `/inputs/0/url`) came from."""
        parts = pointer.strip("/").split("/") if pointer else []
        if len(parts) >= 2 and parts[0] == "inputs" and parts[1].isdigit():
            index = int(parts[1])
            original = self.input_columns[index] if index < len(self.input_columns) else index
            return "_".join(["inputs", str(original), *parts[2:]])
        return "_".join(parts)


class StreamImportView(WatcherClientView):
    """/streams/import: `streams_import`."""

    parser_classes = [CsvParser]

    @extend_schema(
        operation_id="streams_import",
        request={"text/csv": {"type": "string"}},
        # 400: an errors[] entry per bad cell, pointer /<row>/<column>; 403: no edit rights, or a limit
        responses=responses(obj("created", "updated", created=INT, updated=INT), 400, 403, 415),
    )
    def post(self, request):
        text = request.data if isinstance(request.data, str) else ""
        try:
            records = list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise InvalidBody([("", f"the file is not valid CSV: {exc}")]) from None
        if not text.strip():
            raise InvalidBody([("", "the file is empty: a header row is required")])
        seen: set[str] = set()
        rows = [(line, self._applier(cells, seen)) for line, cells in enumerate(records, start=2)]
        try:
            result = camera_import(rows=rows)
        except ImportRejected as exc:
            raise _rejected(exc) from None
        return Response({"created": result.created, "updated": result.updated})

    def _applier(self, cells: dict, seen: set[str]):
        def apply() -> bool:
            row = _Row(cells)
            name = row.body.pop("name", "")
            if name and name in seen:  # an empty name makes a new stream each time
                raise ValidationError({"name": ["appears on an earlier line"]})
            seen.add(name)
            camera = Camera.objects.filter(name=name).select_related("organization", "preset").first()
            if camera is not None and not self.get_queryset().filter(pk=camera.pk).exists():
                raise ValidationError({"name": ["the stream name is taken"]})  # not the caller's
            try:
                patch = parse_stream_body(row.body)
                stream_save(user=self.user, camera=camera, name=name or camera_name_generate(), patch=patch)
            except InvalidBody as exc:
                raise ValidationError(
                    _by_column(row, [(i.get("source", {}).get("pointer", ""), i["title"]) for i in exc.items])
                ) from None
            except ValidationError as exc:
                detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                raise ValidationError(
                    _by_column(row, [(pointer_for(k), m) for k, msgs in detail.items() for m in msgs])
                ) from None
            except CameraNameTaken:
                raise ValidationError({"name": ["the stream name is taken"]}) from None
            except ObjectNotFound as exc:
                raise ValidationError({"": [str(exc)]}) from None
            return camera is None

        return apply


def _by_column(row: _Row, problems: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pointer, message in problems:
        found.setdefault(row.column(pointer), []).append(message)
    return found


def _rejected(exc: ImportRejected) -> WatcherError:
    """One `errors[]` entry per bad cell, `/<line>/<column>` (or `/<line>` for the whole row)."""
    items = []
    for line, error in sorted(exc.errors.items()):
        detail = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for column, messages in detail.items():
            pointer = f"/{line}/{column}" if column else f"/{line}"
            items += [error_item(400, "invalid", f"line {line}: {m}", pointer=pointer) for m in messages]
    error = WatcherError(items[0]["title"], code="invalid")
    error.items = items
    return error

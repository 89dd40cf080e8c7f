"""The Watcher error body (catalog §4): `{"errors": [...]}` with `source.pointer` or `source.parameter`."""

import logging
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cameras.exceptions import CameraNameTaken
from organizations.exceptions import LimitReached

logger = logging.getLogger(__name__)


def error_item(
    http_status: int, code: str, title: str, *, pointer: str | None = None, parameter: str | None = None
) -> dict:
    """One `errors[]` entry; `source` appears only when it names something."""
    item = {"id": uuid.uuid4().hex, "status": str(http_status), "code": code, "title": title}
    source = {k: v for k, v in (("pointer", pointer), ("parameter", parameter)) if v is not None}
    if source:
        item["source"] = source
    return item


class WatcherError(exceptions.APIException):
    """An error raised by a Watcher view with its catalog code and, optionally, what it points at."""

    def __init__(
        self,
        title: str,
        *,
        http_status: int = status.HTTP_400_BAD_REQUEST,
        code: str = "bad_request",
        pointer: str | None = None,
        parameter: str | None = None,
    ):
        super().__init__(detail=title, code=code)
        self.status_code = http_status
        self.items = [error_item(http_status, code, title, pointer=pointer, parameter=parameter)]


class BadParameter(WatcherError):
    """A query parameter that cannot be used (bad `limit`, unknown sort key, unreadable cursor)."""

    def __init__(self, parameter: str, title: str):
        super().__init__(title, code="bad_parameter", parameter=parameter)


class InvalidBody(WatcherError):
    """A request body with wrong types or values: one `errors[]` entry per (pointer, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][1], code="invalid", pointer=problems[0][0] or None)
        self.items = [
            error_item(400, "invalid", message, pointer=pointer or None) for pointer, message in problems
        ]


def _pointer(path: list) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path) if path else ""


def _flatten(detail, path: list) -> list[tuple[str, str]]:
    """(JSON pointer, message) for every leaf of a DRF or Django error structure."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            sub = [] if key in ("non_field_errors", "__all__") else [key]
            found += _flatten(value, path + sub)
        return found
    if isinstance(detail, list):
        if detail and all(isinstance(d, str) for d in detail):
            return [(_pointer(path), str(d)) for d in detail]
        found = []
        for index, value in enumerate(detail):
            if value:
                found += _flatten(value, path + [index])
        return found
    return [(_pointer(path), str(detail))]


def _validation_items(detail) -> list[dict]:
    items = []
    for pointer, message in _flatten(detail, []):
        items.append(error_item(400, "invalid", message, pointer=pointer or None))
    return items or [error_item(400, "invalid", "invalid request")]


_DRF_CODES = {
    exceptions.NotAuthenticated: "unauthorized",
    exceptions.AuthenticationFailed: "unauthorized",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "unknown_operation",
    exceptions.ParseError: "bad_request",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "too_many_attempts",
    exceptions.NotAcceptable: "not_acceptable",
}


def watcher_exception_handler(exc, context):
    """DRF exception handler of the Watcher dialects: every handled error becomes an `errors[]` body.

    Unexpected exceptions return None, so DRF re-raises them and Django logs a 500.
    """
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response({"errors": _validation_items(detail)}, status=400)
    if isinstance(exc, LimitReached):
        return Response({"errors": [error_item(403, "limit_reached", str(exc))]}, status=403)
    if isinstance(exc, CameraNameTaken):
        item = error_item(400, "name_taken", f"the stream name is taken: {exc}", pointer="/name")
        return Response({"errors": [item]}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "not found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "permission denied")
    response = exception_handler(exc, context)  # keeps WWW-Authenticate, Retry-After, Allow
    if response is None:
        return None
    if isinstance(exc, WatcherError):
        items = exc.items
    elif isinstance(exc, exceptions.ValidationError):
        items = _validation_items(exc.detail)
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc)
        items = [error_item(response.status_code, code, str(detail))]
    response.data = {"errors": items}
    return response

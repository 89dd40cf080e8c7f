"""`streamer_save` and `preview_layout_change_for_streamer_config` (catalog §5.2.3-5.2.4, §6.8.3).

A partial Streamer body changes what an administrator may change about a recording node; the
recorder honours it: `channel_limit: 0` drains the node (its cameras move to the other nodes within
a lease's lifetime), a positive limit caps how many cameras it takes. The preview computes, without
saving, how many cameras each node would record after such a change.
"""

import re

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from cameras.choices import StreamerRole
from cameras.layout import preview_node_change
from cameras.models import Streamer
from cameras.services.nodes import StreamerInUse, streamer_delete, streamer_save
from organizations.exceptions import ObjectNotFound

from ..computed import page_of_items
from ..errors import InvalidBody, WatcherError
from ..openapi import responses
from .base import WatcherAdminView
from .schemas import STREAMER, STREAMER_CHANGE, changes_page
from .streamers import StreamerView, streamer_body, streamer_queryset

UNIX_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9\-_.]{0,252})$")


def _count(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def parse_streamer_body(body) -> dict:
    """The writable Streamer fields of a patch as model fields; 400 with a pointer per bad field.

    Read-only keys (`hostname`, `stats`, …) and unknown keys are ignored (catalog §4).
    """
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields = [], {}
    if "role" in body:
        if body["role"] in StreamerRole.values:
            fields["role"] = body["role"]
        else:
            problems.append(("/role", f"must be one of {', '.join(StreamerRole.values)}"))
    for key in ("channel_limit", "total_bandwidth"):
        if key in body:
            if _count(body[key]):
                fields[key] = body[key]
            else:
                problems.append((f"/{key}", "must be a non-negative integer or null"))
    for key, model in (("cluster_key", "cluster_key"), ("api_url", "host")):
        if key in body:
            if isinstance(body[key], str):
                fields[model] = body[key]
            else:
                problems.append((f"/{key}", "must be a string"))
    if "config" in body:
        if isinstance(body["config"], dict):
            fields["config"] = body["config"]
        else:
            problems.append(("/config", "must be an object"))
    if "labels" in body:
        labels, bad = labels_parse(body["labels"])
        problems += bad
        if not bad:
            fields["labels"] = labels
    if "dvrs" in body:
        dvrs = body["dvrs"]
        if not isinstance(dvrs, list):
            problems.append(("/dvrs", "must be an array"))
        else:
            before = len(problems)
            for index, dvr in enumerate(dvrs):
                if not isinstance(dvr, dict):
                    problems.append((f"/dvrs/{index}", "must be an object"))
                    continue
                if not isinstance(dvr.get("root"), str) or not dvr.get("root"):
                    problems.append((f"/dvrs/{index}/root", "is required (a string)"))
                if "name" in dvr and not (isinstance(dvr["name"], str) and dvr["name"]):
                    problems.append((f"/dvrs/{index}/name", "must be a non-empty string"))
            if len(problems) == before:
                fields["dvrs"] = _named(dvrs)
    if problems:
        raise InvalidBody(problems)
    return fields


def _named(dvrs: list[dict]) -> list[dict]:
    """DVR storages without their read-only `stats`; one sent without its key `name` gets a free
    generated one (`dvr1`, `dvr2`, …), as catalog §10.2 decides."""
    taken = {d["name"] for d in dvrs if d.get("name")}
    named, counter = [], 0
    for dvr in dvrs:
        dvr = {k: v for k, v in dvr.items() if k != "stats"}
        if not dvr.get("name"):
            counter += 1
            while f"dvr{counter}" in taken:
                counter += 1
            dvr["name"] = f"dvr{counter}"
            taken.add(dvr["name"])
        named.append(dvr)
    return named


def labels_parse(labels) -> tuple[dict, list[tuple[str, str]]]:
    """Placement labels (key → 1-40 letters, digits, `_-.`; null clears them) and the problems."""
    if labels is None:
        return {}, []
    if not isinstance(labels, dict):
        return {}, [("/labels", "must be an object")]
    bad = [k for k, v in labels.items() if not (isinstance(v, str) and UNIX_NAME.match(v))]
    return labels, [(f"/labels/{k}", "must be 1-40 letters, digits, _ - or .") for k in bad]


def _hostname(hostname: str) -> str:
    if not HOSTNAME.match(hostname):
        raise InvalidBody([("", f"{hostname!r} is not a host name")])
    return hostname


class StreamerSaveMixin:
    @extend_schema(
        operation_id="streamer_save",
        request={"application/json": STREAMER},
        responses=responses(STREAMER, 400, 403),
    )
    def put(self, request, hostname: str):
        fields = parse_streamer_body(request.data)
        streamer_save(hostname=_hostname(hostname), actor=self.user, **fields)
        streamer = streamer_queryset().get(hostname=hostname)
        return Response(streamer_body(streamer, timezone.now()))


CHANGE_FIELDS = ("hostname", "role", "before", "after", "delta")


class StreamerPreviewView(WatcherAdminView):
    """POST /streamers/{hostname}/preview_layout_change: the redistribution a change would cause."""

    @extend_schema(
        operation_id="preview_layout_change_for_streamer_config",
        parameters=[
            OpenApiParameter("select", str),
            OpenApiParameter("sort", str),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1}),
            OpenApiParameter("cursor", str),
        ],
        request={"application/json": STREAMER},
        responses=responses(changes_page(STREAMER_CHANGE), 400, 403),
    )
    def post(self, request, hostname: str):
        fields = parse_streamer_body(request.data)
        change = {k: fields[k] for k in ("channel_limit", "labels") if k in fields}
        rows = [
            {**row, "role": "ingest", "delta": row["after"] - row["before"]}
            for row in preview_node_change(_hostname(hostname), **change)
        ]
        return Response(
            page_of_items(request, rows, items_key="changes", fields=CHANGE_FIELDS, required=("hostname",))
        )


class StreamerDetailView(StreamerSaveMixin, StreamerView):
    """GET, PUT and DELETE /streamers/{hostname} (`streamer_delete` is catalog §9)."""

    @extend_schema(operation_id="streamer_delete", responses=responses(None, 403, 404, 409, status=204))
    def delete(self, request, hostname: str):
        streamer = Streamer.objects.filter(hostname=hostname).first()
        if streamer is None:
            raise ObjectNotFound(f"no streamer {hostname!r}")
        try:
            streamer_delete(streamer=streamer, actor=self.user)
        except StreamerInUse as exc:
            raise WatcherError(str(exc), http_status=409, code="streamer_in_use") from None
        return Response(status=204)

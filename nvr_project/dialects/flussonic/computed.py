"""Collections of computed items (catalog §3) that no queryset holds, such as layout previews.

The same envelope, `select`, composite `sort`, field filters and `limit` as database lists, applied
in memory. The cursor is Flussonic's own form, base64 of `$position_gt=N` (or `$position_lt=N` with
`$reversed=true` backwards), over the sorted, filtered list.
"""

import base64
import binascii
from urllib.parse import parse_qsl, urlencode

from .collections import DEFAULT_LIMIT, MAX_LIMIT, RESERVED, SUFFIXES, Selection
from .errors import BadParameter

MISSING = object()


def _get(item: dict, dotted: str):
    value = item
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _same_type(sample, raw: str):
    """`raw` (query text) as the type of `sample` (an item's value), for comparisons."""
    if isinstance(sample, bool):
        return raw.lower() in ("true", "1")
    if isinstance(sample, int | float):
        try:
            return type(sample)(raw)
        except ValueError:
            return MISSING
    return raw


def _matches(value, suffix: str, raw: str) -> bool:
    if suffix == "_is":
        return value is MISSING or value is None
    if suffix == "_is_not":
        return value is not MISSING and value is not None
    if value is MISSING or value is None:
        return suffix == "_ne"
    if suffix == "_like":
        return raw.lower() in str(value).lower()
    wanted = [_same_type(value, part) for part in (raw.split(",") if suffix == "" else [raw])]
    if suffix == "":
        return value in wanted
    if wanted[0] is MISSING:
        return False
    return {
        "_ne": value != wanted[0],
        "_gt": value > wanted[0],
        "_lt": value < wanted[0],
        "_gte": value >= wanted[0],
        "_lte": value <= wanted[0],
    }[suffix]


def _split(key: str) -> tuple[str, str]:
    for suffix in SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)], suffix
    return key, ""


def page_of_items(
    request, items: list[dict], *, items_key: str, fields: tuple[str, ...], required=()
) -> dict:
    params = request.query_params
    raw_limit = params.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 0 < int(raw_limit) <= MAX_LIMIT:
        raise BadParameter("limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    limit = int(raw_limit)
    for key, raw in params.items():
        if key in RESERVED:
            continue
        name, suffix = _split(key)
        if name not in fields:
            raise BadParameter(key, f"{name} is not a field of {items_key}")
        items = [item for item in items if _matches(_get(item, name), suffix, raw)]
    for key in reversed([k.strip() for k in params.get("sort", "").split(",") if k.strip()]):
        name = key.lstrip("-")
        if name not in fields:
            raise BadParameter("sort", f"cannot sort {items_key} by {name}")
        present = [i for i in items if _get(i, name) not in (MISSING, None)]
        absent = [i for i in items if _get(i, name) in (MISSING, None)]
        present.sort(key=lambda item, n=name: _get(item, n), reverse=key.startswith("-"))
        items = absent + present  # items missing the key sort first when ascending (§3.2)
    start = 0
    if params.get("cursor"):
        try:
            cursor = dict(parse_qsl(base64.b64decode(params["cursor"], validate=True).decode()))
            start = (
                int(cursor["$position_gt"])
                if "$position_gt" in cursor
                else max(int(cursor["$position_lt"]) - limit, 0)
            )
        except (binascii.Error, UnicodeDecodeError, KeyError, ValueError):
            raise BadParameter("cursor", "unreadable cursor") from None
    page = items[start : start + limit]
    envelope = {"estimated_count": len(items)}
    if start + limit < len(items):
        envelope["next"] = _cursor({"$position_gt": start + limit})
    if start > 0:
        envelope["prev"] = _cursor({"$position_lt": start, "$reversed": "true"})
    envelope["timing"] = {}
    selection = Selection(params.get("select"), tuple(required))
    envelope[items_key] = [selection.project(item) for item in page]
    return envelope


def _cursor(query: dict) -> str:
    return base64.b64encode(urlencode(query).encode()).decode()

"""Watcher collections (catalog §3): envelope, `select`, composite `sort`, field filters, opaque cursors.

A list view declares its API fields as a mapping from dotted API path to an ORM expression and a
type (`Field`). Filters and sort keys become annotations on the queryset, so everything runs in the
database and a page costs a constant number of queries. A cursor is base64 of a URL-encoded query
in filter syntax over the sort keys of the boundary item, plus `$id` (the pk, a unique tiebreaker),
`$sort` (the sort it belongs to) and `$reversed=true` on backward pages. It is read as a keyset
(tuple comparison), not as independent per-key inequalities, so ties are never skipped (§3.4).
"""

import base64
import binascii
import datetime as dt
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

from django.db.models import Expression, F, Q, QuerySet

from .errors import BadParameter

RESERVED = frozenset({"select", "sort", "limit", "cursor", "q"})
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SUFFIXES = ("_is_not", "_is", "_gte", "_lte", "_gt", "_lt", "_ne", "_like")
LOOKUPS = {"_gte": "gte", "_lte": "lte", "_gt": "gt", "_lt": "lt"}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Field:
    """One API field usable in filters and `sort`.

    `expr` is an ORM path or a factory `(request) -> Expression` for values computed per request
    (e.g. `stats.alive` depends on now). `kind` is str, int, float, bool, ip, utc_ms or utc.
    `returned=False` marks sort-only keys such as `position` and `named_by`.
    """

    expr: str | Callable
    kind: str = "str"
    nullable: bool = False
    returned: bool = True

    def expression(self, request) -> Expression:
        return F(self.expr) if isinstance(self.expr, str) else self.expr(request)

    def parse(self, raw: str, parameter: str):
        """An API value (query or cursor text) as the database value; 400 naming `parameter` if bad."""
        try:
            if self.kind == "int":
                return int(raw)
            if self.kind == "float":
                value = float(raw)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError(raw)
                return value
            if self.kind == "bool":
                return {"true": True, "false": False, "1": True, "0": False}[raw.lower()]
            if self.kind == "ip":
                return str(ipaddress.ip_address(raw))  # PostgreSQL compares `inet`: no free text
            if self.kind in ("utc_ms", "utc"):
                scale = 1000 if self.kind == "utc_ms" else 1_000_000
                return EPOCH + dt.timedelta(microseconds=int(Decimal(raw) * scale))
        except (ValueError, KeyError, InvalidOperation, OverflowError):
            raise BadParameter(parameter, f"{parameter}: {raw!r} is not a valid {self.kind}") from None
        return raw

    def unparse(self, value) -> str:
        """A database value as cursor text that `parse` reads back exactly (µs kept for times)."""
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind in ("utc_ms", "utc"):
            micros = (value - EPOCH) // dt.timedelta(microseconds=1)
            scale = 1000 if self.kind == "utc_ms" else 1_000_000
            return str(Decimal(micros) / scale)
        if self.kind == "float":
            return repr(float(value))
        return str(value)


def _time_condition(alias: str, suffix: str, moment: dt.datetime, kind: str) -> Q:
    """A comparison with a time the client read from us, truncated to ms (or s): `updated_at_gt=T`
    must exclude the item it came from, stored with µs, so compare as the client sees the times."""
    unit = dt.timedelta(milliseconds=1) if kind == "utc_ms" else dt.timedelta(seconds=1)
    bound = {"_gt": ("gte", moment + unit), "_gte": ("gte", moment), "_lt": ("lt", moment)}
    lookup, value = bound.get(suffix, ("lt", moment + unit))  # _lte
    return Q(**{f"{alias}__{lookup}": value})


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool
    field: Field
    alias: str


class Selection:
    """The `select` projection: which dotted paths a response keeps (all when `select` is absent)."""

    def __init__(self, raw: str | None, required: tuple[str, ...] = ()):
        paths = [p.strip() for p in (raw or "").split(",") if p.strip()]
        self.paths = [p.split(".") for p in paths + list(required)] if paths else None

    def wants(self, dotted: str) -> bool:
        """True if any part of `dotted` (or what is under it) will be returned."""
        if self.paths is None:
            return True
        parts = dotted.split(".")
        return any(p[: len(parts)] == parts[: len(p)] for p in self.paths)

    def project(self, item: dict) -> dict:
        return item if self.paths is None else _project(item, self.paths)


def _project(value, paths: list[list[str]]):
    if isinstance(value, list):
        return [_project(v, paths) for v in value]
    if not isinstance(value, dict) or any(not p for p in paths):
        return value
    kept = {}
    for key, sub in value.items():
        rest = [p[1:] for p in paths if p[0] == key]
        if rest:
            kept[key] = _project(sub, rest)
    return kept


class Collection:
    """The list machinery of one resource: its fields, default sort, items key and `q` search."""

    def __init__(
        self,
        *,
        fields: dict[str, Field],
        items_key: str,
        default_sort: tuple[str, ...],
        required: tuple[str, ...] = (),
        search: Callable[[QuerySet, str], QuerySet] | None = None,
        extra_params: frozenset[str] = frozenset(),
    ):
        self.fields = fields
        self.items_key = items_key
        self.default_sort = default_sort
        self.required = required
        self.search = search
        self.reserved = RESERVED | extra_params

    # --- parsing ---------------------------------------------------------------------------------

    def limit(self, params) -> int:
        raw = params.get("limit")
        if raw is None or raw == "":
            return DEFAULT_LIMIT
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if limit <= 0:
            raise BadParameter("limit", "limit must be a positive integer")
        return min(limit, MAX_LIMIT)

    def sort_keys(self, params) -> list[SortKey]:
        names = [s.strip() for s in (params.get("sort") or "").split(",") if s.strip()]
        keys = []
        for index, token in enumerate(names or self.default_sort):
            name = token.lstrip("-")
            field = self.fields.get(name)
            if field is None:
                raise BadParameter("sort", f"cannot sort by {name!r}")
            keys.append(SortKey(name, token.startswith("-"), field, f"_sort{index}"))
        return keys

    def filter_q(self, params, request) -> tuple[dict, Q]:
        """Aliases and the AND of every field filter in the query string."""
        aliases, condition = {}, Q()
        for key in params:
            if key in self.reserved or key.startswith("$"):
                continue
            name, suffix = self._split(key)
            if name is None:
                continue  # not a field of this collection: ignored, like unknown body keys (§4)
            field = self.fields[name]
            alias = f"_filter{len(aliases)}"
            aliases[alias] = field.expression(request)
            for raw in params.getlist(key):
                condition &= self._condition(alias, field, suffix, raw, key)
        return aliases, condition

    def _split(self, key: str) -> tuple[str | None, str]:
        if key in self.fields and self.fields[key].returned:
            return key, ""
        for suffix in SUFFIXES:
            base = key[: -len(suffix)]
            if key.endswith(suffix) and base in self.fields and self.fields[base].returned:
                return base, suffix
        return None, ""

    def _condition(self, alias: str, field: Field, suffix: str, raw: str, key: str) -> Q:
        if suffix in ("_is", "_is_not"):
            if raw != "null":
                raise BadParameter(key, f"{key} accepts only null")
            return Q(**{f"{alias}__isnull": suffix == "_is"})
        if suffix == "_like":
            if field.kind != "str":
                raise BadParameter(key, f"{key}: _like applies to text fields only")
            return Q(**{f"{alias}__icontains": raw})
        if suffix in LOOKUPS and field.kind in ("utc_ms", "utc"):
            return _time_condition(alias, suffix, field.parse(raw, key), field.kind)
        if suffix in LOOKUPS:
            return Q(**{f"{alias}__{LOOKUPS[suffix]}": field.parse(raw, key)})
        values = [field.parse(v, key) for v in raw.split(",")] if field.kind != "str" else raw.split(",")
        if suffix == "_ne":
            return ~Q(**{f"{alias}__in": values})
        return Q(**{f"{alias}__in": values}) if len(values) > 1 else Q(**{alias: values[0]})

    # --- cursors ---------------------------------------------------------------------------------

    @staticmethod
    def _sort_text(keys: list[SortKey]) -> str:
        return ",".join(("-" if k.descending else "") + k.name for k in keys)

    def cursor_encode(self, item, keys: list[SortKey], *, backward: bool) -> str:
        pairs = []
        for key in keys:
            value = getattr(item, key.alias)
            after = key.descending == backward  # ascending forward, or descending backward: _gt
            if value is None:
                pairs.append((f"{key.name}_is", "null"))
            else:
                pairs.append((f"{key.name}{'_gt' if after else '_lt'}", key.field.unparse(value)))
        pairs += [("$id" + ("_lt" if backward else "_gt"), str(item.pk)), ("$sort", self._sort_text(keys))]
        if backward:
            pairs.append(("$reversed", "true"))
        return base64.b64encode(urlencode(pairs).encode()).decode()

    def cursor_decode(self, raw: str, keys: list[SortKey]) -> tuple[list, int, bool]:
        """Boundary values (None for null), boundary pk, and whether the page goes backward."""
        try:
            pairs = dict(parse_qsl(base64.b64decode(raw, validate=True).decode(), keep_blank_values=True))
            backward = pairs.get("$reversed") == "true"
            pk = int(pairs.get("$id_lt" if backward else "$id_gt", ""))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise BadParameter("cursor", "the cursor is not valid") from None
        if pairs.get("$sort") != self._sort_text(keys):
            raise BadParameter("cursor", "the cursor belongs to another sort; repeat the same query")
        values = []
        for key in keys:
            found = [s for s in ("_gt", "_lt", "_is") if f"{key.name}{s}" in pairs]
            if not found:
                raise BadParameter("cursor", "the cursor is not valid")
            text = pairs[f"{key.name}{found[0]}"]
            values.append(None if found[0] == "_is" else key.field.parse(text, "cursor"))
        return values, pk, backward

    @staticmethod
    def keyset(keys: list[SortKey], values: list, pk: int, *, after: bool) -> Q:
        """Items strictly after (or before) the boundary in the sort order, ties broken by pk.

        Null sorts as the smallest value in both directions (first ascending, last descending).
        """
        result, equal = Q(pk__in=[]), Q()
        for key, value in zip(keys, values, strict=True):
            larger = key.descending != after  # after an ascending key, or before a descending one
            if value is None:
                beyond = Q(**{f"{key.alias}__isnull": False}) if larger else Q(pk__in=[])
                same = Q(**{f"{key.alias}__isnull": True})
            else:
                beyond = Q(**{f"{key.alias}__{'gt' if larger else 'lt'}": value})
                if not larger and key.field.nullable:
                    beyond |= Q(**{f"{key.alias}__isnull": True})
                same = Q(**{key.alias: value})
            result |= equal & beyond
            equal &= same
        return result | (equal & (Q(pk__gt=pk) if after else Q(pk__lt=pk)))

    # --- the page --------------------------------------------------------------------------------

    def page(self, request, queryset: QuerySet, serialize: Callable[[list, Selection], list[dict]]) -> dict:
        """The envelope for this request: filters, `q`, sort, cursor and limit applied, `select` last."""
        params = request.query_params
        limit = self.limit(params)
        keys = self.sort_keys(params)
        aliases, condition = self.filter_q(params, request)
        if aliases:
            queryset = queryset.alias(**aliases)
        queryset = queryset.filter(condition)
        if self.search is not None and params.get("q"):
            queryset = self.search(queryset, params["q"])
        envelope = {"estimated_count": queryset.count()}
        queryset = queryset.annotate(**{k.alias: k.field.expression(request) for k in keys})
        rows, has_next, has_prev = self._rows(queryset, keys, params.get("cursor"), limit)
        if has_next:
            envelope["next"] = self.cursor_encode(rows[-1], keys, backward=False)
        if has_prev:
            envelope["prev"] = self.cursor_encode(rows[0], keys, backward=True)
        envelope["timing"] = {}
        selection = Selection(params.get("select"), self.required)
        envelope[self.items_key] = [selection.project(item) for item in serialize(rows, selection)]
        return envelope

    def _rows(self, queryset: QuerySet, keys: list[SortKey], cursor: str | None, limit: int):
        """One page of rows in sort order, and whether items exist after and before it."""
        backward = False
        page = queryset
        if cursor:
            values, pk, backward = self.cursor_decode(cursor, keys)
            page = queryset.filter(self.keyset(keys, values, pk, after=not backward))
        rows = list(page.order_by(*self._ordering(keys, reverse=backward))[: limit + 1])
        more = len(rows) > limit  # one row beyond the page tells whether the walk goes on
        rows = rows[:limit]
        if backward:
            rows.reverse()
            has_next = bool(rows) and self._exists(queryset, keys, rows[-1], after=True)
            return rows, has_next, more
        has_prev = bool(rows and cursor) and self._exists(queryset, keys, rows[0], after=False)
        return rows, more, has_prev

    def _exists(self, queryset, keys, item, *, after: bool) -> bool:
        values = [getattr(item, k.alias) for k in keys]
        return queryset.filter(self.keyset(keys, values, item.pk, after=after)).exists()

    @staticmethod
    def _ordering(keys: list[SortKey], *, reverse: bool) -> list:
        ordering = []
        for key in keys:
            descending = key.descending != reverse
            if key.field.nullable:
                ordering.append(
                    F(key.alias).desc(nulls_last=True) if descending else F(key.alias).asc(nulls_first=True)
                )
            else:
                ordering.append(F(key.alias).desc() if descending else F(key.alias).asc())
        ordering.append("-pk" if reverse else "pk")
        return ordering

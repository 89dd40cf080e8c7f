"""OpenAPI descriptions shared by the Watcher views (STYLE §3.4): error bodies, envelopes, list parameters.

The dialect's schema must be faithful enough for a schema-driven fuzzer to check every answer
against it (tests/dialects/flussonic/test_client_schemathesis.py), so each operation documents
its success body and every `errors[]` status it can answer. Views describe their item shapes with
`obj()`/`ref()` and get the rest from `responses()` and `collection_parameters()`:

    @extend_schema(
        operation_id="streams_list",
        parameters=collection_parameters(STREAMS),
        responses=responses(collection(STREAMS, ref("Stream")), 400),
    )

Named schemas (`component`) land in `components.schemas` through APPEND_COMPONENTS (client/schema.py).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .collections import Collection

COMPONENTS: dict[str, dict] = {}  # read by client/schema.py when the schema is generated

TEXT = {"type": "string"}
INT = {"type": "integer"}
NUMBER = {"type": "number"}
BOOL = {"type": "boolean"}
UTC_MS = {"type": "integer", "description": "milliseconds since 1970-01-01 UTC"}
FREE = {"type": "object"}  # an object whose keys the catalog leaves open


def obj(*required: str, **properties) -> dict:
    """An object schema; unknown keys stay allowed (clients ignore them, §4)."""
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def nullable(schema: dict) -> dict:
    """OpenAPI 3.0 spelling of "this value may be null"."""
    return {**schema, "nullable": True}


def component(name: str, schema: dict) -> dict:
    """Register `schema` as `components.schemas.<name>`; returns the `$ref` to use in operations."""
    COMPONENTS[name] = schema
    return ref(name)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_RESPONSE = component(
    "ErrorResponse",
    obj(
        "errors",
        errors=array(
            obj(
                "id",
                "status",
                "code",
                "title",
                id=TEXT,
                status=TEXT,
                code=TEXT,
                title=TEXT,
                source=obj(pointer=TEXT, parameter=TEXT),
                meta={"type": "object", "additionalProperties": TEXT},
            )
        ),
    ),
)

ERROR_MEANING = {
    400: "invalid body or parameters: one errors[] entry per offending field or parameter",
    401: "missing, invalid or expired credentials, or a password without its two-factor code "
    "(code `second_factor_required` or `second_factor_invalid`)",
    403: "authenticated, but not allowed",
    404: "unknown object, or one out of the caller's reach",
    409: "conflict with the current state",
    415: "unsupported media type",
    429: "too many failed sign-ins: wait Retry-After seconds before trying again",
}


def responses(ok, *errors: int, status: int = 200, public: bool = False) -> dict:
    """`extend_schema(responses=...)`: the success body (None: no body) and the errors[] statuses.

    Unless the operation is `public`, 401 and 429 are added: any credential check can fail, and
    repeated failures delay the next try (accounts.services.throttle). 400 is always added: NUL
    characters, unpaired surrogates and over-deep JSON are refused everywhere
    (views._refuse_unstorable). Callers name the rest.
    """
    codes = sorted(set(errors) | {400} | (set() if public else {401, 429}))
    described = {status: ok if ok is not None else OpenApiResponse(description="No response body")}
    for code in codes:
        described[code] = OpenApiResponse(ERROR_RESPONSE, description=ERROR_MEANING.get(code, "error"))
    return described


def collection(items: Collection, item: dict) -> dict:
    """The envelope of a Watcher list (§3.1) with `item` under its items key."""
    return obj(
        "estimated_count",
        "timing",
        items.items_key,
        estimated_count=INT,
        next=TEXT,
        prev=TEXT,
        timing=FREE,
        **{items.items_key: array(item)},
    )


_KIND_TYPES = {"int": int, "float": float, "bool": bool, "utc_ms": int, "utc": int}


def collection_parameters(items: Collection) -> list[OpenApiParameter]:
    """The standard list parameters (§3.2) and an equality filter per field (§3.3).

    Only the plain `key=value` filter is listed: the suffixed forms (`_gt`, `_like`, …) follow the
    same rule for every field and would multiply the schema by eight.
    """
    parameters = [
        OpenApiParameter("select", str, description="comma-separated dotted fields to return"),
        OpenApiParameter("sort", str, description="comma-separated sort keys, `-` for descending"),
        OpenApiParameter(
            "limit", {"type": "integer", "minimum": 1}, description="page size (default 100, at most 1000)"
        ),
        OpenApiParameter("cursor", str, description="`next` or `prev` of the previous page"),
    ]
    if items.search is not None:
        parameters.append(OpenApiParameter("q", str, description="free-text search"))
    for name, field in items.fields.items():
        if field.returned:
            parameters.append(OpenApiParameter(name, _KIND_TYPES.get(field.kind, str), description="filter"))
    return parameters

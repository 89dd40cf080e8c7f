"""The base view of the Watcher Admin API: the shared Watcher view, for domain administrators only.

Catalog §2: `POST /login` issues tokens to any valid user, and every other operation answers 403
unless the caller is a domain administrator (`access_level: "admin"`); organization administrators
are not enough. Every call is written to the audit log (catalog §5.8, §7: the `events` list), with
its `X-Originator` and `X-Trace-Id` (generated when absent and echoed back).
"""

import json
import logging
import time
import uuid

from rest_framework.permissions import BasePermission

from nvr_project.dialects.common.json_body import json_loads
from nvr_project.redact import mask_url_credentials
from organizations.choices import AuditKind
from organizations.services import audit_event_record

from .. import auth
from ..views import WatcherView

logger = logging.getLogger(__name__)
SECRET_KEYS = frozenset(
    {"password", "api_key", "apikey", "key", "cluster_key", "image", "token", "refresh_token"}
)
PAYLOAD_LIMIT = 4000


class IsDomainAdministrator(BasePermission):
    message = "the Admin API is for domain administrators only"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_domain_admin)


def redacted(value):
    """A request body with its secrets replaced, so the audit log never holds one (URL passwords too)."""
    if isinstance(value, str):
        return mask_url_credentials(value)
    if isinstance(value, dict):
        return {k: ("***" if k in SECRET_KEYS and v else redacted(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def _payload(request) -> dict:
    if not request.body:
        return {}
    try:
        body = json_loads(request.body)  # depth-checked: a refused body is logged by its size only
    except (ValueError, UnicodeDecodeError):
        return {"body": f"<{len(request.body)} bytes of {request.content_type or 'unknown type'}>"}
    text = json.dumps(redacted(body))
    return {"body": text if len(text) <= PAYLOAD_LIMIT else text[:PAYLOAD_LIMIT] + "…"}


class WatcherAdminView(WatcherView):
    permission_classes = [IsDomainAdministrator]

    def dispatch(self, request, *args, **kwargs):
        started = time.perf_counter()
        trace_id = request.headers.get("X-Trace-Id") or str(uuid.uuid4())
        response = super().dispatch(request, *args, **kwargs)
        response["X-Trace-Id"] = trace_id
        if request.method != "OPTIONS":
            self._record(request, response, trace_id, started)
        return response

    def _record(self, request, response, trace_id: str, started: float) -> None:
        user = getattr(request, "user", None)
        try:
            audit_event_record(
                kind=AuditKind.API_CALL,
                actor=user if user is not None and user.is_authenticated else None,
                method=request.method,
                path=request.path[:500],
                query_string=request.META.get("QUERY_STRING", "")[:1000],
                operation_id=self._operation_id(request),
                status=response.status_code,
                duration_us=int((time.perf_counter() - started) * 1_000_000),
                ip_address=auth.client_address(request),
                user_agent=request.headers.get("User-Agent", "")[:400],
                originator=request.headers.get("X-Originator", "")[:100],
                request_id=uuid.uuid4().hex,
                trace_id=trace_id[:64],
                server=request.get_host()[:200],
                payload=_payload(request) if request.method in ("POST", "PUT", "PATCH") else {},
            )
        except Exception:  # the log must never turn an answered call into a 500
            logger.exception("could not record an Admin API call in the audit log")

    def _operation_id(self, request) -> str:
        """The catalog operationId the method declares with `extend_schema`, else the route's name."""
        handler = getattr(self, request.method.lower(), None)
        schema_class = (getattr(handler, "kwargs", None) or {}).get("schema")
        if schema_class is not None:
            schema = schema_class()
            schema.view, schema.method = self, request.method
            try:
                return schema.get_operation_id()[:80]
            except Exception:  # no operation_id declared: drf-spectacular would derive one from the path
                pass
        match = getattr(request, "resolver_match", None)
        return (match.url_name or "")[:80] if match else ""

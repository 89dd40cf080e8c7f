"""The declarative registry of Client API operations (STYLE §3.10): what a row holds.

The rows live in `client_ops/<group>.py` (each module exports `OPERATIONS`) and are merged in
`test_client_registry.REGISTRY`, which checks that every routed operation has exactly one row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

JSON = "application/json"
UTC_S = range(10**9, 10**10)
UTC_MS = range(10**12, 10**13)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # relative to /watcher/client-api/v3; `{placeholders}` are filled from the world (`ids`)
    check: Callable  # (world, api) -> None: asserts the catalog shape of a real response
    foreign_path: str | Callable | None = None  # an org B object alice must not reach (404), or a callable
    public: bool = False  # answers without credentials (catalog §2: only ui_settings_get and the auth flows)
    route: str | None = None  # the URL name when one route serves several operations; else the key
    operation_id: str = ""  # filled by the registry with its key

    @property
    def route_name(self) -> str:
        return self.route or self.operation_id

    def url(self, world, path: str | Callable | None = None) -> str:
        """The path with the world's ids in place of its placeholders (see `ids`)."""
        path = path or self.path
        return path(world) if callable(path) else path.format(**ids(world))


def ids(world) -> dict:
    """`{org_a}`, `{org_b}`, `{folder_<name>}`, `{mosaic_<name>}`, `{alice}`, `{bob}`, `{carol}`."""
    found = {"org_a": world.org_a.id, "org_b": world.org_b.id}
    found.update({f"folder_{k}": v.id for k, v in vars(world.folders).items()})
    found.update({f"mosaic_{k}": v.id for k, v in vars(getattr(world, "mosaics", SimpleNamespace())).items()})
    found.update({login: getattr(world, login).id for login in ("alice", "bob", "carol")})
    return found


def routed_operations(prefix: str) -> set[tuple[str, str]]:
    """(route name, method) for every route under `prefix` (e.g. "watcher/client-api/v3/"), OPTIONS
    aside; async views declare their methods in `watcher_methods`, the catch-all declares none."""
    from django.urls import URLPattern, URLResolver, get_resolver

    (resolver,) = [
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == prefix
    ]
    routed = set()
    for pattern in resolver.url_patterns:
        if not isinstance(pattern, URLPattern):
            continue
        declared = getattr(pattern.callback, "watcher_methods", None)
        if declared is None:
            view = pattern.callback.cls
            declared = [m.upper() for m in view.http_method_names if m != "options" and hasattr(view, m)]
        routed |= {(pattern.name, method) for method in declared}
    return routed


def registered_operations(registry: dict) -> set[tuple[str, str]]:
    return {(op.route_name, op.method) for op in registry.values()}

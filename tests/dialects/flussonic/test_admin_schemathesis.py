"""The Watcher Admin API against its own OpenAPI schema, fuzzed by schemathesis (fuzzing.py).

Generated requests run as the domain administrator; requests on the admin registry's real objects
as the administrator and as an organization administrator, who must get a documented 403.
"""

import pytest

from . import test_admin_registry
from .fuzzing import app, fuzz, load_schema, operation_ids  # noqa: F401 (app: a fixture)

REGISTRY = test_admin_registry.REGISTRY
world = test_admin_registry.world  # the fixture: the shared world plus root and two nodes

pytestmark = pytest.mark.slow

EXAMPLES = 6  # per operation and kind of case
SCHEMA, SCHEMA_ERROR = load_schema("/api/schema/watcher-admin/")
OPERATION_IDS = operation_ids(SCHEMA)


def test_the_schema_loads():
    assert SCHEMA_ERROR is None, f"/api/schema/watcher-admin/ could not be read: {SCHEMA_ERROR!r}"
    assert len(OPERATION_IDS) == len(REGISTRY) == 34  # the catalog's 30, §9 deletes, API-key routes


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_generated_requests_get_documented_answers(operation_id, world, app):  # noqa: F811
    fuzz(
        SCHEMA,
        REGISTRY,
        operation_id,
        world,
        app,
        login="root",
        real_logins=["root", "alice"],
        examples=EXAMPLES,
    )

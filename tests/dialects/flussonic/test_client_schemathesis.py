"""The Watcher Client API against its own OpenAPI schema, fuzzed by schemathesis (fuzzing.py).

Generated requests run as alice; requests on the `world`'s real objects as alice and as bob. So the
schema has to be faithful: a missing 404, a wrong envelope or an untyped field shows up here.
"""

import pytest

from . import test_client_registry
from .fuzzing import app, fuzz, load_schema, operation_ids  # noqa: F401 (app: a fixture)

REGISTRY = test_client_registry.REGISTRY
world = test_client_registry.world  # the fixture: the shared world plus mosaics, as the registry has it

pytestmark = pytest.mark.slow

EXAMPLES = 8  # per operation and kind of case: the whole module stays around a minute on 2 cores
SCHEMA, SCHEMA_ERROR = load_schema("/api/schema/watcher-client/")
OPERATION_IDS = operation_ids(SCHEMA)


def test_the_schema_loads():
    assert SCHEMA_ERROR is None, f"/api/schema/watcher-client/ could not be read: {SCHEMA_ERROR!r}"
    assert "streams_list" in OPERATION_IDS


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_generated_requests_get_documented_answers(operation_id, world, app):  # noqa: F811
    fuzz(
        SCHEMA,
        REGISTRY,
        operation_id,
        world,
        app,
        login="alice",
        real_logins=["alice", "bob"],
        examples=EXAMPLES,
    )

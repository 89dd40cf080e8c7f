"""The Watcher Admin API against its own OpenAPI schema, fuzzed by schemathesis.

Every operation of /api/schema/watcher-admin/ gets generated requests (valid and invalid
parameters and bodies) as the domain administrator, then valid requests on the real objects of
the admin registry, as the administrator and as an organization administrator (who gets 403).
Each answer must be no 5xx, carry a documented status, and match the documented body.
"""

import json
import re
from urllib.parse import unquote

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.factories import PASSWORD

from . import test_admin_registry
from .conftest import basic

REGISTRY = test_admin_registry.REGISTRY
world = test_admin_registry.world  # the fixture: the shared world plus root and two nodes

pytestmark = pytest.mark.slow

EXAMPLES = 6  # per operation and kind of case
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _schema():
    """The served schema, read while the tests are collected (generating it needs no database).

    A schema that cannot be generated fails `test_the_schema_loads`, not the whole collection.
    """
    try:
        response = Client().get("/api/schema/watcher-admin/?format=json")
        return schemathesis.openapi.from_dict(json.loads(response.content)), None
    except Exception as exc:  # reported by test_the_schema_loads
        return None, exc


SCHEMA, SCHEMA_ERROR = _schema()
OPERATION_IDS = sorted(
    op["operationId"]
    for ops in (SCHEMA.raw_schema["paths"].values() if SCHEMA else ())
    for op in ops.values()
    if "operationId" in op
)


def _auth(login: str) -> dict:
    return {"Authorization": basic(login, PASSWORD)["HTTP_AUTHORIZATION"]}


@pytest.fixture
def app():
    """Django's WSGI handler, minus the per-request connection closing that would end the test's transaction.

    django.test.Client detaches `close_old_connections` for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _tame(case):
    """Generated long-polls would each wait out their timeout: ask for the page at once."""
    if case.query and "poll_timeout" in case.query:
        case.query["poll_timeout"] = 0
    return case


def test_the_schema_loads():
    assert SCHEMA_ERROR is None, f"/api/schema/watcher-admin/ could not be read: {SCHEMA_ERROR!r}"
    assert len(OPERATION_IDS) == len(REGISTRY) == 32


def _real_path_parameters(operation_id: str, operation, world) -> dict:
    """The path parameters of the registry's request on a real object (client_ops/<group>.py)."""
    row = REGISTRY.get(operation_id)
    if row is None or not operation.path_parameters:
        return {}
    template = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
    found = re.fullmatch(template, row.url(world).split("?")[0])
    return {k: unquote(v) for k, v in found.groupdict().items()} if found else {}


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_generated_requests_get_documented_answers(operation_id, world, app):
    """Valid and invalid requests as root, and valid ones on real objects as root or alice."""
    operation = SCHEMA.find_operation_by_id(operation_id)
    real = _real_path_parameters(operation_id, operation, world)
    cases = st.one_of(
        st.tuples(operation.as_strategy(GenerationMode.POSITIVE), st.just("root")),
        st.tuples(operation.as_strategy(GenerationMode.NEGATIVE), st.just("root")),
        st.tuples(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
            st.sampled_from(["root", "alice"]),
        ),
    )

    @given(case_login=cases)
    @settings(
        max_examples=3 * EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case_login):
        case, login = case_login
        _tame(case).call_and_validate(headers=_auth(login), checks=CHECKS, app=app)

    run()

"""schemathesis over a Watcher API's own OpenAPI schema, shared by the Client and Admin API tests.

Every operation gets generated requests (valid and invalid parameters and bodies) as one persona,
then valid requests on the registry's real objects as several. Each answer must be no 5xx, carry a
documented status and content type, and match the documented body. Generation is derandomized,
so a run is reproducible.
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

from .conftest import basic

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def load_schema(url: str):
    """The served schema, read while the tests are collected (generating it needs no database).

    Returns (schema, None), or (None, the error) for the module's `test_the_schema_loads` to report,
    so a schema that cannot be generated does not break the whole collection.
    """
    try:
        # Collection comes before pytest-django adds `testserver` to ALLOWED_HOSTS: use a loopback name.
        response = Client().get(f"{url}?format=json", HTTP_HOST="localhost")
        return schemathesis.openapi.from_dict(json.loads(response.content)), None
    except Exception as exc:
        return None, exc


def operation_ids(schema) -> list[str]:
    paths = schema.raw_schema["paths"].values() if schema else ()
    return sorted(op["operationId"] for ops in paths for op in ops.values() if "operationId" in op)


@pytest.fixture
def app():
    """Django's WSGI handler, minus the per-request connection closing that would end the test's
    transaction (django.test.Client detaches `close_old_connections` for the same reason)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _auth(login: str) -> dict:
    return {"Authorization": basic(login, PASSWORD)["HTTP_AUTHORIZATION"]}


def _tame(case):
    """Generated long-polls would each wait out their timeout: ask for the page at once."""
    if case.query and "poll_timeout" in case.query:
        case.query["poll_timeout"] = 0
    return case


def _real_path_parameters(registry, operation_id: str, operation, world) -> dict:
    """The path parameters of the registry's request on a real object."""
    row = registry.get(operation_id)
    if row is None or not operation.path_parameters:
        return {}
    template = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
    found = re.fullmatch(template, row.url(world).split("?")[0])
    return {k: unquote(v) for k, v in found.groupdict().items()} if found else {}


def fuzz(
    schema, registry, operation_id: str, world, app, *, login: str, real_logins: list[str], examples: int
):
    """Valid and invalid requests as `login`; valid ones on real objects as any of `real_logins`."""
    operation = schema.find_operation_by_id(operation_id)
    real = _real_path_parameters(registry, operation_id, operation, world)
    cases = st.one_of(
        st.tuples(operation.as_strategy(GenerationMode.POSITIVE), st.just(login)),
        st.tuples(operation.as_strategy(GenerationMode.NEGATIVE), st.just(login)),
        st.tuples(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real), st.sampled_from(real_logins)
        ),
    )

    @given(case_login=cases)
    @settings(
        max_examples=3 * examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case_login):
        case, who = case_login
        _tame(case).call_and_validate(headers=_auth(who), checks=CHECKS, app=app)

    run()

"""Every routed Client API operation, declared once: its catalog shape, 401 and 404 across tenants.

A route that is not in `REGISTRY` fails `test_every_route_is_registered`, and a registry row
cannot exist without a shape check on a real response (STYLE §3.10).
"""

import dataclasses
from types import SimpleNamespace

import pytest
from django.urls import resolve

from cameras.models import MosaicSlot
from tests.factories import MosaicFactory

from .client_ops import OPERATION_MODULES
from .registry import Operation, registered_operations, routed_operations

REGISTRY: dict[str, Operation] = {}
for _module in OPERATION_MODULES:
    for _operation_id, _operation in _module.OPERATIONS.items():
        assert _operation_id not in REGISTRY, f"{_operation_id} is registered twice"
        REGISTRY[_operation_id] = dataclasses.replace(_operation, operation_id=_operation_id)


def test_every_route_is_registered():
    routed, registered = routed_operations("watcher/client-api/v3/"), registered_operations(REGISTRY)
    assert routed == registered, "register every Client API operation (and only routed ones) in REGISTRY"


def test_every_registered_path_resolves_to_its_route(world):
    for operation in REGISTRY.values():
        match = resolve("/watcher/client-api/v3" + operation.url(world))
        assert match.url_name == operation.route_name


@pytest.fixture
def world(world):
    """The shared world plus mosaics: org A's shared wall, bob's own, carol's in org B."""
    a = MosaicFactory(organization=world.org_a, title="Wall A", layout="2x2")
    for position, camera in enumerate([world.cameras.lobby, world.cameras.vault, world.cameras.desk]):
        MosaicSlot.objects.create(mosaic=a, position=position, camera=camera)
    own = MosaicFactory(organization=world.org_a, title="Bob's own", owner=world.bob, layout="1x1")
    MosaicFactory(organization=world.org_a, title="Alice's own", owner=world.alice)
    b = MosaicFactory(organization=world.org_b, title="Wall B")
    world.mosaics = SimpleNamespace(a=a, own=own, b=b)
    return world


@pytest.mark.parametrize("operation_id", sorted(REGISTRY))
def test_operation_answers_in_the_catalog_shape(operation_id, world, api):
    REGISTRY[operation_id].check(world, api)


@pytest.mark.parametrize("operation_id", sorted(op for op, o in REGISTRY.items() if not o.public))
def test_operation_without_credentials_is_401_with_an_errors_body(operation_id, world, api):
    operation = REGISTRY[operation_id]
    response = api(operation.method, operation.url(world))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["status"] == "401" and error["code"] and error["title"] and error["id"]


@pytest.mark.parametrize("operation_id", sorted(op for op, o in REGISTRY.items() if o.foreign_path))
def test_operation_hides_another_organizations_object(operation_id, world, api):
    operation = REGISTRY[operation_id]
    response = api(operation.method, operation.url(world, operation.foreign_path), login="alice")
    assert response.status_code == 404
    (error,) = response.json()["errors"]
    assert error["status"] == "404" and error["code"] == "not_found"


def test_lists_show_only_the_callers_organization(world, api):
    carol = api("GET", "/streams", login="carol").json()
    assert [s["name"] for s in carol["streams"]] == ["b-gate"] and carol["estimated_count"] == 1
    bob = api("GET", "/streams", login="bob").json()
    assert {s["name"] for s in bob["streams"]} == {"a-lobby", "a-desk", "a-granted"}


@pytest.mark.parametrize("operation_id", sorted(REGISTRY))
def test_options_is_answered_without_credentials_for_cors(operation_id, world, api):
    response = api("OPTIONS", REGISTRY[operation_id].url(world))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert REGISTRY[operation_id].method in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_an_unknown_path_under_the_prefix_is_a_catalog_404(method, api):
    response = api(method, "/streamz/a-lobby", login="alice")
    assert response.status_code == 404
    (error,) = response.json()["errors"]
    assert error["status"] == "404" and error["code"] == "not_found" and "/streamz/a-lobby" in error["title"]


def test_a_nul_character_is_a_400_naming_the_parameter_or_the_body(world, api):
    response = api("GET", "/streams?title_like=a%00b", login="alice")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"]["parameter"] == "title_like"
    body = '{"title": "a\\u0000b"}'
    response = api("PUT", "/streams/a-lobby", login="alice", data=body, content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.json()["errors"][0]["title"]

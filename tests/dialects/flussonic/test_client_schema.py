"""The Watcher Client API's own OpenAPI schema (STYLE §3.4): every routed operation, by its catalog id."""

import json

from .test_client_registry import REGISTRY


def test_the_schema_lists_every_routed_operation_by_its_catalog_id(client):
    response = client.get("/api/schema/watcher-client/?format=json")  # no credentials needed
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["servers"] == [{"url": "/watcher/client-api/v3"}]
    found = {
        (op["operationId"], method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, op in operations.items()
    }
    assert {op_id for op_id, _, _ in found} == set(REGISTRY)
    for op_id, method, path in found:
        assert REGISTRY[op_id].method == method, op_id
        assert path.startswith("/") and not path.startswith("/watcher/"), path

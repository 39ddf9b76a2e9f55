"""Schemathesis against the hub's own OpenAPI, served over loopback: no answer is a 5xx.

The batch and day-close operations document their request bodies (the wire records of
`counter_app.sync.protocol`), so schemathesis sends both documents that fit the schema and
documents that break it; unsigned, they are refused before the hub reads them, and the
enrolment, page, portal and status routes take them as anyone on the network would send
them. Examples per operation: `SCHEMA_EXAMPLES` (budget.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.reliability.budget import SCHEMA_EXAMPLES, pick
from tests.sync_support import running_hub

SIGNED_BODIES = ("/v1/batches", "/v1/day-close")


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_hub(Path(tmp_path_factory.mktemp("schema-hub"))) as hub:
        hub.hub.create_enroll_code("22333")
        yield hub.url


@pytest.fixture(scope="module")
def hub_schema(hub_url: str):
    return schemathesis.openapi.from_url(f"{hub_url}/openapi.json")


def test_the_signed_routes_document_their_wire_records(hub_url: str) -> None:
    document = httpx.get(f"{hub_url}/openapi.json").json()
    schemas = document["components"]["schemas"]
    for path, request, answer in (
        ("/v1/batches", "SyncBatch", "BatchAnswer"),
        ("/v1/day-close", "DayCloseRequest", "DayCloseAnswer"),
    ):
        operation = document["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{request}"}
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{answer}"}
    batch = schemas["SyncBatch"]
    assert set(batch["required"]) == {"protocol", "device", "dossiers"}
    event = schemas["EventRecord"]
    assert "prev_seq" in event["properties"] and "prev_seq" not in event["required"]
    assert schemas["DossierPayload"]["properties"]["events"]["items"] == {
        "$ref": "#/components/schemas/EventRecord"
    }


def fuzz_operation(operation, tried: dict[str, int]) -> None:
    """Schemathesis' cases of one operation, sent to the hub; no answer may be a 5xx."""
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=pick(SCHEMA_EXAMPLES),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case) -> None:
        tried[label] = tried.get(label, 0) + 1
        response = case.call(timeout=30)
        case.validate_response(response, checks=[not_a_server_error])
        if case.path in SIGNED_BODIES:  # unsigned: refused before the body is read
            assert response.status_code in (401, 413, 415), response.text

    call()


def test_no_request_makes_the_hub_fail(hub_schema) -> None:
    """Every operation of the schema in turn (schemathesis' own pytest plugin does not run
    under this pytest, so the operations' hypothesis strategies are driven here)."""
    tried: dict[str, int] = {}
    for result in hub_schema.get_all_operations():
        fuzz_operation(result.ok(), tried)
    assert len(tried) >= 10, tried
    print(f"\nschemathesis: {sum(tried.values())} requests over {len(tried)} operations")

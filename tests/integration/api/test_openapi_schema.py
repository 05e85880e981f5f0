"""Schemathesis over the app's own OpenAPI schema, against a live server.

Every operation gets a bounded number of generated requests; the server must never
answer 5xx (except 503, each model route's documented answer while no model of its kind
is loaded) and every answer must match the schema: status code, content type and body.
Operations are walked in one test (schemathesis' pytest fixture loader does not run on
this pytest), each with Hypothesis' ``@given`` over the operation's strategy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from tests.integration.api.live import LiveServer

from colloquy.services.api.settings import ApiSettings

MAX_EXAMPLES = 10
ALLOWED_5XX = frozenset({503})
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]

SettingsFactory = Callable[..., ApiSettings]
ServerFactory = Callable[..., LiveServer]


@pytest.mark.slow
def test_every_operation_answers_within_its_schema(
    live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(rate_limit_enabled=False))
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"the schema has an invalid operation: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            response = case.call(base_url=server.base_url, timeout=30)
            where = f"{case.method} {case.formatted_path}"
            statuses[response.status_code // 100] += 1
            if response.status_code >= 500 and response.status_code not in ALLOWED_5XX:
                failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                return
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as exc:
                failures.append(f"{where}: {str(exc)[:400]}")

        exercise()
    print(f"{operations} operations, responses by class: {dict(statuses)}")
    assert operations >= 10
    assert statuses[2] > 0
    assert statuses[4] > 0
    assert failures == []

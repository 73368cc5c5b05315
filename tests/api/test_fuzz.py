"""schemathesis against the OpenAPI schema, with the key: no 5xx over at least 1,000 generated cases."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.api.conftest import HEADERS

pytestmark = pytest.mark.slow
EXAMPLES_PER_MODE = 60
MIN_CASES = 1000


def test_no_server_error_over_a_thousand_generated_cases(client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def call(case: schemathesis.Case) -> None:
                response = case.call(headers=HEADERS)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

            try:
                call()
            except Unsatisfiable:  # nothing invalid to generate (e.g. GET /health has no parameter)
                continue
    total = sum(statuses.values())
    print(f"{sum(statuses.values())} cases: {dict(statuses)}")
    assert failures == []
    assert total >= MIN_CASES, statuses
    assert statuses[200] > 0 and statuses[422] > 0

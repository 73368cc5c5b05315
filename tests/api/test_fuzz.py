"""schemathesis against the OpenAPI schema, with an advisor's key and with none: no 5xx over 2,000+ generated cases."""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.main import create_app
from tests.api.conftest import HEADERS, ApiWorld

pytestmark = pytest.mark.slow
EXAMPLES_PER_MODE = 50
MIN_CASES = 2000


@pytest.fixture(scope="module")
def unlimited(api_world: ApiWorld) -> TestClient:
    """The app with rate limits far above the fuzzer's pace (a 429 would hide what the routes do)."""
    limits = "score=1000000/minute,read=1000000/minute,population=1000000/minute"
    with TestClient(create_app(api_world.settings.model_copy(update={"rate_limits": limits}))) as app_client:
        yield app_client


def fuzz(operation, mode: GenerationMode, headers: dict, seen: Counter, failures: list[str], who: str,
         answered: set) -> None:
    """Generated cases of one operation in one mode, sent with `headers`; statuses counted, 5xx kept."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        if who == "no key" and response.status_code != 401:
            answered.add((case.method, operation.path, response.status_code))
        if response.status_code >= 500:
            failures.append(f"{who}: {case.method} {case.formatted_path}: {response.status_code}")

    with contextlib.suppress(Unsatisfiable):  # nothing invalid to generate (e.g. GET /health has no parameter)
        call()


def test_no_server_error_over_two_thousand_generated_cases(unlimited: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", unlimited.app)
    statuses: dict[str, Counter[int]] = {"advisor": Counter(), "no key": Counter()}
    failures: list[str] = []
    answered: set[tuple[str, str, int]] = set()  # what answered without a key, other than 401
    operations = [result.ok() for result in schema.get_all_operations()]
    # with POST /v1/admin/reload (403 for the advisor), the three decisions routes, counter-offers and the letter
    assert len(operations) == 22
    for who, headers in (("advisor", HEADERS), ("no key", {})):
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz(operation, mode, headers, statuses[who], failures, who, answered)
    total = sum(sum(c.values()) for c in statuses.values())
    print(f"{total} cases: {({who: dict(c) for who, c in statuses.items()})}")
    assert failures == []
    assert total >= MIN_CASES, statuses
    assert statuses["advisor"][200] > 0 and statuses["advisor"][422] > 0
    # without a key only the health checks answer; a posted body that is not JSON, or not an object, is refused
    # (400/422) while it is read, before anyone is identified, and discloses nothing
    assert {(m, p) for m, p, status in answered if status == 200} == {("GET", "/health"), ("GET", "/health/ready")}
    assert {(m, p) for m, p, status in answered if status != 200} <= {("POST", "/v1/score"), ("POST", "/v1/decisions"),
                                                                    ("POST", "/v1/counter-offer")}

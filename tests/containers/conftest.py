"""The container tests' world: the API tests' synthetic warehouse and small champion (tests/api/conftest.py),
reused as a fixture, from which the serving bundle baked into the API image is written."""

from __future__ import annotations

from tests.api.conftest import api_world  # noqa: F401 - the API tests' world, reused as a fixture

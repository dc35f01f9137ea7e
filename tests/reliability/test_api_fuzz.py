"""Fuzzing the API from its own OpenAPI schema (schemathesis): no input makes it answer 500.

Every operation of ``/api/schema/`` is called in-process through the WSGI application with the
dispatcher's token (the widest jurisdiction among the working roles), with inputs generated from
the schema — wrong types, boundary numbers, odd strings, missing fields. Examples are bounded and
derandomized, so a run is reproducible and stays well under two minutes.

Each call runs in a savepoint that is rolled back: one request's database error cannot poison the
next, and generated data does not pile up.
"""
from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings

MAX_EXAMPLES = 8


def _load_schema():
    """The schema as the server serves it (it needs no database: loaded while collecting)."""
    from gridgov.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _load_schema()


@pytest.fixture
def dispatcher_token(world) -> str:
    from accounts.tokens import issue

    return issue(world.dispatcher).key


@pytest.fixture(autouse=True)
def _keep_the_test_transaction(settings, tmp_path):
    """The WSGI handler closes "old" database connections at each request's start and end, which
    would end the test's transaction; Django's own test client switches that off the same way."""
    settings.MEDIA_ROOT = tmp_path / "media"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# One test per operation, parametrized by its label: plain pytest parametrization survives
# pytest-xdist (schemathesis' own `schema.parametrize()` collapses to one item there, and runs nothing).
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_generated_input_makes_the_api_fail(label, dispatcher_token):
    operation = OPERATIONS[label]
    seen = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing example is printed as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case):
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Token {dispatcher_token}"})
            transaction.set_rollback(True)
        seen.append(response.status_code)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} → {response.status_code}\n"
            f"reproduce: {case.as_curl_command()}\n{response.text[:1500]}"
        )

    call()
    assert seen, f"{label}: no input was generated"

"""Stateful fuzzing of the API (schemathesis): sequences of calls chained by the links between
operations — a case filed, then read, acted on and its photos fetched; a patrol started, then fed
points, check-ins and ended; a person listed, then read and revealed — so the fuzz reaches the
objects' own routes with real ids instead of 404s. No sequence makes the API answer 500.

The links are those schemathesis infers from the schema (responses that carry an ``id``, path
parameters that take one). Each persona runs its own machine with its token: the dispatcher (the
widest jurisdiction), a grid worker (the phone's routes) and the leader (read-only).
"""
from __future__ import annotations

import pytest
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

import copy

import schemathesis

from .test_api_fuzz import schema as served

# The lists answer {"results": [{"id": …}, …]} and a creation answers the object: the links from
# them to the object's own routes, stated here (the served schema types the lists loosely).
LIST_LINKS = {
    "/api/v1/incidents/": ["/api/v1/incidents/{id}/", "/api/v1/incidents/{id}/{action}/", "/api/v1/dispatch/incidents/{id}/",
                           "/api/v1/dispatch/incidents/{id}/{action}/", "/api/v1/dispatch/incidents/{id}/contact/reveal/"],
    "/api/v1/patrols/": ["/api/v1/patrols/{id}/", "/api/v1/patrols/{id}/points/", "/api/v1/patrols/{id}/checkins/",
                         "/api/v1/patrols/{id}/end/"],
    "/api/v1/residents/persons/": ["/api/v1/residents/persons/{id}/", "/api/v1/residents/persons/{id}/reveal/"],
    "/api/v1/residents/households/": ["/api/v1/residents/households/{id}/", "/api/v1/residents/households/{id}/visits/"],
    "/api/v1/residents/buildings/": ["/api/v1/residents/buildings/{id}/"],
}


def _linked_schema():
    raw = copy.deepcopy(served.raw_schema)
    paths = raw["paths"]

    def links(targets, pointer):
        found = {}
        for target in targets:
            for method, operation in paths.get(target, {}).items():
                if method in ("get", "post", "put", "patch", "delete") and "operationId" in operation:
                    found[operation["operationId"]] = {"operationId": operation["operationId"], "parameters": {"id": pointer}}
        return found

    for source, targets in LIST_LINKS.items():
        listing = paths[source]["get"]["responses"]["200"]
        listing["links"] = links(targets, "$response.body#/results/0/id")
        for status in ("200", "201"):
            created = paths[source].get("post", {}).get("responses", {}).get(status)
            if created is not None:
                created["links"] = links(targets, "$response.body#/id")
    linked = schemathesis.openapi.from_dict(raw)
    linked.app = served.app
    linked.location = served.location
    return linked


schema = _linked_schema()

STEPS = 12
EXAMPLES = 10  # the schema grew with needs and emergencies: the same walk needs more runs to follow a link


@pytest.fixture(autouse=True)
def _keep_the_test_transaction(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


LINKED = {  # a few of the links the fuzz must follow (from the response that names an id to its route)
    "POST /api/v1/incidents/ -> 201", "GET /api/v1/incidents/ -> 200", "POST /api/v1/patrols/ -> 201",
    "GET /api/v1/residents/persons/ -> 200", "GET /api/v1/residents/households/ -> 200",
}


def test_the_schema_links_operations_to_each_other():
    assert LINKED <= set(schema.as_state_machine().bundles)


@pytest.fixture
def records(world):
    """Something in each list for the links to lead from: cases, a patrol, a household with a person."""
    from incidents import actions
    from incidents.models import Category
    from tests.dispatch.conftest import inside
    from tests.residents.conftest import make_household, make_person, valid_id

    for reporter in (world.grid_worker_a, world.dispatcher):
        actions.report_incident(reporter=reporter, category=Category.objects.get(code="C0102"), location=inside(world.cell_a))
    actions.start_patrol(worker=world.grid_worker_a)
    make_person(make_household(world.cell_a), name="赵六", id_number=valid_id())


@pytest.mark.parametrize("persona", ["dispatcher", "grid_worker_a", "leader"])
def test_no_sequence_of_calls_makes_the_api_fail(persona, world, records):
    from accounts.tokens import issue

    token = issue(getattr(world, persona)).key
    seen = []

    class Machine(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {token}"}}

        def call(self, case, **kwargs):
            with transaction.atomic():
                response = case.call(**kwargs)
            seen.append((case.method, case.operation.path, response.status_code))
            return response

        def validate_response(self, response, case, **kwargs):
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} → {response.status_code}\nreproduce: {case.as_curl_command()}\n"
                f"{response.text[:1500]}"
            )

    Machine.run(settings=hypothesis_settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck),
    ))
    reached = {f"{method} {path}" for method, path, status in seen if status < 300 and "{" in path}
    # Not a vacuous run: following the links reached objects' own routes with real ids.
    assert reached, sorted({f"{m} {p} {s}" for m, p, s in seen})

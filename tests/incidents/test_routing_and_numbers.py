"""Where a new case starts (the routing rules), and the number people quote for it."""
from __future__ import annotations

import importlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from grids.models import Level
from incidents import numbering, routing
from incidents.actions import report_incident, report_settled_at_grid
from incidents.errors import InvalidInput
from incidents.models import Category, Incident, RoutingRule, Status

from .conftest import inside, photo, shanghai

NUMBER = re.compile(r"^\d{8}-\d{4}$")


@pytest.fixture
def browser_as():
    def _client(user):
        client = Client()
        client.force_login(user)
        return client

    return _client


def test_every_minor_class_starts_where_the_seeded_rules_say(world):
    """Minor matters stay with the grid worker when normal; everything urgent, and what a
    department must repair or enforce, goes to the command centre; 邻里纠纷 to the community."""
    minors = list(Category.objects.filter(parent__isnull=False))
    assert len(minors) + Category.objects.filter(parent__isnull=True).count() == 39
    starts = {(c.code, u): routing.route_for(c, u, source="patrol", in_cell=True) for c in minors for u in ("normal", "urgent")}
    assert {route.level for (code, urgency), route in starts.items() if urgency == "urgent"} == {Level.DISTRICT}
    at_grid = sorted(code for (code, urgency), route in starts.items() if urgency == "normal" and route.level == Level.GRID)
    assert at_grid == sorted(c.code for c in minors if c.grid_resolvable)
    assert starts[("E0404", "normal")].level == Level.COMMUNITY
    assert starts[("C0102", "normal")].level == Level.DISTRICT  # a street lamp is 市政's repair
    automatic = sorted({code for (code, _u), route in starts.items() if route.auto_dispatch})
    assert automatic == ["C0103", "C0105", "E0401", "E0402"]
    assert not starts[("C0101", "urgent")].auto_dispatch  # 市政's or 水务's: a dispatcher chooses


def test_an_urgent_report_lands_at_the_centre_and_a_minor_one_stays_with_the_grid_worker(world, file_case):
    cover = file_case(code="C0101", urgency="urgent")  # a missing manhole cover, found on patrol
    assert (cover.level, cover.area, cover.status, cover.cell) == (Level.DISTRICT, world.district, Status.REPORTED, world.cell_a)
    assert cover.deadline == cover.deadline_started_at + timedelta(hours=2)  # the centre's limit for a cover
    rubbish = file_case(code="E0101")
    assert (rubbish.level, rubbish.area) == (Level.GRID, world.cell_a)
    dispute = file_case(code="E0404")
    assert (dispute.level, dispute.area) == (Level.COMMUNITY, world.community_1)
    urgent_rubbish = file_case(code="E0101", urgency="urgent")
    assert urgent_rubbish.level == Level.DISTRICT
    entry = cover.timeline.get(version=1)
    assert (entry.action, entry.to_level, entry.to_area) == ("report", Level.DISTRICT, world.district)


def test_an_administrators_rule_applies_to_the_next_report(world, file_case):
    bikes = Category.objects.get(code="E0204")
    assert file_case(code="E0204").level == Level.GRID
    rule = RoutingRule.objects.get(category=bikes, condition="normal")
    rule.start_level = Level.STREET
    rule.save()  # the cache is forgotten on save
    moved = file_case(code="E0204")
    assert (moved.level, moved.area) == (Level.STREET, world.street_1)
    rule.delete()  # falls back to the major class's rule (街面秩序: the centre)
    assert file_case(code="E0204").level == Level.DISTRICT


def test_the_hotline_outside_cells_and_a_settled_report_follow_their_own_rule(world, file_case):
    call = file_case(reporter=world.dispatcher, code="E0101", source="hotline")
    assert call.level == Level.DISTRICT  # the centre took the call
    settled, _created = report_settled_at_grid(
        reporter=world.grid_worker_a, category=Category.objects.get(code="C0301"), location=inside(world.cell_a),
        photos=[photo()], after_photos=[photo()],
    )
    assert (settled.level, settled.status, settled.resolved_at_grid) == (Level.GRID, Status.CLOSED, True)


def test_numbers_count_the_districts_cases_of_the_day_from_one(world, file_case):
    with time_machine.travel(shanghai(2026, 12, 3, 23, 58), tick=False):
        first, second = file_case(), file_case(photos=[photo()])  # the photo path takes its number first
    with time_machine.travel(shanghai(2026, 12, 4, 0, 1), tick=False):
        next_day = file_case()
    assert (first.number, second.number, next_day.number) == ("20261203-0001", "20261203-0002", "20261204-0001")
    assert Incident.objects.get(pk=second.pk).number == "20261203-0002"
    # Another district counts on its own; after the 9,999th case of a day the count grows a digit.
    assert numbering.take_numbers("990102", first.created_at.date()) == ["20261203-0001"]
    assert numbering.take_numbers("990101", first.created_at.date(), 9998)[-1] == "20261203-10000"


def test_a_refiled_report_keeps_its_number_and_takes_no_other(world, file_case):
    client_id = "6f1c1b2e-9f0e-4a55-8a8e-2b8f6d2f4a11"
    first = file_case(client_id=client_id)
    again = file_case(client_id=client_id)
    assert again.pk == first.pk and again.number == first.number
    assert NUMBER.match(first.number)


def test_reports_filed_at_the_same_moment_never_share_a_number(committed_world):
    category = Category.objects.get(code="E0103")
    point = inside(committed_world.cell_a)
    start = threading.Barrier(8)

    def file(_):
        try:
            start.wait()
            incident, _created = report_incident(reporter=committed_world.grid_worker_a, category=category, location=point)
            return incident.number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(file, range(8)))
    assert len(set(numbers)) == 8
    day = timezone.localdate().strftime("%Y%m%d")
    assert sorted(numbers) == [f"{day}-{n:04d}" for n in range(1, 9)]


def test_the_migration_numbers_older_cases_in_the_order_they_were_reported(world, file_case):
    with time_machine.travel(shanghai(2025, 5, 6, 9, 0), tick=False):
        early = file_case()
    with time_machine.travel(shanghai(2025, 5, 6, 15, 0), tick=False):
        late = file_case()
    with time_machine.travel(shanghai(2025, 5, 7, 8, 0), tick=False):
        other_day = file_case()
    ids = [early.pk, late.pk, other_day.pk]
    Incident.objects.filter(pk__in=ids).update(number="")
    migration = importlib.import_module("incidents.migrations.0015_routing_rules_and_case_numbers")
    with connection.schema_editor() as editor:
        migration.number_existing_cases(None, editor)
    numbers = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "number"))
    # The counters already stood at 1 for both days (the cases were numbered when filed).
    assert numbers == {early.pk: "20250506-0001", late.pk: "20250506-0002", other_day.pk: "20250507-0001"}
    with time_machine.travel(shanghai(2025, 5, 6, 16, 0), tick=False):
        assert file_case().number == "20250506-0003"  # the counter continues after the backfill


@pytest.mark.parametrize("typed", ["20261203-0042", " #20261203-0042 ", "20261203-12345"])
def test_a_typed_number_is_read(typed):
    assert numbering.parse_number(typed) == typed.strip().lstrip("#").strip()


@pytest.mark.parametrize("typed", ["", "2026-12-03-0042", "20261303-0001", "00001203-0001", "20261203-42", "20261203-0042x",
                                   "20261203\x00-0042", "9" * 5000])
def test_a_malformed_number_names_the_field(typed):
    with pytest.raises(InvalidInput) as error:
        numbering.parse_number(typed)
    assert error.value.field == "number"


def test_the_api_and_the_list_find_a_case_by_its_number(world, file_case, api_as, browser_as):
    case = file_case(description="路边垃圾")
    other = file_case()
    api = api_as(world.grid_worker_a)
    found = api.get("/api/v1/incidents/", {"number": case.number}).json()["results"]
    assert [row["id"] for row in found] == [case.pk] and found[0]["number"] == case.number
    assert [row["id"] for row in api.get("/api/v1/incidents/", {"q": case.number}).json()["results"]] == [case.pk]
    assert api.get(f"/api/v1/incidents/{other.pk}/").json()["number"] == other.number
    refused = api.get("/api/v1/incidents/", {"number": "2026-1203"})
    assert refused.status_code == 400 and "number" in refused.json()["errors"]
    assert "20261203-0042" in refused.json()["detail"]  # says what a number looks like
    page = browser_as(world.grid_worker_a).get("/incidents/", {"q": case.number}).content.decode()
    assert case.number in page and other.number not in page
    # Outside the jurisdiction the number finds nothing.
    assert api_as(world.grid_worker_b).get("/api/v1/incidents/", {"number": case.number}).json()["results"] == []

"""The grid worker's home: her cells' open cases counted by light, the same as the list and the map.

Before, home counted only the cases still held at grid level in her cells: an overdue case climbs
to the community, so home said "0 overdue" while her cells had red cases."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from incidents.home import grid_worker_card
from incidents.models import Incident
from incidents.queries import in_my_cells, incidents_for

pytestmark = pytest.mark.django_db


def _overdue(incident, *, held_by=None, level=None):
    """The case as the sweep leaves it: past its deadline, held at ``level`` by ``held_by``."""
    past = timezone.now() - timedelta(hours=2)
    changes = {"deadline": past, "deadline_started_at": past - timedelta(days=1), "warn_at": past - timedelta(hours=6)}
    if held_by is not None:
        changes.update(area=held_by, level=level)
    Incident.objects.filter(pk=incident.pk).update(**changes)


def _card(user):
    request = RequestFactory().get("/")
    request.user = user
    return grid_worker_card(request)


@pytest.fixture
def her_day(world, file_case):
    """Cell A: one green case, one red at grid level, one red that climbed to the community, one
    closed; cell B (another worker's): a red case."""
    green = file_case(where=world.cell_a)
    red_here = file_case(where=world.cell_a)
    _overdue(red_here)
    red_climbed = file_case(where=world.cell_a)
    _overdue(red_climbed, held_by=world.community_1, level="community")
    closed = file_case(where=world.cell_a)
    Incident.objects.filter(pk=closed.pk).update(status="closed", deadline=timezone.now() - timedelta(days=3))
    elsewhere = file_case(reporter=world.grid_worker_b, where=world.cell_b)
    _overdue(elsewhere)
    return {"green": green, "red": {red_here.pk, red_climbed.pk}, "elsewhere": elsewhere}


def test_overdue_count_is_every_red_case_in_her_cells_whichever_level_holds_it(world, her_day):
    card = _card(world.grid_worker_a)
    lights = {row["light"]: row["count"] for row in card["lights"]}
    assert lights == {"red": 2, "yellow": 0, "green": 1}
    assert card["count"] == 3
    with translation.override("zh-hans"):
        assert "（2 件已超期）" in _card(world.grid_worker_a)["body"]


def test_the_counts_match_the_map_markers_and_the_list_behind_the_red_link(world, her_day):
    card = _card(world.grid_worker_a)
    red_markers = {marker["id"] for marker in card["map"]["cases"] if marker["light"] == "red"}
    assert red_markers == her_day["red"]
    client = Client()
    client.force_login(world.grid_worker_a)
    red_link = next(row["url"] for row in card["lights"] if row["light"] == "red")
    listed = client.get(red_link)
    assert listed.status_code == 200
    assert {incident.pk for incident in listed.context["page"]} == her_day["red"]


def test_the_home_list_puts_the_red_cases_first_and_links_them(world, her_day):
    card = _card(world.grid_worker_a)
    assert {case.pk for case in card["cases"][:2]} == her_day["red"]
    client = Client()
    client.force_login(world.grid_worker_a)
    page = client.get("/").content.decode()
    for pk in her_day["red"]:
        assert f'href="/incidents/{pk}/"' in page


def test_a_cell_handed_over_takes_its_cases_off_her_home(world, her_day):
    from accounts.models import GridAssignment

    GridAssignment.objects.filter(user=world.grid_worker_a, cell=world.cell_a).update(ended_at=timezone.now())
    assert in_my_cells(incidents_for(world.grid_worker_a), world.grid_worker_a).count() == 0
    assert _card(world.grid_worker_a) is None  # no cell, no day's card: home says she has no cell


def test_on_site_checks_and_home_share_the_rule_of_her_cells(world, her_day):
    from dispatch.queries import checks_for

    Incident.objects.filter(pk=her_day["green"].pk).update(status="handled", level="community", area=world.community_1)
    assert list(checks_for(world.grid_worker_a).values_list("pk", flat=True)) == [her_day["green"].pk]

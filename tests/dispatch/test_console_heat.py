"""The console's heat map API: every case the queue's filters keep (not only the queue's first page),
counted per grid cell in the database, at most a few thousand points, scoped like the queue."""

from __future__ import annotations

import pytest
import time_machine
from shapely.geometry import box

from accounts.models import Role, User
from dispatch import actions
from dispatch.heat import heat_payload
from incidents.actions import report_incident
from incidents.models import Category, Incident

from .conftest import inside, shanghai
from incidents import actions as case_acts

HEAT = "/api/v1/dispatch/heat/"


@pytest.fixture
def three_places(world, hotline_case):
    """Three cases at one spot of cell A, two at one spot of cell B, one in cell A2 next to A (all
    registered hotline cases at the centre, 井盖 C0101 except the lone one, 路灯 C0102)."""
    a, b, lone = inside(world.cell_a), inside(world.cell_b), inside(world.cell_a2)
    cases = {
        "a": [hotline_case(code="C0101", location=a) for _ in range(3)],
        "b": [hotline_case(code="C0101", location=b) for _ in range(2)],
        "lone": [hotline_case(code="C0102", location=lone)],
    }
    return {"a": a, "b": b, "lone": lone, "cases": cases}


def _by_weight(body) -> list[list[float]]:
    return sorted(body["points"], key=lambda p: -p[2])


def test_the_heat_counts_each_place_once_per_case(world, three_places, api_as):
    response = api_as(world.dispatcher).get(HEAT, {"zoom": 16})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == 6 and body["max"] == 3 and body["zoom"] == 16
    assert 5 <= body["cell_m"] <= 30  # about 8 screen pixels at zoom 16
    points = _by_weight(body)
    assert [p[2] for p in points] == [3, 2, 1]
    for (lat, lng, _n), where in zip(points, (three_places["a"], three_places["b"], three_places["lone"])):
        assert lat == pytest.approx(where.y, abs=1e-6) and lng == pytest.approx(where.x, abs=1e-6)


def test_a_coarse_zoom_merges_places_and_keeps_the_total(world, three_places, api_as):
    body = api_as(world.dispatcher).get(HEAT, {"zoom": 5}).json()
    assert body["cell_m"] > 10_000
    assert body["total"] == 6 and sum(p[2] for p in body["points"]) == 6
    assert len(body["points"]) <= 2  # 1.2 km of district in cells of tens of kilometres


def test_too_many_cells_make_the_cells_coarser_never_the_answer_longer(world, three_places):
    fine = heat_payload(world.dispatcher, {}, zoom=16)
    capped = heat_payload(world.dispatcher, {}, zoom=16, limit=2)
    assert len(fine["points"]) == 3
    assert len(capped["points"]) <= 2 and capped["total"] == 6 and capped["cell_m"] > fine["cell_m"]
    assert sum(p[2] for p in capped["points"]) == 6


def test_the_whole_queue_is_counted_not_only_its_first_page(world, hotline_case, api_as):
    first = hotline_case(code="C0102")
    copies = []
    for _ in range(230):
        copy = Incident.objects.get(pk=first.pk)
        copy.pk = copy.id = None
        copies.append(copy)
    Incident.objects.bulk_create(copies)
    queue = api_as(world.dispatcher).get("/api/v1/dispatch/queue/").json()
    assert len(queue["results"]) == 200
    body = api_as(world.dispatcher).get(HEAT).json()
    assert body["total"] == 231
    [(lat, lng, n)] = body["points"]
    assert (lat, lng, n) == (pytest.approx(first.location.y, abs=1e-6), pytest.approx(first.location.x, abs=1e-6), 231)


def test_the_queues_filters_apply(world, three_places, hotline_case, api_as):
    client = api_as(world.dispatcher)
    unregistered = hotline_case(code="C0101", location=three_places["a"], registered=False)

    def total(**params) -> int:
        response = client.get(HEAT, {"zoom": 16, **params})
        assert response.status_code == 200, response.json()
        return response.json()["total"]

    assert total() == 7
    assert total(stage="register") == 1 and total(stage="dispatch") == 6
    assert total(category="C0102") == 1 and total(category="C01") == 7
    assert total(street=world.street_2.code) == 2
    assert total(source="hotline") == 7 and total(source="patrol") == 0
    assert total(q=str(unregistered.pk)) == 1
    assert total(age="1h") == 7 and total(age="old") == 0
    # Only the view (with its margin): a box around B's spot holds B's two cases.
    b = three_places["b"]
    assert total(bbox=f"{b.x - 0.0005},{b.y - 0.0005},{b.x + 0.0005},{b.y + 0.0005}") == 2


def test_the_light_filter_follows_the_clock(world, hotline_case, api_as):
    with time_machine.travel(shanghai(2025, 3, 3, 9, 0), tick=False):
        hotline_case(code="C0101", registered=False)  # 井盖: two urgent hours
        hotline_case(code="C0102")  # 路灯: five working days
    with time_machine.travel(shanghai(2025, 3, 3, 12, 0), tick=False):
        client = api_as(world.dispatcher)
        assert client.get(HEAT, {"light": "red"}).json()["total"] == 1
        assert client.get(HEAT, {"light": "green"}).json()["total"] == 1
        assert client.get(HEAT, {"light": "red,green"}).json()["total"] == 2
        assert client.get(HEAT, {"light": "yellow"}).json()["total"] == 0


@pytest.fixture
def other_district():
    """A second district with its own dispatcher and two cases of its own (rolled back with the test)."""
    from grids.demo import build_district
    from grids.models import Area, Level

    district = build_district(
        "990104", name="邻区", boundary=box(116.740, 39.600, 116.7445, 39.6035), streets=1, communities_per_street=1, seed=13
    )
    dispatcher = User.objects.create(username="dispatcher_990104", role=Role.DISPATCHER, area=district)
    cell = Area.objects.current().filter(code__startswith=district.code, level=Level.GRID).order_by("code").first()
    for _ in range(2):
        incident, _created = report_incident(
            reporter=dispatcher, category=Category.objects.get(code="C0102"), location=inside(cell), source="hotline"
        )
        case_acts.register(incident, actor=dispatcher)
    return dispatcher


def test_a_dispatcher_sees_the_heat_of_their_own_district_only(world, three_places, other_district, api_as):
    ours = api_as(world.dispatcher).get(HEAT, {"zoom": 16}).json()
    theirs = api_as(other_district).get(HEAT, {"zoom": 16}).json()
    assert ours["total"] == 6 and all(p[1] < 116.72 for p in ours["points"])
    assert theirs["total"] == 2 and all(p[1] > 116.74 for p in theirs["points"])
    # Asking for our district's box from theirs finds nothing of ours.
    probe = api_as(other_district).get(HEAT, {"bbox": "116.700,39.600,116.714,39.6072", "zoom": 16}).json()
    assert probe["total"] == 0 and probe["points"] == []


@pytest.mark.parametrize(
    "persona", ["grid_worker_a", "community_staff", "street_staff", "department_handler", "leader", "gis_admin"]
)
def test_only_the_command_centre_has_a_heat_map(world, three_places, api_as, persona):
    response = api_as(getattr(world, persona)).get(HEAT)
    assert response.status_code == 403
    assert "points" not in response.json()


def test_anonymous_gets_no_heat(db, api_as):
    assert api_as(None).get(HEAT).status_code in (401, 403)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"zoom": "near"}, "zoom"),
        ({"zoom": "23"}, "zoom"),
        ({"zoom": "-1"}, "zoom"),
        ({"bbox": "116.7,39.6,116.8"}, "bbox"),
        ({"bbox": "116.8,39.6,116.7,39.7"}, "bbox"),  # west east of east
        ({"bbox": "116.7,39.6,116.8,nan"}, "bbox"),
        ({"bbox": "116.7,39.6,200,39.7"}, "bbox"),
        ({"stage": "somewhere"}, "stage"),
        ({"light": "red,purple"}, "light"),
        ({"source": "pigeon"}, "source"),
        ({"age": "1y"}, "age"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(world, api_as, params, field):
    response = api_as(world.dispatcher).get(HEAT, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert response.json()["errors"][field][0]


def test_the_console_page_knows_where_the_heat_is(world, client):
    client.force_login(world.dispatcher)
    page = client.get("/dispatch/")
    assert page.status_code == 200
    body = page.content.decode()
    assert HEAT in body
    assert "leaflet.markercluster-1.5.3/leaflet.markercluster.js" in body and "leaflet.heat-0.2.0/leaflet-heat.js" in body
    strings = page.context["strings"]
    assert (strings["layerCases"], strings["layerHeat"]) == ("案件标记", "热力图")

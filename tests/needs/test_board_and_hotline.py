"""The needs board (list, markers, the night meeting's workbook) and the hotline's page."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from needs import actions
from needs.models import Need, NeedSource
from tests.residents.conftest import make_person, valid_id

pytestmark = pytest.mark.django_db


def _record(home, kind, actor, **extra):
    return actions.record_need(household=home, kind=kind, source=NeedSource.GRID_WORKER, actor=actor, **extra)


@pytest.fixture
def board(world, homes):
    late = timezone.now() - timedelta(hours=5)
    return {
        "late_medicine": _record(homes.in_a, "medicine", world.grid_worker_a, urgency="urgent", now=late),
        "food_a2": _record(homes.in_a2, "food", world.community_staff),
        "food_b": _record(homes.in_b, "food", world.grid_worker_b),
    }


def _markers(client, user, query=""):
    client.force_login(user)
    response = client.get(f"/needs/board/markers.geojson{query}")
    assert response.status_code == 200, response.content
    return response.json()["features"]


def test_staff_filter_overdue_needs_by_kind_and_see_them_at_the_door(board, world, client):
    features = _markers(client, world.street_staff, "?state=overdue")
    assert [f["properties"]["id"] for f in features] == [board["late_medicine"].pk]
    (marker,) = features
    building = board["late_medicine"].household.dwelling.building
    assert marker["geometry"]["coordinates"] == [round(building.location.x, 6), round(building.location.y, 6)]
    assert marker["properties"]["overdue"] and marker["properties"]["address"]
    assert [f["properties"]["id"] for f in _markers(client, world.street_staff, "?kind=food")] == [board["food_a2"].pk]


def test_another_streets_community_in_the_query_gives_nothing(board, world, client):
    assert _markers(client, world.community_staff, f"?community={world.community_2.code}") == []
    assert len(_markers(client, world.dispatcher, f"?community={world.community_2.code}")) == 1


def test_a_grid_worker_sees_her_cells_and_a_leader_no_door(board, world, client):
    assert [f["properties"]["id"] for f in _markers(client, world.grid_worker_a)] == [board["late_medicine"].pk]
    leader = _markers(client, world.leader)
    assert len(leader) == 3
    assert all(f["properties"]["address"] == "" and f["properties"]["description"] == "" for f in leader)
    middle = world.cell_a.boundary.point_on_surface
    medicine = next(f for f in leader if f["properties"]["kind"] == "medicine")
    assert medicine["geometry"]["coordinates"] == pytest.approx([middle.x, middle.y], abs=1e-5)


def test_volunteers_and_departments_are_refused_the_board(board, world, client, volunteer):
    for user in (volunteer, world.department_handler, world.gis_admin):
        client.force_login(user)
        for url in ("/needs/board/", "/needs/board/markers.geojson", "/needs/board/export.xlsx"):
            assert client.get(url).status_code == 403, (user, url)


def test_a_wrong_filter_is_refused_naming_it(board, world, client):
    client.force_login(world.dispatcher)
    response = client.get("/needs/board/markers.geojson?kind=caviar")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    assert client.get("/needs/board/markers.geojson?community=1101%27--").status_code == 400
    assert client.get("/needs/board/?state=soon").status_code == 400


def test_the_board_page_counts_by_kind_and_urgency(board, world, client):
    client.force_login(world.community_staff)
    text = client.get("/needs/board/").content.decode()
    assert text.count('class="card need"') == 2  # community 1's needs only


def _sheet_rows(response, name):
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def test_the_export_writes_a_typed_formula_as_text(world, homes, client):
    _record(homes.in_a, "food", world.grid_worker_a, description='=HYPERLINK("http://evil.example/?x","点击")')
    client.force_login(world.community_staff)
    response = client.get("/needs/board/export.xlsx")
    assert response.status_code == 200
    rows = _sheet_rows(response, "诉求")
    description = rows[1][9]
    assert description.startswith("'=HYPERLINK")
    book = load_workbook(io.BytesIO(response.content))
    assert all(not (isinstance(c.value, str) and c.data_type == "f") for row in book["诉求"].iter_rows() for c in row)


def test_the_leaders_export_has_no_address_nor_description(board, world, client):
    client.force_login(world.leader)
    rows = _sheet_rows(client.get("/needs/board/export.xlsx"), "诉求")
    assert len(rows) == 4
    assert all(row[7] in (None, "") and row[9] in (None, "") for row in rows[1:])
    figures = _sheet_rows(client.get("/needs/board/export.xlsx"), "汇总")
    assert sum(row[2] for row in figures[1:]) == 3 and sum(row[3] for row in figures[1:]) == 1


def test_the_hotline_finds_the_household_and_records_the_call(world, homes, client, far_volunteer):
    make_person(homes.in_b, name="钱老太", id_number=valid_id(sequence=91))
    client.force_login(world.dispatcher)
    address = homes.in_b.dwelling.building.address
    page = client.get("/needs/hotline/", {"q": address})
    assert homes.in_b.number in page.content.decode()
    response = client.post("/needs/hotline/", {"household": homes.in_b.pk, "kind": "medicine", "urgency": "urgent",
                                               "caller_phone": "139-8765-4321", "description": "楼上老人发烧", "q": address})
    assert response.status_code == 302
    need = Need.objects.get(household=homes.in_b)
    assert (need.source, need.urgency, need.created_by) == (NeedSource.HOTLINE, "urgent", world.dispatcher)
    # The number is the need's own field, encrypted, and no longer part of what was said.
    assert need.description == "楼上老人发烧" and "13987654321" not in need.caller_phone_enc
    client.force_login(world.grid_worker_b)
    text = client.get(f"/needs/{need.pk}/").content.decode()
    assert "楼上老人发烧" in text and 'href="tel:13987654321"' in text  # the worker calls back
    assert "139****4321" in client.get("/needs/").content.decode()  # on her list, masked
    client.force_login(far_volunteer)
    text = client.get("/needs/mine/").content.decode()
    assert "楼上老人发烧" in text and "13987654321" not in text and "139****4321" not in text  # he delivers: no caller's number


def test_a_call_without_a_phone_or_outside_the_district_saves_nothing(world, homes, client):
    client.force_login(world.dispatcher)
    response = client.post("/needs/hotline/", {"household": homes.in_b.pk, "kind": "food", "caller_phone": "",
                                               "description": "x"})
    assert response.status_code == 400 and "来电人" in response.content.decode()
    response = client.post("/needs/hotline/", {"household": 10**9, "kind": "food", "caller_phone": "13812345678"})
    assert response.status_code == 400
    assert not Need.objects.exists()


def test_only_the_hotline_records_from_calls(world, homes, client):
    for user in (world.grid_worker_a, world.community_staff, world.leader, world.volunteer):
        client.force_login(user)
        call = {"household": homes.in_a.pk, "kind": "food", "caller_phone": "13812345678"}
        assert client.post("/needs/hotline/", call).status_code == 403
    assert not Need.objects.exists()

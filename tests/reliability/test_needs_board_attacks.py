"""Attacks on the needs board, its workbook, the hotline's page and the leader's emergency map:
the board's gate (two capabilities: the matrix's Gate holds one), another jurisdiction's area or
household named in the query or the body, and text typed to run as a formula in the workbook."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from needs import actions
from needs.models import Need, NeedSource
from tests.needs.conftest import homes, kinds  # noqa: F401 (the needs tests' fixtures)
from tests.reliability.test_formula_injection import PAYLOADS
from tests.residents.conftest import make_household

pytestmark = pytest.mark.django_db

BOARD = ("/needs/board/", "/needs/board/markers.geojson", "/needs/board/export.xlsx")


def _cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_the_board_opens_to_who_works_or_reads_needs_only(world, client):
    allowed = {"grid_worker_a", "grid_worker_b", "community_staff", "street_staff", "dispatcher", "leader"}
    for name, user in world.users().items():
        client.force_login(user)
        for url in BOARD:
            status = client.get(url).status_code
            assert (status == 200) == (name in allowed), (name, url, status)
            assert status in (200, 403), (name, url, status)


def test_a_volunteer_sees_nothing_of_the_board_even_for_his_own_community(world, client, homes):
    actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    client.force_login(world.volunteer)
    for url in BOARD:
        response = client.get(f"{url}?community={world.community_1.code}")
        assert response.status_code == 403 and homes.in_a.dwelling.building.address not in response.content.decode()


def test_another_streets_community_gives_an_empty_board_not_its_needs(world, client, homes):
    need = actions.record_need(household=homes.in_b, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_b,
                               description="MARK-B-need")
    for user in (world.community_staff, world.street_staff, world.grid_worker_a):
        client.force_login(user)
        for url in BOARD:
            body = client.get(f"{url}?community={world.community_2.code}").content
            text = body.decode("utf-8", "replace") if not body.startswith(b"PK") else "".join(str(c.value) for c in _cells(body))
            assert "MARK-B-need" not in text, (user, url)
        assert client.get(f"/needs/{need.pk}/").status_code == 404


def test_a_grid_worker_sees_no_marker_outside_her_cells(world, client, homes):
    actions.record_need(household=homes.in_a2, kind="food", source=NeedSource.GRID_WORKER, actor=world.community_staff)
    client.force_login(world.grid_worker_a)
    assert client.get(f"/needs/board/markers.geojson?community={world.cell_a2.code}").json()["features"] == []
    assert client.get("/needs/board/markers.geojson").json()["features"] == []


def test_the_hotline_refuses_a_household_of_another_district(world, client, kinds):
    from tests.reliability.matrix_places import Places

    outside = make_household(Places(world).cell("X"))
    client.force_login(world.dispatcher)
    response = client.post("/needs/hotline/", {"household": outside.pk, "kind": "food", "caller_phone": "13812345678"})
    assert response.status_code == 400 and not Need.objects.exists()
    found = client.get("/needs/hotline/", {"q": outside.number}).content.decode()
    assert 'id="no-household"' in found and outside.dwelling.building.address not in found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_needs_workbook_writes_formula_like_text_as_text(payload, world, client, homes):
    actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                        description=payload)
    client.force_login(world.community_staff)
    cells = _cells(client.get("/needs/board/export.xlsx").content)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    typed = [c.value for c in cells if isinstance(c.value, str) and payload.strip() in c.value]
    assert typed and all(value.startswith("'") for value in typed)


def test_the_emergency_map_of_another_street_is_not_found(world, client):
    from emergencies.actions.declaring import declare_emergency

    emergency = declare_emergency(actor=world.dispatcher, kind="flood", title="第2街道内涝", area=world.street_2,
                                  zones=[{"name": "MARK-B-zone", "measure": "controlled", "areas": [world.community_2.code]}])
    for user in (world.community_staff, world.street_staff, world.grid_worker_a):
        client.force_login(user)
        for suffix in ("", "zones.geojson", "areas.geojson"):
            assert client.get(f"/emergencies/{emergency.pk}/map/{suffix}").status_code == 404
    client.force_login(world.leader)
    assert "MARK-B-zone" in client.get(f"/emergencies/{emergency.pk}/map/zones.geojson").content.decode()

"""Evaluation (考核) as people read it: the API, the dashboard and its Excel export, who sees which
figures, and the minute the answers are kept — on the hand-built month of ``indicator_month``."""

from __future__ import annotations

from dispatch import indicators
from incidents.models import Incident

from .conftest import shanghai
from .indicator_month import MARCH, NOW, counts, make, month, rework  # noqa: F401 (month: a fixture)


def test_the_api_answers_an_area_with_its_children_and_a_department(world, month, api_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    body = (
        api_as(world.leader)
        .get(
            "/api/v1/indicators/", {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31", "deferred": "exclude"}
        )
        .json()
    )
    assert body["period"] == {"from": "2025-03-01", "to": "2025-03-31"} and body["settings"] == {"exclude_deferred": True}
    assert body["area"]["code"] == world.district.code
    assert (body["indicators"]["accepted"], body["indicators"]["closure_rate"], body["indicators"]["return_rate"]) == (
        10,
        0.6,
        0.25,
    )
    assert {row["key"] for row in body["breakdown"]} == {world.street_1.code, world.street_2.code}
    # Last period beside it: February, which had case I (reported, closed on time: due when it closed).
    assert body["previous"]["period"] == {"from": "2025-02-01", "to": "2025-02-28"}
    assert (body["previous"]["indicators"]["accepted"], body["previous"]["indicators"]["due"]) == (1, 1)
    department = (
        api_as(world.leader)
        .get("/api/v1/indicators/", {"department": world.other_department.pk, "from": "2025-03-01", "to": "2025-03-31"})
        .json()
    )
    assert department["department"]["name"] == "水务" and department["indicators"]["closed_on_time"] == 1
    both = (
        api_as(world.dispatcher)
        .get(
            "/api/v1/indicators/",
            {"department": f"{world.department.pk},{world.other_department.pk}", "from": "2025-03-01", "to": "2025-03-31"},
        )
        .json()
    )
    assert [row["name"] for row in both["departments"]] == ["水务", "市政"]


def test_the_api_refuses_bad_input_and_what_is_outside_your_scope(world, month, api_as):
    leader = api_as(world.leader)
    bad = leader.get("/api/v1/indicators/", {"from": "2025-02-30"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    assert leader.get("/api/v1/indicators/", {"from": "2020-01-01", "to": "2025-01-01"}).status_code == 400
    assert leader.get("/api/v1/indicators/", {"department": "abc"}).status_code == 400
    assert leader.get("/api/v1/indicators/", {"department": "999999"}).status_code == 404
    assert api_as(world.street_staff).get("/api/v1/indicators/", {"area": world.street_2.code}).status_code == 404
    assert api_as(world.street_staff).get("/api/v1/indicators/", {"area": world.street_1.code}).status_code == 200
    handler = api_as(world.department_handler)
    assert handler.get("/api/v1/indicators/", {"department": world.other_department.pk}).status_code == 404
    assert handler.get("/api/v1/indicators/", {"department": world.department.pk}).status_code == 200
    assert handler.get("/api/v1/indicators/", {"area": world.district.code}).status_code == 403


def test_the_dashboard_shows_the_setting_and_exports_the_tables_to_excel(world, month, client, time_machine):
    import io

    from openpyxl import load_workbook

    time_machine.move_to(NOW, tick=False)
    client.force_login(world.leader)
    page = client.get("/dispatch/indicators/", {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "echarts.min.js" in html and 'id="deferred-setting"' in html and "60.00%" in html
    export = client.get(
        "/dispatch/indicators/export.xlsx", {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31"}
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    summary = book.worksheets[0]
    headers = [cell.value for cell in summary[2]]
    values = dict(zip(headers, [cell.value for cell in summary[3]]))
    assert values[str(indicators.LABELS["accepted"])] == 10
    assert values[str(indicators.LABELS["closure_rate"])] == 0.6
    # Last period (February: case I, closed the day after it was reported) and the change, in the same columns.
    assert summary.cell(row=4, column=1).value == "上期" and summary.cell(row=5, column=1).value == "变化"
    before = dict(zip(headers, [cell.value for cell in summary[4]]))
    change = dict(zip(headers, [cell.value for cell in summary[5]]))
    assert before[str(indicators.LABELS["accepted"])] == 1 and change[str(indicators.LABELS["accepted"])] == 9
    assert len(book.worksheets) >= 3
    streets = book.worksheets[1]
    street_headers = [cell.value for cell in streets[2]]
    assert street_headers[-2:] == ["上期按期结案率", "变化（百分点）"]


def test_a_department_handler_sees_only_their_departments_numbers(world, month, client, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(world.department_handler)
    page = client.get("/dispatch/indicators/", {"from": "2025-03-01", "to": "2025-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "市政" in html and "水务" not in html and "echarts.min.js" not in html


def test_a_grid_worker_reads_their_cell_but_not_their_community(world, month, api_as):
    worker = api_as(world.grid_worker_a)
    assert worker.get("/api/v1/indicators/").status_code == 404  # their jurisdiction is a community they do not see whole
    assert worker.get("/api/v1/indicators/", {"area": world.community_1.code}).status_code == 404
    assert worker.get("/api/v1/indicators/", {"area": world.cell_a.code}).status_code == 200


def test_pages_and_the_api_keep_an_answer_for_the_rest_of_the_minute_and_say_when(world, month, api_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    leader = api_as(world.leader)
    query = {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31"}
    first = leader.get("/api/v1/indicators/", query).json()
    assert first["computed_at"].startswith("2025-04-10T12:00")
    Incident.objects.filter(pk=month["F"].pk).update(status="registered")  # F is registered after all
    assert leader.get("/api/v1/indicators/", query).json()["indicators"]["registered"] == 7  # same minute: kept
    time_machine.move_to(shanghai(2025, 4, 10, 12, 1), tick=False)
    again = leader.get("/api/v1/indicators/", query).json()
    assert again["indicators"]["registered"] == 8 and again["computed_at"].startswith("2025-04-10T12:01")

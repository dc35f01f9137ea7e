"""Spreadsheet import: every bad row reported (row, column, reason); a file is imported whole or not at all."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook, load_workbook

from residents import tasks
from residents.importer import COLUMNS, ImportRejected, import_file, template_workbook, validate_file
from residents.models import Building, ChangeHistory, Dwelling, Household, ImportJob, ImportStatus, Person

from .conftest import valid_id

HEADERS = [c.header for c in COLUMNS]


def row(cell, **values):
    point = cell.boundary.point_on_surface
    defaults = {
        "楼栋编码": f"B-{cell.code}", "楼栋地址": "导入路8号楼", "经度": point.x, "纬度": point.y, "单元": "2", "楼层": 3,
        "房号": "301", "房屋用途": "自住", "户号": "IMP-1", "与户主关系": "户主", "姓名": "钱一", "性别": "", "出生日期": "",
        "民族": "汉族", "证件类型": "居民身份证", "证件号码": valid_id(sequence=101), "联系电话": "13811112222",
        "户籍地址": "北京市东城区", "现住址": "导入路8号楼2单元301", "人员类型": "户籍", "关怀标签": "",
    }
    defaults.update(values)
    return [defaults[h] for h in HEADERS]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def family(cell, *, household="IMP-1", first_sequence=101):
    return [
        row(cell, 户号=household, 姓名="钱一", 证件号码=valid_id(sequence=first_sequence), 关怀标签="低保"),
        row(cell, 户号=household, 与户主关系="配偶", 姓名="孙二", 证件号码=valid_id(birth=dt.date(1982, 7, 9), sequence=first_sequence + 1), 联系电话="13911112222、010-65551234"),
        row(cell, 户号=household, 与户主关系="子女", 姓名="钱小三", 证件号码=valid_id(birth=dt.date(2012, 1, 20), sequence=first_sequence + 2), 联系电话=""),
    ]


def counts():
    return (Building.objects.count(), Dwelling.objects.count(), Household.objects.count(), Person.objects.count())


def test_a_valid_file_imports_every_row_in_place(world):
    summary = import_file(actor=world.community_staff, filename="居民.xlsx", content=xlsx(family(world.cell_a)))
    assert summary["people"] == 3 and summary["new_households"] == 1 and summary["new_buildings"] == 1
    household = Household.objects.get(number="IMP-1")
    assert household.head.name == "钱一"
    assert household.cell == world.cell_a
    assert {p.name: p.cell_id for p in household.members.all()} == {"钱一": world.cell_a.pk, "孙二": world.cell_a.pk, "钱小三": world.cell_a.pk}
    spouse = household.members.get(name="孙二")
    assert spouse.gender == "female" and spouse.birth_date == dt.date(1982, 7, 9)  # read from the ID number
    assert spouse.phones_masked == "139****2222,010****1234"
    assert [t.code for t in household.head.tags.all()] == ["low_income"]
    assert ChangeHistory.objects.filter(action="import", model="person").count() == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(row_to_json(p)::text, ' ') FROM residents_person p")
        raw = cursor.fetchone()[0]
    assert valid_id(sequence=101) not in raw and "13911112222" not in raw


def test_one_bad_row_writes_nothing_and_is_reported_with_row_and_column(world):
    rows = family(world.cell_a)
    bad_id = valid_id(sequence=103)[:-1] + ("0" if valid_id(sequence=103)[-1] != "0" else "1")
    rows.append(row(world.cell_a, 与户主关系="子女", 姓名="钱四", 证件号码=bad_id))
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        import_file(actor=world.community_staff, filename="居民.xlsx", content=xlsx(rows))
    assert counts() == before
    assert [(e.row, e.column) for e in caught.value.plan.errors] == [(5, "证件号码")]
    assert "check digit" in caught.value.plan.errors[0].reason or "校验" in caught.value.plan.errors[0].reason


def test_a_dry_run_reports_every_bad_row_at_once(world, people):
    rows = family(world.cell_a)
    rows += [
        row(world.cell_a, 户号="IMP-2", 姓名="", 证件号码=valid_id(sequence=201)),  # row 5: no name
        row(world.cell_a, 户号="IMP-2", 姓名="周五", 证件号码=valid_id(sequence=101), 与户主关系="配偶"),  # row 6: same ID as row 2
        row(world.cell_a, 户号="IMP-3", 姓名="吴六", 证件号码=people.id_a),  # row 7: already registered
        row(world.cell_a, 户号="IMP-4", 姓名="郑七", 证件号码=valid_id(sequence=301), 与户主关系="子女"),  # row 8: household without head
        row(world.cell_a, 户号="IMP-5", 姓名="冯八", 证件号码=valid_id(sequence=401), 人员类型="常住", 关怀标签="不存在"),  # row 9
        row(world.cell_a, 户号="IMP-6", 姓名="陈九", 证件号码=valid_id(sequence=501), 性别="女"),  # row 10: odd sequence = man
    ]
    plan = validate_file("居民.xlsx", xlsx(rows), actor=world.community_staff)
    found = {(e.row, e.column) for e in plan.errors}
    assert found == {(5, "姓名"), (6, "证件号码"), (7, "证件号码"), (8, "户号"), (9, "人员类型"), (9, "关怀标签"), (10, "性别")}
    assert plan.summary()["bad_rows"] == 6


def test_a_household_with_two_heads_is_refused(world):
    rows = family(world.cell_a)
    rows[1] = row(world.cell_a, 姓名="孙二", 证件号码=valid_id(birth=dt.date(1982, 7, 9), sequence=102))  # also 户主
    plan = validate_file("居民.xlsx", xlsx(rows), actor=world.community_staff)
    assert [(e.row, e.column) for e in plan.errors] == [(3, "与户主关系")]


def test_missing_or_renamed_columns_are_a_file_level_error(world):
    headers = [("身份号" if h == "证件号码" else h) for h in HEADERS if h != "姓名"]
    rows = [[v for h, v in zip(HEADERS, r) if h != "姓名"] for r in family(world.cell_a)]
    plan = validate_file("居民.xlsx", xlsx(rows, headers=headers), actor=world.community_staff)
    assert len(plan.errors) == 1 and plan.errors[0].row is None
    reason = plan.errors[0].reason
    assert "姓名" in reason and "证件号码" in reason and "身份号" in reason


@pytest.mark.parametrize(
    "name, content",
    [
        ("居民.xlsx", b"%PDF-1.4 this is a pdf"),
        ("居民.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ("居民.xlsx", b"PK\x03\x04 not really a zip"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 jpeg"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_clear_error(world, name, content):
    plan = validate_file(name, content, actor=world.community_staff)
    assert len(plan.errors) == 1 and plan.errors[0].row is None and plan.errors[0].reason
    with pytest.raises(ImportRejected):
        import_file(actor=world.community_staff, filename=name, content=content)


def test_an_id_number_that_excel_stored_as_a_number_is_refused(world):
    rows = [row(world.cell_a, 证件号码=float(valid_id(sequence=101)[:17] + "1"))]
    plan = validate_file("居民.xlsx", xlsx(rows), actor=world.community_staff)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "证件号码")]
    assert "text" in plan.errors[0].reason or "文本" in plan.errors[0].reason


def test_a_gb18030_csv_from_chinese_excel_imports(world):
    lines = [",".join(HEADERS)] + [",".join(str(v) for v in r) for r in family(world.cell_a)]
    summary = import_file(actor=world.community_staff, filename="居民.csv", content="\r\n".join(lines).encode("gb18030"))
    assert summary["people"] == 3


def test_rows_outside_the_importers_jurisdiction_are_refused(world):
    plan = validate_file("居民.xlsx", xlsx(family(world.cell_b)), actor=world.community_staff)
    assert {e.column for e in plan.errors} == {"经度"} and {e.row for e in plan.errors} == {2, 3, 4}


def test_the_template_has_the_expected_columns_and_a_valid_example(world):
    sheet = load_workbook(io.BytesIO(template_workbook())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    plan = validate_file("template.xlsx", template_workbook(), actor=None)
    # The example building lies in Dongcheng, outside the test district: only that is wrong with it.
    assert [(e.row, e.column) for e in plan.errors] == [(2, "经度")]


@pytest.fixture
def synchronous_tasks(monkeypatch):
    monkeypatch.setattr(tasks.check_import, "delay", lambda pk: tasks.check_import.apply(args=[pk]))
    monkeypatch.setattr(tasks.run_import, "delay", lambda pk: tasks.run_import.apply(args=[pk]))


def test_the_web_import_checks_then_imports_with_progress(world, client, synchronous_tasks, django_capture_on_commit_callbacks):
    client.force_login(world.community_staff)
    upload = io.BytesIO(xlsx(family(world.cell_a)))
    upload.name = "居民.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/residents/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/residents/import/{job.pk}/"
    assert job.status == ImportStatus.READY and Person.objects.count() == 0
    assert client.get(f"/residents/import/{job.pk}/status/").json()["status"] == "ready"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/residents/import/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.summary["people"] == 3
    assert job.payload_enc == ""  # the file (with ID numbers) is not kept
    assert Person.objects.count() == 3
    assert tasks.job_progress(job.pk) == {"phase": "write", "done": 3, "total": 3}
    # A second confirm (a double click, a redelivered task) imports nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/residents/import/{job.pk}/confirm/")
    tasks.run_import.apply(args=[job.pk])
    assert Person.objects.count() == 3


def test_the_web_import_shows_every_problem_and_keeps_nothing(world, client, synchronous_tasks, django_capture_on_commit_callbacks):
    client.force_login(world.community_staff)
    rows = family(world.cell_a) + [row(world.cell_a, 户号="IMP-9", 姓名="错号", 证件号码="110101198002300110")]
    upload = io.BytesIO(xlsx(rows))
    upload.name = "居民.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/residents/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID and job.payload_enc == ""
    page = client.get(f"/residents/import/{job.pk}/").content.decode()
    assert "<td>5</td><td>证件号码</td>" in page
    assert client.post(f"/residents/import/{job.pk}/confirm/").status_code == 302
    assert Person.objects.count() == 0


def test_import_pages_are_for_importing_roles_only(world, client):
    client.force_login(world.grid_worker_a)
    assert client.get("/residents/import/").status_code == 403
    assert client.get("/residents/import/template.xlsx").status_code == 403


def test_the_command_imports_with_a_dry_run_first(world, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(family(world.cell_a)))
    call_command("import_residents", str(good), user=world.community_staff.username, dry_run=True, verbosity=0)
    assert Person.objects.count() == 0
    call_command("import_residents", str(good), user=world.community_staff.username, verbosity=0)
    assert Person.objects.count() == 3
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(world.cell_a, 户号="IMP-7", 证件号码="123")]))
    with pytest.raises(CommandError):
        call_command("import_residents", str(bad), user=world.community_staff.username, verbosity=0)
    assert "row 2\t证件号码" in capsys.readouterr().err


def test_the_fast_and_the_fallback_excel_readers_agree(world):
    from residents.importer.reading import _read_xlsx, _read_xlsx_openpyxl, _cell_text

    content = xlsx(family(world.cell_a) + [[None, None, 116.4, 39.9, "", -1, "B1", None, "X-1", "户主", "名", "", dt.date(1990, 1, 2)]])
    fast, slow = _read_xlsx(content), _read_xlsx_openpyxl(content)
    assert [n for n, _ in fast] == [n for n, _ in slow]
    for (_, a), (_, b) in zip(fast, slow):
        width = max(len(a), len(b))
        assert [_cell_text(v) for v in a + [None] * (width - len(a))] == [_cell_text(v) for v in b + [None] * (width - len(b))]

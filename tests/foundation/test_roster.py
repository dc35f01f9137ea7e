"""The roster: staff imported from a spreadsheet, all rows or none, with a report per row and column;
one-time passwords that must be changed; cells reassigned with their history kept."""
from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.actions import AssignmentRefused, cover_cells
from accounts.models import GridAssignment, Role, User
from accounts.roster import RosterRejected, import_roster, template_workbook
from grids.models import Area, Level

HEADER = ["用户名", "姓名", "角色", "所属区域编码", "网格编码", "部门", "手机号码", "电子邮箱", "开通登录"]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells_of(community, n=3):
    return list(Area.objects.current().filter(parent=community, level=Level.GRID).order_by("code")[:n])


def test_a_good_roster_creates_every_person_with_a_one_time_password(world):
    c1, c2, c3 = cells_of(world.community_1)
    content = xlsx([
        ["wang_wu", "王五", "网格员", "", f"{c2.code}、{c3.code}", "", "13900000001", "", "是"],
        ["paper_li", "李纸", "网格员", world.community_1.code, "", "", "", "", "否"],
        ["she_qu", "社区甲", "社区工作人员", world.community_1.code, "", "", "", "", ""],
        ["jie_dao", "街道乙", "街道工作人员", world.street_1.code, "", "", "", "", ""],
        ["shi_zheng", "市政丙", "部门处置人员", world.district.code, "", "市政", "", "a@example.cn", ""],
        ["tiao_du", "调度丁", "调度员", world.district.code, "", "", "", "", ""],
    ])
    result = import_roster(actor=world.gis_admin, filename="roster.xlsx", content=content)
    assert result.summary["people"] == 6 and result.summary["logins"] == 5 and result.summary["cells"] == 2
    wang = User.objects.get(username="wang_wu")
    assert (wang.role, wang.area, wang.first_name) == (Role.GRID_WORKER, world.community_1, "王五")  # community from the cells
    assert set(GridAssignment.objects.active().filter(user=wang).values_list("cell", flat=True)) == {c2.pk, c3.pk}
    assert User.objects.get(username="shi_zheng").department.name == "市政"
    passwords = {username: password for username, _name, password in result.passwords}
    assert set(passwords) == {"wang_wu", "she_qu", "jie_dao", "shi_zheng", "tiao_du"}
    assert len(set(passwords.values())) == 5 and all(len(p) == 19 for p in passwords.values())
    # The one-time password signs in once and must then be changed; no default password exists.
    assert wang.must_change_password and wang.check_password(passwords["wang_wu"])
    assert not wang.check_password("gridgov-demo")
    paper = User.objects.get(username="paper_li")
    assert not paper.has_usable_password() and authenticate(username="paper_li", password="") is None


def test_the_first_sign_in_leads_to_the_password_change(world, client):
    content = xlsx([["new_one", "新人", "社区工作人员", world.community_1.code, "", "", "", "", "是"]])
    password = import_roster(actor=world.gis_admin, filename="r.xlsx", content=content).passwords[0][2]
    assert client.login(username="new_one", password=password)
    answer = client.get(reverse("home"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("password_change"))


def test_one_bad_row_saves_nothing_and_every_problem_names_its_row_and_column(world):
    cell = cells_of(world.community_1, 1)[0]
    content = xlsx([
        ["ok_one", "好人", "网格员", "", cell.code, "", "", "", ""],
        ["worker_a", "重名", "社区工作人员", world.community_1.code, "", "", "", "", ""],  # taken
        ["bad role", "某", "保安", world.community_1.code, "", "", "", "", ""],
        ["dept", "部门", "部门处置人员", world.district.code, "", "", "", "", ""],
        ["twice", "两次", "网格员", "", cell.code, "", "", "", ""],
        ["street_c", "街道", "街道工作人员", world.community_1.code, "", "", "", "", ""],
        ["mail", "邮件", "调度员", world.district.code, "", "", "", "not-mail", "也许"],
    ])
    with pytest.raises(RosterRejected) as caught:
        import_roster(actor=world.gis_admin, filename="r.xlsx", content=content)
    problems = {(e.row, e.column) for e in caught.value.plan.errors}
    assert {(3, "用户名"), (4, "用户名"), (4, "角色"), (5, "部门"), (6, "网格编码"), (7, "所属区域编码"), (8, "电子邮箱"), (8, "开通登录")} <= problems
    assert not User.objects.filter(username="ok_one").exists()
    assert not GridAssignment.objects.filter(cell=cell, user__username="ok_one").exists()


def test_a_missing_column_is_named(world):
    content = xlsx([["x", "y"]], header=["用户名", "姓名"])
    with pytest.raises(RosterRejected) as caught:
        import_roster(actor=world.gis_admin, filename="r.xlsx", content=content)
    assert "角色" in caught.value.plan.errors[0].reason


def test_only_the_gis_administrator_imports_and_the_command_reports_the_rows(world, tmp_path):
    content = xlsx([["someone", "某人", "社区工作人员", world.community_1.code, "", "", "", "", ""]])
    with pytest.raises(RosterRejected):
        import_roster(actor=world.community_staff, filename="r.xlsx", content=content)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)
    out = tmp_path / "passwords.csv"
    call_command("import_roster", str(path), "--user", world.gis_admin.username, "--passwords", str(out), stdout=io.StringIO())
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1][0] == "someone" and User.objects.get(username="someone").check_password(rows[1][2])
    assert (out.stat().st_mode & 0o777) == 0o600
    with pytest.raises(CommandError):  # the same file again: the username is taken now
        call_command("import_roster", str(path), "--user", world.gis_admin.username, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_admin_page_checks_then_imports_and_shows_the_passwords_once(world, client):
    world.gis_admin.is_staff = True
    world.gis_admin.save(update_fields=["is_staff"])
    client.force_login(world.gis_admin)
    url = reverse("admin:accounts_user_import_roster")
    content = xlsx([["admin_made", "页面", "社区工作人员", world.community_1.code, "", "", "", "", ""]])
    checked = client.post(url, {"file": io.BytesIO(content), "dry_run": "on"}, format="multipart")
    assert checked.status_code == 200 and not User.objects.filter(username="admin_made").exists()
    upload = io.BytesIO(content)
    upload.name = "roster.xlsx"
    done = client.post(url, {"file": upload})
    assert "roster-passwords" in done.content.decode() and "no-store" in done["Cache-Control"]
    assert User.objects.get(username="admin_made").must_change_password
    bad = io.BytesIO(xlsx([["x y", "", "保安", "", "", "", "", "", ""]]))
    bad.name = "bad.xlsx"
    assert "roster-errors" in client.post(url, {"file": bad}).content.decode()
    template = load_workbook(io.BytesIO(client.get(reverse("admin:accounts_user_roster_template")).content))
    assert [c.value for c in template.active[1]] == HEADER
    assert template_workbook()


def test_a_reassignment_keeps_who_covered_the_cell_from_when_to_when(world):
    cell = cells_of(world.community_1, 1)[0]
    first = GridAssignment.objects.active().get(cell=cell)
    assert first.user == world.grid_worker_a
    other = User.objects.create(username="taker", role=Role.GRID_WORKER, area=world.community_1)
    cover_cells(world.community_staff, {cell.pk: other.pk})
    history = list(GridAssignment.objects.filter(cell=cell).order_by("started_at"))
    assert [h.user for h in history] == [world.grid_worker_a, other]
    assert history[0].ended_at == history[1].started_at and history[1].ended_at is None
    cover_cells(world.community_staff, {cell.pk: other.pk})  # again: nothing changes
    assert GridAssignment.objects.filter(cell=cell).count() == 2
    cover_cells(world.community_staff, {cell.pk: None})  # nobody covers it now
    assert not GridAssignment.objects.active().filter(cell=cell).exists()

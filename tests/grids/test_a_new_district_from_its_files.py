"""A district that is not the demo, set up from its own files in the README's order — district
boundary, street offices, communities cut automatically, cells, the roster, the assignments —
with commands and pages only, until a grid worker's point is found in her cell."""
from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook
from shapely.geometry import box, mapping

from accounts.models import GridAssignment, Role, User
from grids.models import Area, Level
from grids.queries import lookup_point

WEST, SOUTH, EAST, NORTH = 116.420, 39.900, 116.432, 39.9072
MIDDLE = (WEST + EAST) / 2
ROSTER_HEADER = ["用户名", "姓名", "角色", "所属区域编码", "网格编码", "部门", "手机号码", "电子邮箱", "开通登录"]


def geojson(tmp_path: Path, name: str, features: list[tuple]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "name": label}, "geometry": mapping(shape)}
        for code, label, shape in features]}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def command(name: str, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def roster(tmp_path: Path, rows: list[list]) -> str:
    book = Workbook()
    book.active.append(ROSTER_HEADER)
    for row in rows:
        book.active.append(row)
    path = tmp_path / "roster.xlsx"
    book.save(path)
    return str(path)


def test_a_district_is_set_up_from_its_files_to_a_published_map_with_a_roster_and_assignments(world, tmp_path, client):
    # 1. The boundary, by a superuser (the district's own administrator does not exist yet).
    command("import_boundaries", geojson(tmp_path, "district.geojson", [("990102", "新区", box(WEST, SOUTH, EAST, NORTH))]),
            "--level", "district", "--reason", "新区成立")
    district = Area.objects.current().get(code="990102")
    # 2. Street offices from their file; the district has no files for its communities: cut them.
    command("import_boundaries", geojson(tmp_path, "streets.geojson", [
        ("990102001", "西街道", box(WEST, SOUTH, MIDDLE, NORTH)), ("990102002", "东街道", box(MIDDLE, SOUTH, EAST, NORTH))]),
        "--level", "street", "--parent", "990102")
    for street in ("990102001", "990102002"):
        command("cut_cells", street, "--parts", "--count", "2")
    communities = Area.objects.current().subtree("990102").filter(level=Level.COMMUNITY)
    assert communities.count() == 4
    # 3. Cells by the 100 m rule, every community at once, as one revision.
    output = command("cut_cells", "990102", "--reason", "首次划分网格")
    cells = Area.objects.current().subtree("990102").filter(level=Level.GRID).order_by("code")
    assert cells.count() > 40 and f"{cells.count()} cells" in output
    # Nothing but boundaries so far: no accounts were invented.
    assert not User.objects.filter(area__code__startswith="990102").exists()

    # 4. The roster, imported by the district's GIS administrator (made by the superuser in the admin).
    admin = User.objects.create(username="gis_990102", role=Role.GIS_ADMIN, area=district, is_staff=True)
    community = communities.order_by("code").first()
    own_cells = list(cells.filter(parent=community)[:3])
    passwords = tmp_path / "passwords.csv"
    command("import_roster", roster(tmp_path, [
        ["xin_wang", "王新", "网格员", "", "、".join(c.code for c in own_cells[:2]), "", "13900000009", "", "是"],
        ["xin_li", "李新", "网格员", community.code, "", "", "", "", "是"],
        ["xin_she", "社区新", "社区工作人员", community.code, "", "", "", "", "是"],
    ]), "--user", admin.username, "--passwords", str(passwords))
    one_time = {row[0]: row[2] for row in csv.reader(passwords.open(encoding="utf-8-sig"))}
    wang, li, staff = (User.objects.get(username=u) for u in ("xin_wang", "xin_li", "xin_she"))
    assert (wang.role, wang.area) == (Role.GRID_WORKER, community) and wang.must_change_password

    # 5. The community's staff gives the third cell to the second worker on the assignment map.
    # She signs in with her one-time password and must choose her own first.
    assert client.login(username="xin_she", password=one_time["xin_she"])
    assert client.get(reverse("dispatch:workload-data"), {"area": community.code}).status_code == 302
    changed = client.post(reverse("password_change"), {
        "old_password": one_time["xin_she"], "new_password1": "Qiao-men-2026-xin", "new_password2": "Qiao-men-2026-xin"})
    assert changed.status_code == 302, changed.content.decode()[:500]
    load = client.get(reverse("dispatch:workload-data"), {"area": community.code}).json()
    assert load["totals"]["uncovered"] == load["totals"]["cells"] - 2  # only her two cells are covered
    answer = client.post(reverse("dispatch:workload-assign"), {"cells": [own_cells[2].pk], "worker": li.pk},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    covering = dict(GridAssignment.objects.active().filter(cell__in=own_cells).values_list("cell__code", "user__username"))
    assert covering == {own_cells[0].code: "xin_wang", own_cells[1].code: "xin_wang", own_cells[2].code: "xin_li"}
    after = client.get(reverse("dispatch:workload-data"), {"area": community.code}).json()
    assert after["totals"]["uncovered"] == load["totals"]["uncovered"] - 1

    # The published map answers: a point in her first cell is found there, under its community.
    centre = own_cells[0].boundary.point_on_surface
    found = lookup_point(centre.x, centre.y)
    assert found["grid"]["code"] == own_cells[0].code and found["community"]["code"] == community.code

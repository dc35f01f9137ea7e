"""The assignment map: each grid worker's load, the cells nobody covers, reassignment from the page."""
from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import GridAssignment
from grids.models import Area, Level
from incidents.models import Patrol


def data(client, code):
    answer = client.get(reverse("dispatch:workload-data"), {"area": code})
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_community_sees_each_workers_load_and_the_cells_nobody_covers(world, client):
    for days, metres in ((3, 2500), (40, 9000)):
        start = timezone.now() - timedelta(days=days)
        Patrol.objects.create(worker=world.grid_worker_a, cell=world.cell_a, started_at=start, ended_at=start + timedelta(hours=1),
                              distance_m=metres)
    client.force_login(world.community_staff)
    body = data(client, world.community_1.code)
    cells = Area.objects.current().filter(parent=world.community_1, level=Level.GRID).count()
    assert body["totals"]["cells"] == cells and body["totals"]["uncovered"] == cells - 1
    worker = {w["username"]: w for w in body["workers"]}["worker_a"]
    assert worker["cells"] == 1 and worker["cell_codes"] == [world.cell_a.code]
    assert worker["patrol_km_30d"] == 2.5  # the patrol of 40 days ago is not counted
    features = {f["properties"]["code"]: f["properties"] for f in body["cells"]["features"]}
    assert features[world.cell_a.code]["covered"] and not features[world.cell_a2.code]["covered"]
    assert world.cell_a2.code in {c["code"] for c in body["uncovered"]}
    assert world.cell_b.code not in features  # another street's cell is not on her map


def test_assigning_from_the_page_moves_the_cell_and_keeps_the_history(world, client):
    client.force_login(world.community_staff)
    url = reverse("dispatch:workload-assign")
    answer = client.post(url, {"cells": [world.cell_a2.pk], "worker": world.grid_worker_a.pk}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["started"] == 1
    assert GridAssignment.objects.active().filter(cell=world.cell_a2, user=world.grid_worker_a).exists()
    answer = client.post(url, {"cells": [world.cell_a2.pk], "worker": None}, content_type="application/json")
    assert answer.json()["ended"] == 1
    assert GridAssignment.objects.filter(cell=world.cell_a2, ended_at__isnull=False).count() == 1


def test_the_page_draws_for_the_community_and_not_for_a_grid_worker(world, client):
    client.force_login(world.community_staff)
    assert client.get(reverse("dispatch:workload")).status_code == 200
    client.force_login(world.grid_worker_a)
    assert client.get(reverse("dispatch:workload")).status_code == 403
    assert client.get(reverse("dispatch:workload-data")).status_code == 403


def test_the_district_is_chosen_down_by_its_children_before_cells_are_drawn(world, client):
    client.force_login(world.gis_admin)
    body = data(client, world.district.code)
    assert {c["code"] for c in body["children"]} == {world.street_1.code, world.street_2.code}
    assert sum(c["cells"] for c in body["children"]) == body["totals"]["cells"]


def test_the_community_home_page_says_how_many_cells_nobody_covers(world, client):
    client.force_login(world.community_staff)
    page = client.get(reverse("home")).content.decode()
    cells = Area.objects.current().filter(parent=world.community_1, level=Level.GRID).count()
    assert f"{cells - 1} of {cells} cells are covered by nobody" in page or f"{cells - 1} 个无人负责" in page


def test_a_leader_reads_the_load_but_a_department_handler_does_not_and_neither_assigns(world, client):
    client.force_login(world.leader)
    assert client.get(reverse("dispatch:workload-data"), {"area": world.district.code}).status_code == 200
    answer = client.post(reverse("dispatch:workload-assign"), {"cells": [world.cell_a2.pk], "worker": world.grid_worker_a.pk},
                         content_type="application/json")
    assert answer.status_code == 403
    client.force_login(world.department_handler)
    assert client.get(reverse("dispatch:workload-data"), {"area": world.district.code}).status_code == 403


def test_a_district_and_a_street_office_show_a_reassignment_at_once_and_agree_with_a_count(world, client):
    """The coverage kept per street office (accounts.coverage) follows every reassignment at once, and
    says what counting the cells says (the path of a user who sees the area cell by cell)."""
    from accounts.models import User
    from dispatch.workload import _counted, _from_coverage, _cells_sql
    from django.db import connection

    client.force_login(world.gis_admin)
    before = data(client, world.district.code)
    street_before = data(client, world.street_1.code)
    answer = client.post(reverse("dispatch:workload-assign"), {"cells": [world.cell_a2.pk], "worker": world.grid_worker_a.pk},
                         content_type="application/json")
    assert answer.status_code == 200
    after = data(client, world.district.code)
    assert after["totals"]["covered"] == before["totals"]["covered"] + 1
    assert world.cell_a2.code not in {c["code"] for c in after["uncovered"]}
    street = {c["code"]: c for c in after["children"]}[world.street_1.code]
    assert street["uncovered"] == {c["code"]: c for c in before["children"]}[world.street_1.code]["uncovered"] - 1
    assert data(client, world.street_1.code)["totals"]["covered"] == street_before["totals"]["covered"] + 1
    worker = {w["username"]: w for w in after["workers"]}["worker_a"]
    assert worker["cells"] == 2 and worker["cell_codes"] == sorted([world.cell_a.code, world.cell_a2.code])
    # Released again: back as it was.
    client.post(reverse("dispatch:workload-assign"), {"cells": [world.cell_a2.pk], "worker": None}, content_type="application/json")
    assert data(client, world.district.code)["totals"] == before["totals"]
    admin = User.objects.get(pk=world.gis_admin.pk)
    with connection.cursor() as cursor:
        kept = _from_coverage(cursor, admin, world.district, 1)
        counted = _counted(cursor, world.district, *_cells_sql(admin, world.district), 1)
    assert sorted((code, n, c, list(ids)) for code, n, c, ids in kept[0]) == sorted(
        (code, n, c, list(ids)) for code, n, c, ids in counted[0])
    assert [(w["id"], w["cells"]) for w in kept[1]] == [(w["id"], w["cells"]) for w in counted[1]] and kept[2] == counted[2]

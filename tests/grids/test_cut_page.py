"""The cutting page: an administrator chooses communities without cells, previews the cells (counts
and sizes) and publishes them as one revision; progress is polled; nothing outside the
jurisdiction or of another administrator is reachable."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from io import StringIO

from grids import cutting_views, tasks
from grids.models import Area, CutJob, Level, Revision

from .test_cut_cells import imported_district  # noqa: F401 - the fixture


@pytest.fixture
def run_tasks_now(monkeypatch):
    """The worker's part, run at commit in the test's own process."""
    monkeypatch.setattr(cutting_views.plan_cut, "delay", lambda job_id: tasks.plan_cut(job_id))
    monkeypatch.setattr(cutting_views.publish_cut, "delay", lambda job_id: tasks.publish_cut(job_id))


@pytest.fixture
def communities(imported_district, world):  # noqa: F811
    call_command("cut_cells", "990102", "--parts", "--count", "2", stdout=StringIO(), stderr=StringIO())
    call_command("cut_cells", "990102001", "--parts", "--count", "2", stdout=StringIO(), stderr=StringIO())
    world.gis_admin.area = imported_district
    world.gis_admin.save(update_fields=["area"])
    return list(Area.objects.current().filter(parent__code="990102001").order_by("code"))


def test_choose_preview_then_publish(communities, world, client, run_tasks_now, django_capture_on_commit_callbacks):
    client.force_login(world.gis_admin)
    page = client.get("/map/cut/", {"area": "990102001"}).content.decode()
    assert communities[0].code in page and communities[1].code in page
    revisions = Revision.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/map/cut/", {"area": "990102001", "communities": [c.code for c in communities]})
    assert response.status_code == 302
    job = CutJob.objects.get()
    assert job.status == "ready" and Revision.objects.count() == revisions  # a preview writes no area
    preview = client.get(f"/map/cut/{job.pk}/cells/").json()
    assert len(preview["features"]) == sum(row["cells"] for row in job.summary) > 20
    shown = client.get(f"/map/cut/{job.pk}/").content.decode()
    assert "个网格" in shown and communities[0].name in shown
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/map/cut/{job.pk}/publish/", {"reason": "首次划分网格"})
    job.refresh_from_db()
    assert job.status == "published" and job.revision.reason == "首次划分网格"
    cells = Area.objects.current().filter(parent__in=communities, level=Level.GRID)
    assert cells.count() == len(preview["features"])
    assert client.get(f"/map/cut/{job.pk}/status/").json() == {
        "status": "published", "label": "已发布", "progress": None, "revision": job.revision.number}
    # Publishing twice publishes once.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/map/cut/{job.pk}/publish/", {"reason": "again"})
    assert Revision.objects.count() == revisions + 1


def test_a_community_with_cells_cannot_be_chosen(communities, world, client):
    call_command("cut_cells", communities[0].code, stdout=StringIO(), stderr=StringIO())
    client.force_login(world.gis_admin)
    response = client.post("/map/cut/", {"area": "990102001", "communities": [communities[0].code]})
    assert response.status_code == 200 and "已有" in response.content.decode()
    assert not CutJob.objects.exists()


def test_other_people_and_other_roles_see_nothing(communities, world, client, run_tasks_now, django_capture_on_commit_callbacks):
    client.force_login(world.gis_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/map/cut/", {"area": "990102001", "communities": [communities[0].code]})
    job = CutJob.objects.get()
    client.force_login(world.dispatcher)
    assert client.get("/map/cut/").status_code == 403
    assert client.get(f"/map/cut/{job.pk}/cells/").status_code == 403
    world.community_staff.role = world.gis_admin.role
    world.community_staff.save(update_fields=["role"])
    client.force_login(world.community_staff)  # an administrator elsewhere
    assert client.get(f"/map/cut/{job.pk}/").status_code == 404
    assert client.get("/map/cut/", {"area": "990102001"}).status_code == 404

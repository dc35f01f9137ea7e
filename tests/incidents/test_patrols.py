"""Patrols: start, a track uploaded in batches (re-sent batches add nothing), check-ins, end, summary."""
import uuid
from datetime import timedelta

from django.utils import timezone

from incidents.models import Patrol, PatrolPoint

from .conftest import inside


def _points(world, start, count=5, step_m=20.0):
    origin = inside(world.cell_a)
    return [
        {"id": str(uuid.uuid4()), "at": (start + timedelta(seconds=5 * i)).isoformat(),
         "lat": origin.y, "lng": origin.x + i * step_m / 85_000.0, "accuracy": 8}
        for i in range(count)
    ]


def test_a_patrol_records_its_track_and_ends_with_a_summary(world, api_as, file_case):
    client = api_as(world.grid_worker_a)
    started = client.post("/api/v1/patrols/", {"client_id": str(uuid.uuid4())}, format="json")
    assert started.status_code == 201
    patrol_id = started.json()["id"]
    batch = _points(world, timezone.now(), count=5)
    first = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": batch}, format="json").json()
    assert first["added"] == 5
    # The phone lost the answer and sends the same batch again, plus new points.
    more = batch + _points(world, timezone.now() + timedelta(seconds=30), count=2)
    again = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": more}, format="json").json()
    assert again["added"] == 2 and PatrolPoint.objects.filter(patrol_id=patrol_id).count() == 7
    assert 70 < first["distance_m"] < 90  # four 20 m steps
    point = inside(world.cell_a)
    checkin = client.post(f"/api/v1/patrols/{patrol_id}/checkins/", {"lat": point.y, "lng": point.x, "note": "小区东门"}, format="json")
    assert checkin.status_code == 201 and checkin.json()["cell"] == world.cell_a.code
    finding = file_case(patrol=Patrol.objects.get(pk=patrol_id))
    summary = client.post(f"/api/v1/patrols/{patrol_id}/end/", {}, format="json").json()
    assert summary["open"] is False and summary["points"] == 7
    assert world.cell_a.code in [c["code"] for c in summary["cells_covered"]]
    assert [f["id"] for f in summary["findings"]] == [finding.pk]
    assert summary["duration_s"] >= 0 and len(summary["checkins"]) == 1


def test_starting_twice_resumes_the_running_patrol(world, api_as):
    client = api_as(world.grid_worker_a)
    first = client.post("/api/v1/patrols/", {}, format="json")
    second = client.post("/api/v1/patrols/", {}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_only_grid_workers_patrol_and_only_their_own_patrol(world, api_as):
    assert api_as(world.community_staff).post("/api/v1/patrols/", {}, format="json").status_code == 403
    patrol_id = api_as(world.grid_worker_a).post("/api/v1/patrols/", {}, format="json").json()["id"]
    response = api_as(world.grid_worker_b).post(f"/api/v1/patrols/{patrol_id}/points/", {"points": []}, format="json")
    assert response.status_code == 404


def test_a_malformed_point_is_a_400_naming_it(world, api_as):
    client = api_as(world.grid_worker_a)
    patrol_id = client.post("/api/v1/patrols/", {}, format="json").json()["id"]
    response = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": [{"id": "x", "lat": 200}]}, format="json")
    assert response.status_code == 400 and "points" in response.json()["errors"]


def test_community_staff_see_which_cells_were_patrolled_today(world, api_as):
    client = api_as(world.grid_worker_a)
    patrol_id = client.post("/api/v1/patrols/", {}, format="json").json()["id"]
    client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": _points(world, timezone.now(), count=3, step_m=2)}, format="json")
    coverage = api_as(world.community_staff).get("/api/v1/patrols/coverage/").json()
    by_code = {c["code"]: c for c in coverage["cells"]}
    assert by_code[world.cell_a.code]["patrolled"] and by_code[world.cell_a.code]["points"] == 3
    assert not by_code[world.cell_a2.code]["patrolled"]
    assert coverage["patrolled"] == 1 and coverage["total"] == len(by_code) > 1
    # Outside the community: 404.
    assert api_as(world.community_staff).get("/api/v1/patrols/coverage/", {"area": world.community_2.code}).status_code == 404


def test_the_coverage_of_a_past_day_names_who_covered_the_cell_then(world):
    """The daily coverage reads the assignment history: a cell handed over since shows its worker of that day."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.actions import cover_cells
    from accounts.models import Role, User
    from incidents.queries import cell_coverage

    newcomer = User.objects.create(username="newcomer", first_name="新人", role=Role.GRID_WORKER, area=world.community_1)
    cover_cells(None, {world.cell_a.pk: newcomer.pk})
    today = timezone.localdate()
    rows = {row["code"]: row for row in cell_coverage(world.community_staff, world.community_1, today - timedelta(days=3))}
    assert rows[world.cell_a.code]["grid_workers"] == [world.grid_worker_a.display_name]
    rows = {row["code"]: row for row in cell_coverage(world.community_staff, world.community_1, today + timedelta(days=1))}
    assert rows[world.cell_a.code]["grid_workers"] == ["新人"]

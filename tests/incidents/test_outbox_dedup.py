"""What the phone's outbox sends twice (a weak network, a retry after a reload) is stored once:
reports, patrol starts, points and check-ins, on-site checks (acts) and household visits each
carry a client-made id that the server answers from the first time."""
import datetime as dt
import uuid

from django.utils import timezone

from incidents.models import Incident, PatrolCheckIn, PatrolPoint, TimelineEntry

from .conftest import inside, photo


def _handled_case(client, file_case):
    incident = file_case()
    client.post(f"/api/v1/incidents/{incident.pk}/register/", {}, format="json")
    client.post(f"/api/v1/incidents/{incident.pk}/handle/", {"note": "已处理", "photos": [photo()]}, format="multipart")
    incident.refresh_from_db()
    return incident


def test_an_on_site_check_sent_twice_with_its_version_is_run_once_and_answered_both_times(world, api_as, file_case):
    client = api_as(world.grid_worker_a)
    incident = _handled_case(client, file_case)
    body = {"version": incident.version, "passed": "true", "note": "已修好", "client_id": str(uuid.uuid4())}
    first = client.post(f"/api/v1/incidents/{incident.pk}/verify/", body, format="json")
    again = client.post(f"/api/v1/incidents/{incident.pk}/verify/", body, format="json")
    assert first.status_code == 200, first.content
    assert again.status_code == 200, again.content  # not 409 for the now stale version
    assert again.json()["status"] == "verified" and again.json()["version"] == first.json()["version"]
    assert TimelineEntry.objects.filter(incident=incident, action="verify").count() == 1


def test_a_failed_check_sent_again_after_the_case_moved_on_is_not_run_a_second_time(world, api_as, file_case):
    client = api_as(world.grid_worker_a)
    incident = _handled_case(client, file_case)
    client_id = str(uuid.uuid4())
    body = {"version": incident.version, "passed": "false", "note": "还有垃圾", "client_id": client_id}
    assert client.post(f"/api/v1/incidents/{incident.pk}/rework/", body, format="json").status_code == 200
    client.post(f"/api/v1/incidents/{incident.pk}/handle/", {"note": "再次处理", "photos": [photo()]}, format="multipart")
    # The case is handled again: without the id this old body would send it back to rework once more.
    again = client.post(f"/api/v1/incidents/{incident.pk}/rework/", body, format="json")
    assert again.status_code == 200 and again.json()["status"] == "handled"
    assert TimelineEntry.objects.filter(incident=incident, action="rework").count() == 1


def test_an_act_id_is_the_actors_own_and_must_be_a_uuid(world, api_as, file_case):
    client = api_as(world.grid_worker_a)
    incident = file_case()
    bad = client.post(f"/api/v1/incidents/{incident.pk}/register/", {"client_id": "not-a-uuid"}, format="json")
    assert bad.status_code == 400 and "client_id" in bad.json()["errors"]
    assert TimelineEntry.objects.filter(incident=incident).count() == 1


def test_a_patrol_its_points_and_check_ins_sent_twice_are_stored_once(world, api_as):
    client = api_as(world.grid_worker_a)
    start = {"client_id": str(uuid.uuid4())}
    patrol = client.post("/api/v1/patrols/", start, format="json")
    assert client.post("/api/v1/patrols/", start, format="json").json()["id"] == patrol.json()["id"]
    pk = patrol.json()["id"]
    at = timezone.now().isoformat()
    point = inside(world.cell_a)
    batch = {"points": [{"id": str(uuid.uuid4()), "at": at, "lat": point.y, "lng": point.x, "accuracy": 5}]}
    client.post(f"/api/v1/patrols/{pk}/points/", batch, format="json")
    client.post(f"/api/v1/patrols/{pk}/points/", batch, format="json")
    checkin = {"client_id": str(uuid.uuid4()), "lat": point.y, "lng": point.x, "at": at}
    client.post(f"/api/v1/patrols/{pk}/checkins/", checkin, format="json")
    client.post(f"/api/v1/patrols/{pk}/checkins/", checkin, format="json")
    assert PatrolPoint.objects.filter(patrol_id=pk).count() == 1
    assert PatrolCheckIn.objects.filter(patrol_id=pk).count() == 1


def test_a_report_keeps_the_fix_accuracy_and_time_and_refuses_a_fix_from_the_future(world, api_as, client):
    api = api_as(world.grid_worker_a)
    point = inside(world.cell_a)
    taken = timezone.now() - dt.timedelta(minutes=3)
    body = {"category": "E0101", "lat": point.y, "lng": point.x, "accuracy": 12.5, "located_at": taken.isoformat()}
    response = api.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.location_accuracy_m == 12.5 and abs((incident.located_at - taken).total_seconds()) < 1
    detail = api.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert detail["location_accuracy_m"] == 12.5 and detail["located_at"]
    browser = client
    browser.force_login(world.grid_worker_a)
    page = browser.get(f"/incidents/{incident.pk}/").content.decode()
    assert "±12 " in page or "±13 " in page  # "phone fix ±12 m" / "手机定位 ±12 米"
    future = {**body, "located_at": (timezone.now() + dt.timedelta(hours=2)).isoformat()}
    refused = api.post("/api/v1/incidents/", future, format="json")
    assert refused.status_code == 400 and "located_at" in refused.json()["errors"]
    negative = api.post("/api/v1/incidents/", {**body, "accuracy": -3}, format="json")
    assert negative.status_code == 400 and "accuracy" in negative.json()["errors"]
    assert Incident.objects.count() == 1

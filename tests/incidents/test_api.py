"""The REST API: file, list, read, act — all scoped, errors that say what and where."""
import uuid

import pytest

from incidents import actions
from incidents.models import Incident, IncidentPhoto

from .conftest import inside, jpeg_bytes, photo


def _post_report(client, world, **extra):
    point = inside(world.cell_a)
    body = {"category": "E0101", "lat": point.y, "lng": point.x, "description": "路边垃圾堆", **extra}
    return client.post("/api/v1/incidents/", body, format="json")


def test_a_grid_worker_files_a_report_as_json_and_reads_it_back_with_timeline_and_light(world, api_as):
    client = api_as(world.grid_worker_a)
    response = _post_report(client, world)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "reported" and body["level"] == "grid"
    assert body["cell"]["code"] == world.cell_a.code and body["light"] == "green"
    detail = client.get(f"/api/v1/incidents/{body['id']}/").json()
    assert detail["area"]["code"] == world.cell_a.code and detail["deadline"]
    assert [step["action"] for step in detail["timeline"]] == ["report"]
    assert "register" in detail["actions"]


def test_a_report_with_photos_goes_as_multipart(world, api_as):
    client = api_as(world.grid_worker_a)
    point = inside(world.cell_a)
    response = client.post(
        "/api/v1/incidents/",
        {"category": "E0101", "lat": point.y, "lng": point.x, "photos": [photo("a.jpg"), photo("b.jpg", jpeg_bytes(300, 200))]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    detail = client.get(f"/api/v1/incidents/{response.json()['id']}/").json()
    assert len(detail["photos"]) == 2 and "/api/v1/incidents/photos/" in detail["photos"][0]["url"]
    assert detail["timeline"][0]["photos"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"category": "E0101"}, "location"),
        ({"category": "Z9999", "lat": 39.9, "lng": 116.4}, "category"),
        ({"category": "E0101", "lat": 95, "lng": 116.4}, "lat"),
        ({"category": "E0101", "lat": 39.9, "lng": 116.4, "urgency": "whenever"}, "urgency"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_filed(world, api_as, body, field):
    response = api_as(world.grid_worker_a).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Incident.objects.exists()


def test_a_photo_that_is_not_an_image_is_a_400_and_nothing_is_filed(world, api_as):
    point = inside(world.cell_a)
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/",
        {"category": "E0101", "lat": point.y, "lng": point.x, "photos": [photo("virus.jpg", b"MZ\x90\x00 executable")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "virus.jpg" in response.json()["errors"]["photos"][0]
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_a_report_resent_with_the_same_client_id_answers_the_first(world, api_as):
    client = api_as(world.grid_worker_a)
    client_id = str(uuid.uuid4())
    first = _post_report(client, world, client_id=client_id)
    again = _post_report(client, world, client_id=client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_a_case_outside_the_jurisdiction_is_404(world, api_as, file_case):
    incident = file_case()
    assert api_as(world.grid_worker_b).get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    assert api_as(world.grid_worker_b).post(f"/api/v1/incidents/{incident.pk}/register/", {}, format="json").status_code == 404
    assert incident.pk not in [i["id"] for i in api_as(world.grid_worker_b).get("/api/v1/incidents/").json()["results"]]
    assert api_as(world.community_staff).get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    # A department handler sees no case until the command centre's app says which are theirs.
    assert api_as(world.department_handler).get(f"/api/v1/incidents/{incident.pk}/").status_code == 404


def test_transitions_are_actions_with_400_for_a_wrong_state_and_409_for_a_stale_version(world, api_as, file_case):
    incident = file_case()
    client = api_as(world.grid_worker_a)
    wrong = client.post(f"/api/v1/incidents/{incident.pk}/close/", {}, format="json")
    assert wrong.status_code == 400 and "#%d" % incident.pk in wrong.json()["detail"]
    ok = client.post(f"/api/v1/incidents/{incident.pk}/register/", {"version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "registered" and ok.json()["version"] == 2
    stale = client.post(f"/api/v1/incidents/{incident.pk}/assign/", {"version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["version"] == 2
    not_mine = api_as(world.community_staff).post(f"/api/v1/incidents/{incident.pk}/assign/", {}, format="json")
    assert not_mine.status_code == 403
    missing_reason = client.post(f"/api/v1/incidents/{incident.pk}/request_help/", {}, format="json")
    assert missing_reason.status_code == 400 and "note" in missing_reason.json()["errors"]
    unknown = client.post(f"/api/v1/incidents/{incident.pk}/teleport/", {}, format="json")
    assert unknown.status_code == 404


def test_handling_with_an_after_photo_and_verifying_through_the_api(world, api_as, file_case):
    incident = file_case()
    client = api_as(world.grid_worker_a)
    client.post(f"/api/v1/incidents/{incident.pk}/register/", {}, format="json")
    no_photo = client.post(f"/api/v1/incidents/{incident.pk}/handle/", {"note": "已处理"}, format="multipart")
    assert no_photo.status_code == 400 and "photos" in no_photo.json()["errors"]
    handled = client.post(f"/api/v1/incidents/{incident.pk}/handle/", {"note": "已处理", "photos": [photo()]}, format="multipart")
    assert handled.status_code == 200 and handled.json()["status"] == "handled"
    failed = client.post(f"/api/v1/incidents/{incident.pk}/verify/", {"passed": False, "note": "未清理干净"}, format="json")
    assert failed.json()["status"] == "rework"


def test_the_list_filters_by_light_level_and_status(world, api_as, file_case):
    from datetime import timedelta

    from django.utils import timezone

    late = file_case()
    Incident.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    fresh = file_case()
    client = api_as(world.community_staff)
    red = client.get("/api/v1/incidents/", {"light": "red"}).json()["results"]
    assert [i["id"] for i in red] == [late.pk]
    assert {i["id"] for i in client.get("/api/v1/incidents/", {"level": "grid", "status": "reported"}).json()["results"]} == {late.pk, fresh.pk}
    assert client.get("/api/v1/incidents/", {"level": "district"}).json()["count"] == 0


def test_nearby_answers_open_cases_of_the_class_within_its_radius(world, api_as, file_case):
    incident = file_case(code="E0101")
    point = inside(world.cell_a)
    response = api_as(world.grid_worker_a).get("/api/v1/incidents/nearby/", {"lat": point.y, "lng": point.x, "category": "E0101"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [incident.pk]
    assert response.json()["radius_m"] == 50
    assert api_as(world.grid_worker_a).get("/api/v1/incidents/nearby/", {"lat": point.y, "lng": point.x, "category": "nope"}).status_code == 400


def test_the_category_list_puts_my_most_used_classes_first(world, api_as, file_case):
    file_case(code="E0204")
    file_case(code="E0204")
    file_case(code="C0102")
    body = api_as(world.grid_worker_a).get("/api/v1/incidents/categories/").json()
    assert [c["code"] for c in body["frequent"]] == ["E0204", "C0102"]
    assert len(body["majors"]) >= 6 and sum(len(m["children"]) for m in body["majors"]) >= 30


def test_notifications_inbox_and_marking_read(world, api_as, file_case):
    incident = file_case()
    actions.request_help(incident, actor=world.grid_worker_a, reason="需要社区协调")
    client = api_as(world.community_staff)
    body = client.get("/api/v1/notifications/").json()
    assert body["unread"] == 1 and body["results"][0]["kind"] == "help_requested"
    assert client.post("/api/v1/notifications/read/", {}, format="json").json()["marked"] == 1
    assert client.get("/api/v1/notifications/").json()["unread"] == 0


def test_the_geojson_feed_draws_cases_on_the_map(world, api_as, file_case):
    incident = file_case()
    response = api_as(world.grid_worker_a).get("/api/v1/incidents/geojson/")
    assert response["Content-Type"] == "application/geo+json"
    features = response.json()["features"]
    assert [f["id"] for f in features] == [incident.pk]
    assert features[0]["properties"]["light"] == "green"


def test_a_photo_is_served_only_to_people_who_may_see_the_case(world, api_as):
    point = inside(world.cell_a)
    created = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/", {"category": "E0101", "lat": point.y, "lng": point.x, "photos": [photo()]}, format="multipart"
    ).json()
    url = api_as(world.grid_worker_a).get(f"/api/v1/incidents/{created['id']}/").json()["photos"][0]["url"]
    mine = api_as(world.grid_worker_a).get(url, HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert mine.status_code == 200 and mine["Content-Type"] == "image/jpeg"
    assert b"".join(mine.streaming_content)[:2] == b"\xff\xd8"
    assert api_as(world.grid_worker_b).get(url).status_code == 404


def test_a_minor_matter_reported_as_already_settled_is_closed_at_grid_level_in_one_request(world, api_as):
    point = inside(world.cell_a)
    client = api_as(world.grid_worker_a)
    body = {"category": "E0101", "lat": point.y, "lng": point.x, "settled": "true", "photos": [photo()], "after_photos": [photo()]}
    response = client.post("/api/v1/incidents/", body, format="multipart")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.status == "closed" and incident.resolved_at_grid
    assert sorted(incident.photos.values_list("stage", flat=True)) == ["after", "before"]
    # Not a minor class: refused, and no half-filed report is left behind.
    refused = client.post("/api/v1/incidents/", {**body, "category": "C0101", "photos": [photo()], "after_photos": [photo()]},
                          format="multipart")
    assert refused.status_code == 400
    assert Incident.objects.count() == 1

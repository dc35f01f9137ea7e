"""The public answers — the resident's status page and Open311 (JSON and XML, list and detail,
the public photo) — show no staff name, no internal note, no private photo, no contact and no
precise position, whatever the channel the case came from and whatever was done to it."""
from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client

from accounts.models import User
from dispatch import actions
from dispatch.public.present import PHOTO_SALT, ROUND_M, METRES_PER_DEGREE
from incidents import actions as case_acts
from incidents.models import Category, Incident, IncidentPhoto, Source
from tests.dispatch.conftest import category, hotline_case, inside, photo  # noqa: F401 (fixtures)
from tests.dispatch.public_helpers import file_as_resident

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dispatch.urls_open311")]

STAFF = {"grid_worker_a": "网格员李秀英", "dispatcher": "调度员王建国", "department_handler": "市政处置员赵强"}
SECRETS = ["内部备注：施工队老张", "退回理由：不归我们管", "结案内部说明XYZ", "巡查描述：302室住户张三"]


def _named(world):
    for username, name in STAFF.items():
        User.objects.filter(username=username).update(first_name=name)
    for username in STAFF:
        getattr(world, username).refresh_from_db()


def _work_through(world, incident):
    """Register, dispatch to 市政, return with a reason, dispatch again, feedback with a photo,
    verify, close with an internal note; publish a public note and the after-photo."""
    incident = Incident.objects.get(pk=incident.pk)
    if incident.level != "district":
        case_acts.register(incident, actor=world.grid_worker_a, note=SECRETS[0])
        for _ in range(3):
            case_acts.request_help(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, reason="需要部门")
    else:
        case_acts.register(incident, actor=world.dispatcher, note=SECRETS[0])
    actions.dispatch(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, departments=[world.department])
    actions.return_case(Incident.objects.get(pk=incident.pk), actor=world.department_handler, reason=SECRETS[1])
    actions.dispatch(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, departments=[world.other_department])
    actions.accept(Incident.objects.get(pk=incident.pk), actor=world.other_department_handler)
    actions.feedback(Incident.objects.get(pk=incident.pk), actor=world.other_department_handler, photos=[photo("after.jpg")])
    # Checked by the centre that holds it: the grid worker reported one of them herself (separation of duties).
    case_acts.verify(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, passed=True)
    case_acts.close(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, note=SECRETS[2])
    after = IncidentPhoto.objects.filter(incident_id=incident.pk, stage="after").first()
    actions.publish(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, public_note="已修复，感谢您的反映",
                    public_photo=after)
    return Incident.objects.get(pk=incident.pk)


def _cases(world, hotline_case):
    category = Category.objects.get(code="C0102")
    patrol, _ = case_acts.report_incident(reporter=world.grid_worker_a, category=category, location=inside(world.cell_a),
                                          description=SECRETS[3], address="幸福小区3号楼302", photos=[photo("before.jpg")])
    hotline = hotline_case(registered=False, description="来电人刘女士13912345678反映", contact="刘女士 13912345678")
    _response, token = file_as_resident(where=world.cell_a, phone="13687654321", photos=[photo("before.jpg")],
                                        description="路灯坏了")
    resident = Incident.objects.get(source=Source.RESIDENT)
    return [_work_through(world, patrol), _work_through(world, hotline), _work_through(world, resident)], token


def _forbidden(world, cases) -> list[str]:
    words = [*STAFF.values(), *SECRETS, "13912345678", "13687654321", "刘女士", "幸福小区3号楼302"]
    for incident in cases:
        words += [f"{incident.location.y:.6f}", f"{incident.location.x:.6f}", f"{incident.location.y:.5f}"]
        for private in IncidentPhoto.objects.filter(incident=incident, stage="before"):
            words.append(private.image.name.rsplit("/", 1)[-1])
    return words


def _on_the_grid(lat: float, lng: float, incident) -> bool:
    step = ROUND_M / METRES_PER_DEGREE
    return abs(lat / step - round(lat / step)) < 1e-3 and abs(lat - incident.location.y) <= step


def test_no_public_answer_shows_staff_notes_private_photos_or_the_exact_place(world, hotline_case):
    _named(world)
    cases, token = _cases(world, hotline_case)
    client = Client()
    bodies = {
        "status page": client.get(f"/public/case/{token}/").content.decode(),
        "requests.json": client.get("/open311/v2/requests.json").content.decode(),
        "requests.xml": client.get("/open311/v2/requests.xml").content.decode(),
    }
    for incident in cases:
        bodies[f"request {incident.pk}"] = client.get(f"/open311/v2/requests/{incident.pk}.json").content.decode()
    forbidden = _forbidden(world, cases)
    leaks = [(name, word) for name, body in bodies.items() for word in forbidden if word in body]
    assert not leaks, leaks
    assert "已修复，感谢您的反映" in bodies["status page"] and "/open311/v2/media/" in bodies["status page"]
    listed = {item["service_request_id"]: item for item in client.get("/open311/v2/requests.json").json()}
    for incident in cases:
        item = listed[str(incident.pk)]
        assert item["status_notes"] == "已修复，感谢您的反映" and item["media_url"]
        assert _on_the_grid(item["lat"], item["long"], incident)
        # The one photo published is served; the private ones are not, even with a valid signature.
        assert client.get(item["media_url"].replace("http://testserver", "")).status_code == 200
        for private in IncidentPhoto.objects.filter(incident=incident, stage="before"):
            forged = signing.dumps(private.pk, salt=PHOTO_SALT, compress=False)
            assert client.get(f"/open311/v2/media/{forged}.jpg").status_code == 404


def test_a_report_waiting_for_moderation_or_marked_as_spam_is_on_no_public_list(world):
    file_as_resident(where=world.cell_a, phone="13511112222", description="广告：办证请联系")
    spam = Incident.objects.get()
    actions.mark_spam(spam, actor=world.dispatcher)
    file_as_resident(where=world.cell_a, phone="13511112222", description="广告：再来一次", ip="192.0.2.50")
    listed = Client().get("/open311/v2/requests.json").content.decode()
    assert "广告" not in listed and re.search(r'"service_request_id"', listed) is None

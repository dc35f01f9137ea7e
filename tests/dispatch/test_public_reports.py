"""A resident reports without an account (随手拍), follows the case by its link, and judges it; the
intake moderates spam. Limits and the question are real (Redis, signed, one answer each)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from dispatch import actions as dispatch_actions
from dispatch.models import Moderation, PublicCase, SpamMark, Verdict
from incidents import actions
from incidents.actions import machine
from incidents.models import Category, Incident, Status
from tests.dispatch.conftest import inside, photo
from tests.dispatch.public_helpers import answer_of, close_at_centre, colleague_dispatcher, file_as_resident  # noqa: F401

pytestmark = pytest.mark.django_db


def _close(world, incident):
    """Register, handle with a photo, verify on site and close, as the command centre does."""
    return close_at_centre(world, incident)


def _close_at_grid(world, incident):
    """A grid worker's own minor matter, settled by her at the grid (separation of duties exempts it)."""
    worker = world.grid_worker_a
    actions.register(Incident.objects.get(pk=incident.pk), actor=worker)
    actions.handle(Incident.objects.get(pk=incident.pk), actor=worker, photos=[photo()])
    actions.verify(Incident.objects.get(pk=incident.pk), actor=worker, passed=True)
    actions.close(Incident.objects.get(pk=incident.pk), actor=worker)
    return Incident.objects.get(pk=incident.pk)


def test_a_resident_report_enters_the_intake_as_source_resident_and_answers_a_status_link(world):
    response, token = file_as_resident(where=world.cell_a, phone="138 0013 8000", photos=[photo("before.jpg")])
    assert response.status_code == 302 and token
    incident = Incident.objects.get()
    assert incident.source == "resident" and incident.status == Status.REPORTED and incident.reporter is None
    assert incident.contact == "13800138000" and incident.photos.count() == 1
    side = PublicCase.objects.get(incident=incident)
    assert side.token_hash != token and side.reporter_key and "13800138000" not in side.reporter_key
    page = Client().get(f"/public/case/{token}/?new=1")
    assert page.status_code == 200
    # The number a caller quotes (YYYYMMDD-NNNN), not the database id.
    assert incident.number and incident.number in page.content.decode()
    assert "已受理" in page.content.decode() or "Received" in page.content.decode()


def test_the_question_must_be_answered_right_and_once(world):
    client = Client()
    form = client.get("/public/report/")
    token, answer = answer_of(form.content.decode())
    point = inside(world.cell_a)
    data = {"category": "C0102", "lat": point.y, "lng": point.x, "challenge": token}
    wrong = client.post("/public/report/", {**data, "answer": str(int(answer) + 1)})
    assert wrong.status_code == 400 and not Incident.objects.exists()
    form = client.get("/public/report/")
    token, answer = answer_of(form.content.decode())
    assert client.post("/public/report/", {**data, "challenge": token, "answer": answer}).status_code == 302
    again = client.post("/public/report/", {**data, "challenge": token, "answer": answer})
    assert again.status_code == 400 and Incident.objects.count() == 1


@override_settings(GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR=2)
def test_reports_per_address_are_limited(world):
    for _ in range(2):
        assert file_as_resident(where=world.cell_a, ip="198.51.100.9")[0].status_code == 302
    refused, token = file_as_resident(where=world.cell_a, ip="198.51.100.9")
    assert refused.status_code == 429 and token is None
    assert file_as_resident(where=world.cell_a, ip="198.51.100.10")[0].status_code == 302
    assert Incident.objects.count() == 3


@override_settings(GRIDGOV_PUBLIC_REPORTS_PER_PHONE_DAY=1)
def test_reports_per_phone_are_limited_whatever_the_address(world):
    assert file_as_resident(where=world.cell_a, phone="13900000001", ip="198.51.100.1")[0].status_code == 302
    refused, _token = file_as_resident(where=world.cell_a, phone="+86 139 0000 0001", ip="198.51.100.2")
    assert refused.status_code == 429 and "phone" in refused.content.decode().lower() or "电话" in refused.content.decode()
    assert Incident.objects.count() == 1


def test_a_spam_mark_holds_the_reporters_later_reports_for_moderation(world):
    file_as_resident(where=world.cell_a, phone="13700000000")
    first = Incident.objects.get()
    machine.run("mark_spam", first, actor=world.dispatcher, data={})
    first.refresh_from_db()
    assert first.status == Status.REJECTED and SpamMark.objects.count() == 2
    file_as_resident(where=world.cell_a, phone="137-0000-0000", ip="192.0.2.99")
    later = Incident.objects.exclude(pk=first.pk).get()
    assert later.status == "held" and PublicCase.objects.get(incident=later).moderation == Moderation.HELD
    # Off every public list while held; the intake approves it and it starts as reported.
    assert Client().get(f"/open311/v2/requests/{later.pk}.json").status_code == 404
    machine.run("approve_report", later, actor=world.dispatcher, data={})
    later.refresh_from_db()
    assert later.status == Status.REPORTED and later.deadline > timezone.now()
    assert Client().get(f"/open311/v2/requests/{later.pk}.json").status_code == 200


def test_only_a_residents_report_can_be_marked_as_spam(world):
    incident, _ = actions.report_incident(reporter=world.grid_worker_a, category=actions.check_category(
        __import__("incidents.models", fromlist=["Category"]).Category.objects.get(code="C0102")), location=inside(world.cell_a))
    with pytest.raises(actions.NotAllowed):
        machine.run("mark_spam", incident, actor=world.dispatcher, data={})
    assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED


def test_an_unsatisfied_verdict_within_seven_days_reopens_the_case_as_rework(world):
    _response, token = file_as_resident(where=world.cell_a)
    incident = _close(world, Incident.objects.get())
    client = Client()
    refused = client.post(f"/public/case/{token}/verdict/", {"verdict": "unsatisfied", "note": ""}, follow=True)
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED and not Verdict.objects.exists()
    assert refused.status_code == 200
    client.post(f"/public/case/{token}/verdict/", {"verdict": "unsatisfied", "note": "灯还是不亮"})
    incident.refresh_from_db()
    assert incident.status == Status.REWORK and incident.closed_at is None and incident.deadline > timezone.now()
    verdict = Verdict.objects.get()
    assert verdict.value == "unsatisfied" and verdict.reopened and verdict.reason == "灯还是不亮"
    assert verdict.channel == "status_page" and verdict.recorded_by is None
    assert list(incident.timeline.order_by("-version").values_list("action", flat=True)[:2]) == ["reopen", "verdict_unsatisfied"]


def test_after_seven_days_an_unsatisfied_verdict_is_counted_but_reopens_nothing(world):
    _response, token = file_as_resident(where=world.cell_a)
    incident = _close(world, Incident.objects.get())
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        Client().post(f"/public/case/{token}/verdict/", {"verdict": "unsatisfied", "note": "太慢"})
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED
    assert Verdict.objects.get().reopened is False


def test_one_verdict_per_closure(world):
    _response, token = file_as_resident(where=world.cell_a)
    _close(world, Incident.objects.get())
    client = Client()
    client.post(f"/public/case/{token}/verdict/", {"verdict": "satisfied"})
    client.post(f"/public/case/{token}/verdict/", {"verdict": "unsatisfied", "note": "改主意"})
    assert list(Verdict.objects.values_list("value", flat=True)) == ["satisfied"]
    assert Incident.objects.get().status == Status.CLOSED


def test_the_dispatcher_records_a_hotline_callers_verdict_and_a_grid_worker_gives_her_own(world, hotline_case):
    call = hotline_case(registered=False)
    # Exposed rubbish (E0101) stays with the grid worker by the routing rules: her own minor matter.
    own, _ = actions.report_incident(reporter=world.grid_worker_a, category=Category.objects.get(code="E0101"),
                                     location=inside(world.cell_a))
    close_at_centre(world, call)
    _close_at_grid(world, own)
    with pytest.raises(actions.Forbidden):
        machine.run("verdict", Incident.objects.get(pk=call.pk), actor=world.grid_worker_a, data={"verdict": "satisfied"})
    machine.run("verdict", Incident.objects.get(pk=call.pk), actor=world.dispatcher, data={"verdict": "basically"})
    machine.run("verdict", Incident.objects.get(pk=own.pk), actor=world.grid_worker_a, data={"verdict": "satisfied"})
    assert dict(Verdict.objects.values_list("incident_id", "channel")) == {call.pk: "callback", own.pk: "app"}


def test_staff_publish_a_note_and_choose_the_public_photo(world):
    _response, token = file_as_resident(where=world.cell_a, photos=[photo("before.jpg")])
    incident = Incident.objects.get()
    before = incident.photos.get()
    page = Client().get(f"/public/case/{token}/").content.decode()
    assert "/open311/v2/media/" not in page  # the before-photo is private by default
    machine.run("publish", incident, actor=world.grid_worker_a,
                data={"public_note": "已安排维修，预计明天修好", "public_photo": str(before.pk)})
    page = Client().get(f"/public/case/{token}/").content.decode()
    assert "已安排维修，预计明天修好" in page and "/open311/v2/media/" in page
    with pytest.raises(actions.InvalidInput):
        machine.run("publish", Incident.objects.get(), actor=world.grid_worker_a, data={"public_photo": "999999"})


def test_the_console_offers_the_call_back_verdict_and_records_it(world, hotline_case):
    from django.test import Client as PageClient

    call = hotline_case()
    actions.handle(Incident.objects.get(pk=call.pk), actor=world.dispatcher, photos=[photo()])
    actions.verify(Incident.objects.get(pk=call.pk), actor=world.grid_worker_a, passed=True)
    actions.close(Incident.objects.get(pk=call.pk), actor=colleague_dispatcher(world))
    page = PageClient()
    page.force_login(world.dispatcher)
    html = page.get(f"/dispatch/case/{call.pk}/").content.decode()
    assert 'id="verdict-form"' in html and 'id="publish-form"' in html
    answer = page.post(f"/dispatch/case/{call.pk}/act/verdict/", {"verdict": "unsatisfied", "note": "来电人说还在漏水"},
                       HTTP_ACCEPT="application/json")
    assert answer.json().get("ok") is True
    assert Incident.objects.get(pk=call.pk).status == Status.REWORK
    assert Verdict.objects.get().channel == "callback" and Verdict.objects.get().recorded_by == world.dispatcher


def test_a_grid_worker_is_reminded_of_her_closed_reports_until_she_judges_them(world):
    from django.test import Client as PageClient

    from incidents.models import Category

    own, _ = actions.report_incident(reporter=world.grid_worker_a, category=Category.objects.get(code="E0101"),
                                     location=inside(world.cell_a))
    _close_at_grid(world, own)
    page = PageClient()
    page.force_login(world.grid_worker_a)
    assert f"/incidents/{own.pk}/" in page.get("/").content.decode()
    assert 'name="verdict"' in page.get(f"/incidents/{own.pk}/").content.decode()
    page.post(f"/incidents/{own.pk}/act/verdict/", {"verdict": "satisfied"})
    assert Verdict.objects.get().channel == "app"
    assert f"/incidents/{own.pk}/" not in page.get("/").content.decode()


def test_a_report_marked_as_spam_is_not_counted_as_accepted(world):
    """Spam is no case: the indicators count it nowhere (accepted, registered, by channel), while a
    resident's honest report and one the intake rejected still count as accepted."""
    from dispatch.indicators import Period, area_indicators

    file_as_resident(where=world.cell_a, phone="13700000001")
    file_as_resident(where=world.cell_a, phone="13700000002", ip="192.0.2.10")
    file_as_resident(where=world.cell_a, phone="13700000003", ip="192.0.2.11")
    spam, rejected, honest = Incident.objects.order_by("pk")
    machine.run("mark_spam", spam, actor=world.dispatcher, data={})
    machine.run("reject", rejected, actor=world.dispatcher, data={"note": "不在辖区"})
    today = timezone.localdate()
    result = area_indicators(world.district.code, Period(today, today), groups=["source", "cell"])
    assert result.total.accepted == 2 and result.total.registered == 0
    [resident] = [row for row in result.groups["source"] if row.key == "resident"]
    assert resident.accepted == 2
    [cell] = [row for row in result.groups["cell"] if row.accepted]
    assert cell.key == world.cell_a.code and cell.accepted == 2
    assert Incident.objects.get(pk=honest.pk).status == Status.REPORTED


def test_the_public_copy_of_a_stamped_photo_leaves_the_stamp_with_the_workers_name_out(world):
    """The stored copy carries time, place, cell and worker; what residents see is cut above it."""
    import io
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.photo_jpeg import camera_jpeg

    _response, token = file_as_resident(where=world.cell_a)
    incident = Incident.objects.get()
    stamped = SimpleUploadedFile("p.jpg", camera_jpeg(size=(800, 600), colour=(40, 120, 200)), content_type="image/jpeg")
    actions.add_info(incident, actor=world.grid_worker_a, note="现场照片", photos=[stamped])
    photo_row = Incident.objects.get().photos.get()
    assert photo_row.stamped
    machine.run("publish", Incident.objects.get(), actor=world.grid_worker_a, data={"public_photo": str(photo_row.pk)})
    page = Client().get(f"/public/case/{token}/").content.decode()
    url = re.search(r'/open311/v2/media/[^"\']+', page).group(0)
    public = Image.open(io.BytesIO(b"".join(Client().get(url).streaming_content))).convert("RGB")
    assert public.height / public.width < 0.75 - 0.05  # the band is cut off
    bottom = public.crop((0, public.height - 4, public.width, public.height))
    assert min(blue for _r, _g, blue in bottom.getdata()) > 150  # the photo's own blue, no dark band

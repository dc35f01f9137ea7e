"""Administrators manage default departments, the evaluation setting and Open311 clients; shares,
extensions and supervision are read-only there (they change only through the acts)."""

from __future__ import annotations

import re

from django.test import Client

from accounts.models import Role, User
from dispatch import actions
from dispatch.models import Open311Client


def admin_client(world) -> Client:
    user = User.objects.create_superuser("root", "root@example.cn", "a-long-admin-password", role=Role.GIS_ADMIN)
    client = Client()
    client.force_login(user)
    return client


def test_every_dispatch_model_has_an_admin_page(world, dispatched_case):
    dispatched_case()
    client = admin_client(world)
    for model in (
        "departmentcategory",
        "assignment",
        "extensionrequest",
        "supervision",
        "indicatorsettings",
        "open311client",
        "open311request",
    ):
        assert client.get(f"/admin/dispatch/{model}/").status_code == 200, model
    assert client.get("/admin/dispatch/assignment/add/").status_code == 403


def test_an_administrator_issues_an_open311_key_that_is_shown_once(world):
    client = admin_client(world)
    response = client.post(
        "/admin/dispatch/open311client/add/",
        {"name": "市民通", "contact": "ops@example.cn", "district": world.district.pk, "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    key = re.search(r"api_key \S* ?([A-Za-z0-9_-]{40,})", shown) or re.search(r"([A-Za-z0-9_-]{40,})", shown)
    assert key, shown
    stored = Open311Client.objects.get(name="市民通")
    assert key.group(1) not in (stored.key_hash, stored.key_prefix)  # only a hash is kept
    assert actions.open311_client_for(key.group(1)) == stored
    assert not stored.user.is_active and not stored.user.has_usable_password()


def test_the_evaluation_setting_is_edited_in_the_admin(world):
    client = admin_client(world)
    client.post("/admin/dispatch/indicatorsettings/add/", {"exclude_deferred": ""})
    from dispatch.models import IndicatorSettings

    assert IndicatorSettings.current().exclude_deferred is False


def _resident_case_with_verdict(world, *, phone: str, reason: str):
    from dispatch.models import PublicCase
    from incidents.models import Incident
    from tests.dispatch.public_helpers import close_at_centre, file_as_resident

    _response, token = file_as_resident(where=world.cell_a, phone=phone)
    incident = close_at_centre(world, Incident.objects.get())
    Client().post(f"/public/case/{token}/verdict/", {"verdict": "unsatisfied", "note": reason})
    return PublicCase.objects.get(incident=incident)


def test_the_public_side_verdicts_and_spam_marks_are_read_in_the_admin_masked(world):
    from dispatch.models import SpamMark, Verdict
    from incidents.actions import machine
    from incidents.models import Incident
    from tests.dispatch.public_helpers import file_as_resident

    side = _resident_case_with_verdict(world, phone="13712345678", reason="打了13898765432没人接")
    verdict = Verdict.objects.get()
    file_as_resident(where=world.cell_a, phone="13600001111", ip="192.0.2.50")
    spam = Incident.objects.exclude(pk=side.incident_id).get()
    machine.run("mark_spam", spam, actor=world.dispatcher, data={})
    mark = SpamMark.objects.order_by("pk").first()
    client = admin_client(world)
    pages = {}
    for name, pk in (("publiccase", side.pk), ("verdict", verdict.pk), ("spammark", mark.pk)):
        listing = client.get(f"/admin/dispatch/{name}/")
        change = client.get(f"/admin/dispatch/{name}/{pk}/change/")
        assert listing.status_code == 200 and change.status_code == 200, name
        assert client.get(f"/admin/dispatch/{name}/add/").status_code == 403, name
        pages[name] = listing.content.decode() + change.content.decode()
    # Read-only: a change page has no save button, and a post changes nothing.
    assert 'name="_save"' not in pages["verdict"] and 'name="_save"' not in pages["publiccase"]
    client.post(f"/admin/dispatch/verdict/{verdict.pk}/change/", {"value": "satisfied", "reason": "ok"})
    assert Verdict.objects.get().value == "unsatisfied"
    # The reporter's phone and the numbers in a reason only masked; no hash or token is shown.
    assert "137****5678" in pages["publiccase"] and "13712345678" not in pages["publiccase"]
    assert "13898765432" not in pages["verdict"] and "没人接" in pages["verdict"]
    stored = type(side).objects.get(pk=side.pk)
    for secret in (stored.token_hash, stored.reporter_key, stored.ip_key, mark.key):
        assert secret and all(secret not in page for page in pages.values())
    assert mark.key[:8] in pages["spammark"]


def test_an_administrator_lifts_a_spam_mark_and_the_reporter_is_no_longer_held(world):
    from dispatch.models import SpamMark
    from incidents.actions import machine
    from incidents.models import Incident
    from tests.dispatch.public_helpers import file_as_resident

    file_as_resident(where=world.cell_a, phone="13600002222")
    machine.run("mark_spam", Incident.objects.get(), actor=world.dispatcher, data={})
    client = admin_client(world)
    response = client.post("/admin/dispatch/spammark/", {
        "action": "lift", "_selected_action": list(SpamMark.objects.values_list("pk", flat=True))}, follow=True)
    assert response.status_code == 200 and not SpamMark.objects.exists()
    assert Incident.objects.get().status == "rejected"  # the case marked stays rejected
    file_as_resident(where=world.cell_a, phone="13600002222", ip="192.0.2.60")
    assert Incident.objects.order_by("-pk").first().status == "reported"

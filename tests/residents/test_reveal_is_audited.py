"""Revealing a full identifier needs the permission and a typed reason, and writes exactly one audit record."""
from django.contrib.auth.models import Permission

from residents.models import RevealAudit

REASON = "入户核查身份信息"


def reveal(client, person, field="id_number", reason=REASON):
    return client.post(f"/api/v1/residents/persons/{person.pk}/reveal/", {"field": field, "reason": reason}, format="json")


def test_each_reveal_returns_the_full_value_and_writes_one_audit_record(people, world, api_as):
    client = api_as(world.community_staff)
    response = reveal(client, people.in_a)
    assert response.status_code == 200
    assert response.json()["value"] == people.id_a
    assert response["Cache-Control"] == "no-store"
    audit = RevealAudit.objects.get()
    assert (audit.actor, audit.person, audit.field, audit.reason, audit.via) == (world.community_staff, people.in_a, "id_number", REASON, "api")
    assert response.json()["audit_id"] == audit.pk
    assert reveal(client, people.in_a, field="phones").json()["value"] == people.phone_a
    assert RevealAudit.objects.count() == 2


def test_a_grid_worker_may_reveal_in_their_own_cell(people, world, api_as):
    assert reveal(api_as(world.grid_worker_a), people.in_a).json()["value"] == people.id_a
    assert RevealAudit.objects.filter(actor=world.grid_worker_a).count() == 1


def test_a_reveal_without_a_reason_is_refused_and_not_audited(people, world, api_as):
    client = api_as(world.community_staff)
    for reason in ("", "   ", "看"):
        response = reveal(client, people.in_a, reason=reason)
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]
        assert people.id_a not in response.content.decode()
    response = reveal(client, people.in_a, field="name")
    assert response.status_code == 400 and "field" in response.json()["errors"]
    assert not RevealAudit.objects.exists()


def test_a_role_without_the_permission_is_refused_and_not_audited(people, world, api_as):
    # GIS administrators see the (masked) records they import, but may not reveal by default.
    response = reveal(api_as(world.gis_admin), people.in_a)
    assert response.status_code == 403
    assert people.id_a not in response.content.decode()
    assert not RevealAudit.objects.exists()


def test_the_permission_can_be_given_to_one_user(people, world, api_as):
    world.gis_admin.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    assert reveal(api_as(world.gis_admin), people.in_a).status_code == 200
    assert RevealAudit.objects.count() == 1


def test_the_web_page_reveals_after_a_reason_and_audits_once(people, world, client):
    client.force_login(world.community_staff)
    url = f"/residents/people/{people.in_a.pk}/reveal/"
    refused = client.post(url, {"field_name": "id_number", "id_number-field": "id_number", "id_number-reason": ""})
    assert refused.status_code == 400 and people.id_a not in refused.content.decode()
    assert not RevealAudit.objects.exists()
    shown = client.post(url, {"field_name": "id_number", "id_number-field": "id_number", "id_number-reason": REASON})
    assert shown.status_code == 200
    assert people.id_a in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    assert RevealAudit.objects.filter(via="web", reason=REASON).count() == 1
    # The next plain view of the page is masked again.
    assert people.id_a not in client.get(f"/residents/people/{people.in_a.pk}/").content.decode()


def test_administrators_read_the_audit_log_and_nobody_else_does(people, world, client, api_as, django_user_model):
    reveal(api_as(world.community_staff), people.in_a)
    client.force_login(world.community_staff)
    assert client.get("/residents/audit/").status_code == 404
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x-very-long-password-1")
    client.force_login(admin)
    page = client.get("/residents/audit/").content.decode()
    assert REASON in page and people.in_a.name in page and world.community_staff.username in page
    assert client.get("/admin/residents/revealaudit/").status_code == 200
    world.gis_admin.user_permissions.add(Permission.objects.get(codename="view_revealaudit"))
    client.force_login(world.gis_admin)
    assert REASON in client.get("/residents/audit/").content.decode()

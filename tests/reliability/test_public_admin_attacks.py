"""The admin of the public side (PublicCase, Verdict, SpamMark): staff given the admin's view
permission see only their jurisdiction's rows, may not lift spam marks, and anonymous visitors are
sent to the login."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from dispatch import actions
from dispatch.models import SpamMark
from incidents.actions import machine
from incidents.models import Incident
from tests.dispatch.public_helpers import file_as_resident

pytestmark = pytest.mark.django_db

MODELS = ("publiccase", "verdict", "spammark")


def _staff_of(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="dispatch", codename__in=[f"view_{m}" for m in MODELS]))
    client = Client()
    client.force_login(user)
    return client


def test_staff_see_only_their_jurisdictions_public_sides_and_cannot_lift_marks(world):
    file_as_resident(where=world.cell_a, phone="13600003333")  # community 1
    file_as_resident(where=world.cell_b, phone="13600004444", ip="192.0.2.70")  # community 2
    inside, outside = Incident.objects.get(cell=world.cell_a), Incident.objects.get(cell=world.cell_b)
    machine.run("mark_spam", outside, actor=world.dispatcher, data={})
    client = _staff_of(world.community_staff)  # community 1's staff
    listing = client.get("/admin/dispatch/publiccase/")
    assert listing.status_code == 200
    assert client.get(f"/admin/dispatch/publiccase/{inside.public.pk}/change/").status_code == 200
    # Another community's rows: not listed, and their pages answer as missing (admin redirects home).
    assert client.get(f"/admin/dispatch/publiccase/{outside.public.pk}/change/").status_code == 302
    mark = SpamMark.objects.first()
    assert client.get(f"/admin/dispatch/spammark/{mark.pk}/change/").status_code == 302
    assert str(outside.public.pk) not in [str(pk) for pk in listing.context["cl"].result_list.values_list("pk", flat=True)]
    # Lifting is the administrator's: not offered to staff, refused by the action itself.
    response = client.post("/admin/dispatch/spammark/", {"action": "lift", "_selected_action": [mark.pk]})
    assert SpamMark.objects.filter(pk=mark.pk).exists() and response.status_code in (200, 302)
    with pytest.raises(actions.NotAllowed):
        actions.lift_spam_marks([mark], actor=world.dispatcher)


def test_anonymous_visitors_are_sent_to_the_admin_login(world):
    for name in MODELS:
        response = Client().get(f"/admin/dispatch/{name}/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

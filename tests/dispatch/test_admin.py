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

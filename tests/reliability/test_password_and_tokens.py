"""Issue 13, item 8: a password change ends every sign-in; tokens expire; passwords can be
changed by their owner and reset by an administrator.

The attacks: a token stolen from a phone keeps working after the owner changed the password
(and signing in again handed out the very same token); a token never ends; a second browser
stays signed in after the password changed; a reset link works twice.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import fastauth, passwords, tokens
from accounts.models import ApiToken
from tests.world import PASSWORD

NEW = "a-much-Longer-passphrase-2026"


def _token(user, password=PASSWORD) -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# DRF answers 403 rather than 401 when the first authentication class (sessions) names no scheme.
def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _lookup(client: APIClient, world) -> int:
    """The point lookup: authenticated by fastauth, whose answers are remembered per process."""
    point = world.cell_a.boundary.point_on_surface
    return client.get(f"/api/v1/areas/lookup/?lat={point.y:.6f}&lng={point.x:.6f}").status_code


def _works(key: str, world) -> bool:
    return _api(key).get("/api/v1/incidents/").status_code == 200 and _lookup(_api(key), world) == 200


def _session(user, password=PASSWORD) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": password}).status_code == 302
    assert "_auth_user_id" in client.session
    return client


def _signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


@pytest.fixture(autouse=True)
def _fresh_token_memory():
    fastauth.forget_tokens()
    yield
    fastauth.forget_tokens()


def test_signing_in_twice_gives_two_different_tokens_both_usable(world):
    first, second = _token(world.dispatcher), _token(world.dispatcher)
    assert first["token"] != second["token"] and first["refresh"] != second["refresh"]
    assert _works(first["token"], world) and _works(second["token"], world)
    assert not ApiToken.objects.filter(key_hash=first["token"]).exists(), "keys are stored hashed, not in clear"


CHANGES = {
    "page": lambda client, user: client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}),
    "api": lambda client, user: client.post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW}),
    "admin temporary password": lambda client, user: passwords.set_temporary_password(user),
    "shell": lambda client, user: (user.set_password(NEW), user.save()),
}


@pytest.mark.parametrize("how", list(CHANGES))
def test_a_password_change_ends_every_token_and_every_other_session(world, how):
    user = world.street_staff
    stolen = _token(user)["token"]
    assert _works(stolen, world)  # …and the lookup has remembered it in this process
    other_browser = _session(user)
    changer = _session(user)
    CHANGES[how](changer, user)
    user.refresh_from_db()
    assert not user.check_password(PASSWORD)
    assert _api(stolen).get("/api/v1/incidents/").status_code in (401, 403)
    assert _lookup(_api(stolen), world) in (401, 403), "the cached lookup must forget the token at once"
    assert not _signed_in(other_browser), "another browser stays signed in after the password changed"
    if how == "page":
        assert _signed_in(changer), "whoever changed the password stays signed in"


def test_the_api_password_change_answers_a_fresh_pair_for_the_phone_that_made_it(world):
    user = world.grid_worker_a
    pair = _token(user)
    response = _api(pair["token"]).post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW}, format="json")
    assert response.status_code == 200, response.content
    fresh = response.json()
    assert fresh["token"] != pair["token"] and _works(fresh["token"], world)
    assert not _works(pair["token"], world)
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    "body, field",
    [({"old_password": "wrong", "new_password": NEW}, "old_password"), ({"old_password": PASSWORD, "new_password": "short"}, "new_password"),
     ({"old_password": PASSWORD, "new_password": "1234567890123"}, "new_password")],
)
def test_a_bad_password_change_says_which_field_and_changes_nothing(world, body, field):
    key = _token(world.leader)["token"]
    response = _api(key).post("/api/v1/auth/password/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    world.leader.refresh_from_db()
    assert world.leader.check_password(PASSWORD) and _works(key, world)


def test_the_password_page_refuses_a_wrong_current_password(world):
    client = _session(world.community_staff)
    response = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    world.community_staff.refresh_from_db()
    assert world.community_staff.check_password(PASSWORD)


def test_a_token_expires_and_the_phone_stays_signed_in_by_refreshing(world, settings):
    pair = _token(world.grid_worker_a)
    ApiToken.objects.filter(user=world.grid_worker_a).update(expires_at=timezone.now() - timedelta(seconds=1))
    fastauth.forget_tokens()
    refused = _api(pair["token"]).get("/api/v1/incidents/")
    assert refused.status_code in (401, 403) and "refresh" in refused.json()["detail"]
    assert _lookup(_api(pair["token"]), world) in (401, 403)
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 200, response.content
    renewed = response.json()
    assert _works(renewed["token"], world)
    # A refresh key works once: a copy taken from the phone is useless after the phone used it.
    again = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code in (401, 403)


def test_the_lifetimes_come_from_the_settings(world, settings):
    settings.GRIDGOV_TOKEN_SECONDS = 600
    settings.GRIDGOV_TOKEN_REFRESH_SECONDS = 7200
    before = timezone.now()
    issued = tokens.issue(world.dispatcher)
    assert timedelta(seconds=590) < issued.expires_at - before <= timedelta(seconds=601)
    assert timedelta(seconds=7190) < issued.refresh_expires_at - before <= timedelta(seconds=7201)


def test_a_refresh_key_past_its_end_or_of_a_deactivated_user_gets_nothing(world):
    pair = _token(world.dispatcher)
    ApiToken.objects.filter(user=world.dispatcher).update(refresh_expires_at=timezone.now())
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code in (401, 403)
    pair = _token(world.leader)
    world.leader.is_active = False
    world.leader.save()
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code in (401, 403)


def test_revoking_a_token_signs_that_phone_out_only(world):
    phone, laptop = _token(world.dispatcher)["token"], _token(world.dispatcher)["token"]
    assert _works(phone, world)
    assert _api(phone).post("/api/v1/auth/token/revoke/").status_code == 204
    assert not _works(phone, world) and _works(laptop, world)


def test_a_temporary_password_must_be_changed_before_anything_else(world):
    user = world.community_staff
    temporary = passwords.set_temporary_password(user)
    client = _session(user, temporary)
    page = client.get("/incidents/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/password/")
    assert client.get("/api/v1/incidents/").status_code == 403
    key = _token(user, temporary)["token"]
    refused = _api(key).get("/api/v1/incidents/")
    assert refused.status_code == 403 and "/api/v1/auth/password/" in refused.json()["detail"]
    response = client.post("/accounts/password/", {"old_password": temporary, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/incidents/").status_code == 200


def test_a_password_an_administrator_types_in_the_admin_is_temporary(world):
    admin = Client()
    admin.force_login(world.gis_admin.__class__.objects.create_superuser("root-admin", "root@example.cn", NEW))
    user = world.leader
    response = admin.post(f"/admin/accounts/user/{user.pk}/password/", {"password1": NEW + "x", "password2": NEW + "x", "usable_password": "true"})
    assert response.status_code == 302, response.content[:500]
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(NEW + "x")


def test_an_emailed_reset_link_works_once(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = world.dispatcher
    user.email = "dispatcher@example.cn"
    user.save(update_fields=["email"])
    stolen = _token(user)["token"]
    admin = Client()
    admin.force_login(user.__class__.objects.create_superuser("root-admin", "root@example.cn", NEW))
    admin.post("/admin/accounts/user/", {"action": "send_reset_links", "_selected_action": [user.pk]})
    [message] = mail.outbox
    assert message.to == ["dispatcher@example.cn"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"].startswith("/accounts/login/")
    user.refresh_from_db()
    assert user.check_password(NEW) and not _works(stolen, world)
    second = Client().get(link, follow=True)
    assert "new_password1" not in second.content.decode(), "a used reset link must not work again"


def test_a_refresh_key_used_twice_is_refused_and_ends_every_pair_of_that_sign_in(world):
    """The copy of a refresh key and the phone cannot be told apart: the second use ends the
    whole sign-in (the pair the first use issued too), while the user's other sign-ins go on."""
    stolen = _token(world.grid_worker_a)
    laptop = _token(world.grid_worker_a)
    first = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": stolen["refresh"]}, format="json")
    assert first.status_code == 200, first.content
    renewed = first.json()
    assert _works(renewed["token"], world)
    again = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": stolen["refresh"]}, format="json")
    assert again.status_code in (401, 403) and "token" not in again.json()
    assert not _works(renewed["token"], world), "the pair issued from the reused key must end with it"
    refused = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": renewed["refresh"]}, format="json")
    assert refused.status_code in (401, 403)
    assert _works(laptop["token"], world), "another sign-in of the same user is not the copied one"

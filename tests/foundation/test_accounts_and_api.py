"""Signing in on the web and through the API."""
from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from tests.world import PASSWORD


def test_a_token_from_username_and_password_opens_the_api(world):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "dispatcher", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(f"/api/v1/areas/{world.cell_b.code}/").status_code == 200


def test_a_token_opens_the_api_as_its_user_and_stops_at_once_when_the_user_is_deactivated(world, api_as):
    client = api_as(world.dispatcher)
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 200
    assert response.wsgi_request.user == world.dispatcher
    assert response.wsgi_request.user.role == world.dispatcher.role
    world.dispatcher.is_active = False
    world.dispatcher.save()
    refused = client.get("/api/v1/incidents/")
    assert refused.status_code in (401, 403)
    assert refused.json()["detail"] == "用户未激活或者已删除。"


def test_an_unknown_token_is_refused_with_the_reason(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "f" * 40)
    refused = client.get("/api/v1/incidents/")
    assert refused.status_code in (401, 403)
    assert refused.json()["detail"] == "认证令牌无效。"


def test_a_wrong_password_gets_no_token_and_says_why(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": "dispatcher", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_pages_ask_for_login(world):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_each_role_has_a_home_page_that_names_the_role(world):
    for user in world.users().values():
        client = Client()
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, user.username
        assert user.get_role_display() in response.content.decode()


def test_the_grid_worker_home_lists_their_cells(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    page = client.get("/").content.decode()
    assert world.cell_a.code in page
    assert world.cell_b.code not in page


def test_pages_are_chinese_by_default_and_english_after_the_switch(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(world.dispatcher)
    assert "退出" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()


def test_passwords_are_hashed_with_argon2(world):
    assert world.dispatcher.password.startswith("argon2$")


def test_the_map_page_starts_from_the_users_jurisdiction(world):
    client = Client()
    client.force_login(world.street_staff)
    page = client.get("/map/").content.decode()
    assert f'data-start-codes="{world.street_1.code}"' in page


def test_every_model_has_a_working_admin_page(world):
    from django.contrib import admin

    client = Client()
    world.gis_admin.is_superuser = True
    world.gis_admin.save()
    client.force_login(world.gis_admin)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


def test_a_nul_character_in_the_address_is_a_clear_400_not_a_server_error(world, api_as):
    client = api_as(world.dispatcher)
    response = client.get("/api/v1/areas/", {"parent": "110\x00101"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert client.get("/api/v1/areas/99%0001/").status_code == 400

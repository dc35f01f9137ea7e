"""Issue 13, item 9: a server error shows the product's own page, never a traceback.

The attack: under `make run` (DEBUG on) any server error showed Django's technical page — the
traceback, local variables and settings — to an anonymous visitor, and an unknown address listed
every URL pattern of the product. The demo now runs without DEBUG, and even a DEBUG process
keeps technical pages for a signed-in superuser.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.reliability.urls_failing")

ROOT = Path(__file__).resolve().parents[2]
MARKER = "SECRET-TRACEBACK-MARKER"


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("persona", [None, "grid_worker_a", "gis_admin"])
def test_a_server_error_is_the_products_page(world, settings, debug, persona):
    settings.DEBUG = debug
    user = getattr(world, persona) if persona else None
    page = _client(user).get("/failing/")
    assert page.status_code == 500
    body = page.content.decode()
    assert MARKER not in body and "Traceback" not in body and "SECRET_KEY" not in body
    assert "<h1>" in body and page["Content-Type"].startswith("text/html")
    api = _client(user).get("/api/v1/failing/", HTTP_ACCEPT="application/json")
    assert api.status_code == 500 and MARKER not in api.content.decode() and "detail" in api.json()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_unknown_address_does_not_list_the_url_patterns(world, settings, debug):
    settings.DEBUG = debug
    for path in ("/no-such-page/", "/api/v1/no-such-endpoint/"):
        response = _client().get(path)
        assert response.status_code == 404
        body = response.content.decode()
        assert "Django tried these URL patterns" not in body and "api/v1/" not in body.replace(path, ""), body[:300]


def test_under_debug_a_superuser_still_gets_the_technical_page(world, settings, django_user_model):
    settings.DEBUG = True
    root = django_user_model.objects.create_superuser("developer", "dev@example.cn", "a-developer-passphrase-1")
    response = _client(root).get("/failing/")
    assert response.status_code == 500 and MARKER in response.content.decode()


def test_the_demo_runs_without_debug():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert 'export GRIDGOV_DEBUG="${GRIDGOV_DEBUG:-0}"' in script
    assert script.index("GRIDGOV_DEBUG") < script.index("manage.py runserver")

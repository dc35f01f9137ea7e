"""Security behaviour a district's auditor checks: login throttling, password hashing, security
headers, upload limits. (`check --deploy` in production settings: tests/foundation.)"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from tests.world import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "s" * 20 + "-production-secret-for-the-security-test-" + "y" * 20


@pytest.fixture
def axes_on(settings):
    """django-axes as configured for production (the shared conftest turns it off for other tests)."""
    from axes.utils import reset

    settings.AXES_ENABLED = True
    reset()
    yield settings.AXES_FAILURE_LIMIT
    reset()


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_it_locks_a_login_out_after_repeated_failures_even_with_the_right_password(world, axes_on):
    limit = axes_on
    client = Client()
    for attempt in range(limit):
        response = _login(client, world.grid_worker_a.username, f"wrong-{attempt}")
        assert not _signed_in(client)
    response = _login(client, world.grid_worker_a.username, PASSWORD)
    assert not _signed_in(client), "the right password must not open a locked-out account"
    assert response.status_code in (403, 429), response.status_code


def test_the_lockout_holds_for_that_account_only(world, axes_on):
    client = Client()
    for attempt in range(axes_on):
        _login(client, world.grid_worker_a.username, f"wrong-{attempt}")
    other = Client()
    _login(other, world.grid_worker_b.username, PASSWORD)
    assert _signed_in(other), "a colleague at the same address must still be able to sign in"


def test_a_few_mistakes_below_the_limit_do_not_lock_anybody_out(world, axes_on):
    client = Client()
    for attempt in range(axes_on - 1):
        _login(client, world.grid_worker_a.username, f"wrong-{attempt}")
    _login(client, world.grid_worker_a.username, PASSWORD)
    assert _signed_in(client)


def test_the_token_endpoint_is_throttled_too(world, axes_on):
    """Password guessing through the API must meet the same lockout as the login page."""
    client = Client()
    for attempt in range(axes_on):
        response = client.post("/api/v1/auth/token/", {"username": world.dispatcher.username, "password": f"wrong-{attempt}"})
        assert response.status_code in (400, 401, 403, 429), response.status_code
    response = client.post("/api/v1/auth/token/", {"username": world.dispatcher.username, "password": PASSWORD})
    assert response.status_code != 200 and "token" not in response.content.decode(), response.content[:300]


def test_passwords_are_stored_with_argon2(world):
    world.leader.set_password("a-Long-and-new-passphrase-2025")
    world.leader.save()
    world.leader.refresh_from_db()
    assert world.leader.password.startswith("argon2$argon2id$"), world.leader.password[:20]
    assert "a-Long-and-new-passphrase-2025" not in world.leader.password


def test_an_old_pbkdf2_hash_is_upgraded_to_argon2_at_the_next_login(world):
    user = world.street_staff
    type(user).objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    client = Client()
    _login(client, user.username, PASSWORD)
    assert _signed_in(client)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/map/", "/api/v1/incidents/categories/"])
def test_pages_and_api_answers_carry_the_security_headers(world, path):
    client = Client()
    if path != "/accounts/login/":  # signed in, the login page sends you home
        client.force_login(world.grid_worker_a)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    # Everything is served from our own static files: no CDN may be allowed to run scripts.
    script_src = next((part for part in csp.split(";") if part.strip().startswith("script-src")), "")
    assert "http" not in script_src and "*" not in script_src, script_src
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response, "HSTS only in production, behind HTTPS"


_PRODUCTION_PROBE = """
import json
from django.test import Client
client = Client()
out = {}
for name, kwargs in [("https", {"secure": True}), ("http", {"secure": False})]:
    response = client.get("/no-such-page/", HTTP_HOST="grid.example.cn", **kwargs)
    out[name] = {"status": response.status_code, "headers": dict(response.headers)}
response = client.get("/", HTTP_HOST="grid.example.cn", secure=True)
out["home"] = {"status": response.status_code, "headers": dict(response.headers)}
print("PROBE" + json.dumps(out))
"""


def test_production_sends_hsts_and_redirects_plain_http():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    environment.update(
        GRIDGOV_PRODUCTION="1", GRIDGOV_SECRET_KEY=STRONG_KEY, GRIDGOV_ALLOWED_HOSTS="grid.example.cn",
        # Production refuses to start without the resident-data keys (residents.privacy).
        GRIDGOV_RESIDENT_KEYS="k1:" + base64.b64encode(b"k" * 32).decode(),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _PRODUCTION_PROBE], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=120,
    )
    line = next((l for l in result.stdout.splitlines() if l.startswith("PROBE")), None)
    assert line, result.stdout + result.stderr
    probe = json.loads(line[len("PROBE"):])
    hsts = probe["https"]["headers"].get("Strict-Transport-Security", "")
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts, probe["https"]["headers"]
    assert probe["http"]["status"] == 301 and probe["http"]["headers"]["Location"].startswith("https://"), probe["http"]
    home = probe["home"]["headers"]
    assert probe["home"]["status"] == 302 and "Content-Security-Policy" in home and "Strict-Transport-Security" in home


def test_a_form_post_larger_than_the_upload_limit_is_refused_not_stored(world, settings):
    client = Client()
    client.force_login(world.dispatcher)
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    response = client.post("/incidents/hotline/", {"description": big, "lat": "39.6", "lng": "116.7"})
    assert response.status_code == 400, response.status_code


def test_a_json_body_larger_than_the_upload_limit_is_refused_by_the_api(world, settings, api_as):
    from incidents.models import Incident

    before = Incident.objects.count()
    point = world.cell_a.boundary.point_on_surface
    body = {"category": "E0103", "lat": point.y, "lng": point.x, "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)}
    response = api_as(world.grid_worker_a).post("/api/v1/incidents/", json.dumps(body), content_type="application/json")
    assert response.status_code in (400, 413), (response.status_code, response.content[:200])
    assert Incident.objects.count() == before


def test_too_many_form_fields_are_refused(world, settings):
    client = Client()
    client.force_login(world.dispatcher)
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}
    response = client.post("/incidents/hotline/", fields)
    assert response.status_code == 400


def test_an_oversized_photo_is_refused_with_a_clear_error(world, api_as, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents.models import Incident
    from incidents.photos import max_bytes

    settings.MEDIA_ROOT = tmp_path
    before = Incident.objects.count()
    point = world.cell_a.boundary.point_on_surface
    photo = SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff\xe0" + b"0" * (max_bytes() + 1), content_type="image/jpeg")
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/", {"category": "E0103", "lat": point.y, "lng": point.x, "photos": [photo]}, format="multipart"
    )
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert "photo" in response.content.decode().lower()
    assert Incident.objects.count() == before


PROXY = "10.0.0.5"


def _login_via_proxy(username: str, password: str, client_ip: str, forwarded_for: str | None = None) -> Client:
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for or client_ip)
    _login(client, username, password)
    return client


def test_behind_the_proxy_a_lockout_holds_for_the_user_at_that_client_only(world, axes_on, settings):
    """Every request reaches Django from the proxy's address: without reading the client's address
    from the trusted proxy's header, one attacker locked a user out from every phone."""
    settings.GRIDGOV_TRUSTED_PROXIES = [PROXY]
    for attempt in range(axes_on):
        _login_via_proxy(world.grid_worker_a.username, f"wrong-{attempt}", "203.0.113.66")
    assert not _signed_in(_login_via_proxy(world.grid_worker_a.username, PASSWORD, "203.0.113.66"))
    assert _signed_in(_login_via_proxy(world.grid_worker_a.username, PASSWORD, "198.51.100.10")), (
        "the same user on her own phone (another client address behind the proxy) must still sign in")
    assert _signed_in(_login_via_proxy(world.grid_worker_b.username, PASSWORD, "203.0.113.66"))


def test_a_forged_forwarded_address_does_not_escape_the_lockout(world, axes_on, settings):
    """The proxy appends the address it saw: what a client wrote before it is not believed, and a
    header sent straight to the server (not through a trusted proxy) is ignored."""
    settings.GRIDGOV_TRUSTED_PROXIES = ["10.0.0.0/24"]
    for attempt in range(axes_on):
        _login_via_proxy(world.grid_worker_a.username, f"wrong-{attempt}", "203.0.113.66",
                         forwarded_for=f"192.0.2.{attempt}, 203.0.113.66")
    forged = _login_via_proxy(world.grid_worker_a.username, PASSWORD, "203.0.113.66",
                              forwarded_for="192.0.2.99, 203.0.113.66")
    assert not _signed_in(forged)
    direct = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.100")
    _login(direct, world.grid_worker_a.username, PASSWORD)
    assert not _signed_in(direct), "a header from an untrusted sender must not name a fresh address"


def test_without_trusted_proxies_the_header_is_ignored(rf, settings):
    from gridgov.client_ip import client_address

    settings.GRIDGOV_TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_address(request) == "203.0.113.66"
    settings.GRIDGOV_TRUSTED_PROXIES = ["203.0.113.66"]
    settings.GRIDGOV_CLIENT_IP_HEADER = "X-Real-IP"
    request = rf.get("/", REMOTE_ADDR="203.0.113.66", HTTP_X_REAL_IP="[2001:db8::7]:443")
    assert client_address(request) == "2001:db8::7"

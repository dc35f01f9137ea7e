"""Issue 13, item 3: internal photos are not public.

The attacks: fetch ``/media/<path>`` of a case photo without signing in (Django's development
media server served MEDIA_ROOT to anybody under DEBUG); read Open311's ``media_url`` of a request,
which pointed at the case's first photo of any stage — staff photos included — as a public file.
"""
from __future__ import annotations

import importlib
import io

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import Resolver404, clear_url_caches, resolve
from PIL import Image

from dispatch import actions as dispatch_actions
from incidents.models import IncidentPhoto, TimelineEntry


def _jpeg(size=(1600, 1200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _photo(incident, *, by, stage="before", entry=None) -> IncidentPhoto:
    photo = IncidentPhoto(incident=incident, stage=stage, uploaded_by=by, entry=entry, width=1600, height=1200)
    photo.image.save("p.jpg", ContentFile(_jpeg()), save=False)
    photo.save()
    return photo


@pytest.fixture
def case(world, api_as):
    point = world.cell_a.boundary.point_on_surface
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/", {"category": "E0103", "lat": point.y, "lng": point.x}, format="json"
    )
    assert response.status_code == 201, response.content
    from incidents.models import Incident

    return Incident.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_stored_photo_has_no_public_url(world, case, settings, debug):
    photo = _photo(case, by=world.grid_worker_a)
    settings.DEBUG = debug
    import gridgov.urls

    try:
        clear_url_caches()
        importlib.reload(gridgov.urls)  # the URL configuration as a DEBUG process builds it
        with pytest.raises(Resolver404):
            resolve(settings.MEDIA_URL + photo.image.name)
        for client in (Client(), _signed_in(world.dispatcher)):
            assert client.get(settings.MEDIA_URL + photo.image.name).status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(gridgov.urls)
        clear_url_caches()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_photo_view_checks_the_scope(world, case):
    photo = _photo(case, by=world.grid_worker_a)
    url = f"/api/v1/incidents/photos/{photo.pk}/"
    assert Client().get(url).status_code in (401, 403)
    assert _signed_in(world.grid_worker_b).get(url).status_code == 404  # another street's worker
    assert _signed_in(world.community_staff).get(url).status_code == 200
    response = _signed_in(world.grid_worker_a).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in response["Cache-Control"]


def test_the_case_pages_link_photos_through_the_scoped_view(world, case, settings):
    photo = _photo(case, by=world.grid_worker_a)
    for page in (f"/incidents/{case.pk}/", f"/dispatch/case/{case.pk}/"):
        body = _signed_in(world.dispatcher).get(page).content.decode()
        assert f"/api/v1/incidents/photos/{photo.pk}/" in body, page
        assert photo.image.name not in body and settings.MEDIA_URL not in body, page


@pytest.mark.parametrize("mode, header", [("x-accel-redirect", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")])
def test_in_production_the_web_server_sends_the_file_after_the_scope_check(world, case, settings, mode, header):
    settings.GRIDGOV_MEDIA_SENDFILE = mode
    settings.GRIDGOV_MEDIA_INTERNAL_URL = "/protected-media/"
    photo = _photo(case, by=world.grid_worker_a)
    url = f"/api/v1/incidents/photos/{photo.pk}/"
    response = _signed_in(world.grid_worker_a).get(url)
    assert response.status_code == 200 and response.content == b""
    expected = "/protected-media/" + photo.image.name if mode == "x-accel-redirect" else str(settings.MEDIA_ROOT / photo.image.name)
    assert response[header] == expected
    refused = _signed_in(world.grid_worker_b).get(url)
    assert refused.status_code == 404 and header not in refused


@pytest.fixture
def open311_case(world):
    client, _key = dispatch_actions.create_open311_client(name="城市App", district=world.district)
    point = world.cell_a.boundary.point_on_surface
    from django.contrib.gis.geos import Point

    from incidents.models import Category

    request = dispatch_actions.file_open311_request(
        client, category=Category.objects.get(code="C0101"), location=Point(point.x, point.y, srid=4326), description="井盖不见了",
    )
    return request.incident


def _media_url(incident) -> str:
    [item] = Client().get(f"/open311/v2/requests/{incident.pk}.json").json()
    return item["media_url"]


def test_open311_never_publishes_a_photo_the_staff_did_not_choose(world, open311_case):
    # Photos added by the staff (the department's after-photo, a dispatcher's added information).
    _photo(open311_case, by=world.department_handler, stage="after")
    later = TimelineEntry.objects.filter(incident=open311_case).order_by("-version").first()
    _photo(open311_case, by=world.dispatcher, stage="before", entry=later)
    assert _media_url(open311_case) == ""
    # Nor can the public URL be made for them by guessing: the token is signed.
    staff = IncidentPhoto.objects.filter(incident=open311_case).first()
    assert Client().get(f"/open311/v2/media/{staff.pk}.jpg").status_code == 404
    forged = signing.dumps(staff.pk, salt="open311-media", compress=False)
    assert Client().get(f"/open311/v2/media/{forged}.jpg").status_code == 404, "a staff photo is never public"


def test_open311_publishes_the_photo_the_staff_chose_as_a_separate_smaller_copy(world, open311_case):
    first = TimelineEntry.objects.get(incident=open311_case, version=1)
    own = _photo(open311_case, by=open311_case.reporter, entry=first)
    assert _media_url(open311_case) == ""  # the reporter's before-photo is private by default
    dispatch_actions.publish(open311_case, actor=world.grid_worker_a, public_photo=own)
    url = _media_url(open311_case)
    assert "/open311/v2/media/" in url and own.image.name not in url and "/api/" not in url
    response = Client().get(url.split("testserver", 1)[1])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("public")
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert max(image.size) <= 1024 and not image.getexif()
    # The internal original stays behind the scope check.
    assert Client().get(f"/api/v1/incidents/photos/{own.pk}/").status_code in (401, 403)

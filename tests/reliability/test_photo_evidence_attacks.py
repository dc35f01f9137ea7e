"""Attacks on photo evidence: forged EXIF values sent with a photo (year 0 / 9999, NaN, huge
strings, NUL bytes, nesting), forged EXIF inside the file itself, and a client trying to set the
hash or the marks. Each is a clear 400 or a photo recorded as "unverified" — never a 500, and the
hash is always the server's."""
from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Incident, IncidentPhoto
from tests.dispatch.public_helpers import file_as_resident
from tests.photo_jpeg import camera_jpeg, pixels_sha256, plain_jpeg

pytestmark = pytest.mark.django_db


def _upload(data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", data or plain_jpeg(), content_type="image/jpeg")


def _file(api_as, world, **fields):
    point = world.cell_a.boundary.point_on_surface
    return api_as(world.grid_worker_a).post(
        "/api/v1/incidents/", {"category": "E0103", "lat": point.y, "lng": point.x, "photos": [_upload()], **fields},
        format="multipart",
    )


FORGED = {
    "year 0": [{"taken_at": "0000-01-01T00:00:00"}],
    "year 9999": [{"taken_at": "9999-12-31T23:59:59"}],
    "exif year 0": [{"taken_at": "0000:00:00 00:00:00"}],
    "NaN literal": "[{\"lat\": NaN, \"lng\": 116.4}]",
    "Infinity": "[{\"lat\": Infinity, \"lng\": -Infinity}]",
    "overflow": "[{\"lat\": 1e400, \"lng\": 116.4}]",
    "NaN string": [{"lat": "NaN", "lng": "nan"}],
    "latitude 500": [{"lat": 500, "lng": 116.4}],
    "booleans": [{"lat": True, "lng": False}],
    "only a latitude": [{"lat": 39.9}],
    "NUL in time": [{"taken_at": "2026-12-03T09:30:00\x00"}],
    "long time": [{"taken_at": "2026-12-03T09:30:00" + "0" * 5000}],
    "bad offset": [{"taken_at": "2026-12-03T09:30:00", "offset": "+99:99"}],
    "object in time": [{"taken_at": {"$gt": ""}}],
    "nested": "[" * 500 + "]" * 500,
    "not a list": {"taken_at": "2026-12-03T09:30:00"},
    "two entries for one photo": [{}, {}],
    "a string entry": ["2026-12-03T09:30:00"],
    "not JSON": "taken yesterday",
}


@pytest.mark.parametrize("name", list(FORGED))
def test_forged_exif_sent_with_a_photo_files_the_report_marked_unverified(world, api_as, name):
    raw = FORGED[name]
    response = _file(api_as, world, photos_exif=raw if isinstance(raw, str) else json.dumps(raw))
    assert response.status_code == 201, response.content[:300]
    stored = IncidentPhoto.objects.get(incident_id=response.json()["id"])
    assert stored.flags == ["unverified"], (name, stored.flags)
    marks = api_as(world.grid_worker_a).get(f"/api/v1/incidents/{stored.incident_id}/").json()["photos"][0]["marks"]
    assert marks and "未经核实" in marks[0] or "Unverified" in marks[0]


def test_a_huge_exif_field_is_a_400_naming_the_photos_and_files_nothing(world, api_as):
    response = _file(api_as, world, photos_exif=json.dumps([{"taken_at": "x" * 40_000}]))
    assert response.status_code == 400
    assert "photos" in response.json()["errors"] and "EXIF" in response.json()["detail"]
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_the_hash_and_the_marks_cannot_be_set_by_the_client(world, api_as):
    data = camera_jpeg(size=(120, 90))
    claims = json.dumps([{"original_sha256": "0" * 64, "sha256": "0" * 64, "flags": [], "stamped": False}])
    point = world.cell_a.boundary.point_on_surface
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/",
        {"category": "E0103", "lat": point.y, "lng": point.x, "photos": [_upload(data)], "photos_exif": claims,
         "original_sha256": "0" * 64, "flags": "[]", "stamped": "false"},
        format="multipart",
    )
    assert response.status_code == 201
    stored = IncidentPhoto.objects.get(incident_id=response.json()["id"])
    assert stored.original_sha256 == pixels_sha256(data) != "0" * 64
    assert stored.flags == ["no_exif"] and stored.stamped


def _forged_file_exif(**ifds) -> bytes:
    image, exif = Image.new("RGB", (80, 60), (10, 10, 10)), Image.Exif()
    for tag, value in ifds.items():
        exif[int(tag.removeprefix("t"), 16)] = value
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize("ifds", [
    {"t8769": {0x9003: "0000:00:00 00:00:00"}},
    {"t8769": {0x9003: "9999:12:31 23:59:59"}},
    {"t8769": {0x9003: "x" * 2000}},
    {"t8825": {1: "N", 2: (999.0, 0.0, 0.0), 3: "E", 4: (116.0, 0.0, 0.0)}},
    {"t8769": {0x9003: "2026:12:03 09:30:00\x00forged"}},
], ids=["year 0", "year 9999", "long", "latitude 999", "NUL inside"])
def test_forged_exif_inside_the_file_is_unverified_and_not_kept(world, api_as, ifds):
    point = world.cell_a.boundary.point_on_surface
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/", {"category": "E0103", "lat": point.y, "lng": point.x, "photos": [_upload(_forged_file_exif(**ifds))]},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    stored = IncidentPhoto.objects.get(incident_id=response.json()["id"])
    assert stored.flags in (["unverified"], ["no_exif"]), stored.flags
    with stored.image.open("rb") as handle:
        assert b"Exif\x00\x00" not in handle.read()


def test_forged_exif_on_an_act_and_on_the_public_form_is_never_a_500(world, api_as):
    incident = Incident.objects.get(pk=_file(api_as, world).json()["id"])
    response = api_as(world.grid_worker_a).post(
        f"/api/v1/incidents/{incident.pk}/add_info/",
        {"photos": [_upload()], "photos_exif": "[{\"lat\": NaN}]", "expected_version": incident.version},
        format="multipart",
    )
    assert response.status_code == 200, response.content[:300]
    assert IncidentPhoto.objects.filter(incident=incident).latest("id").flags == ["unverified"]
    response, _token = file_as_resident(where=world.cell_a, photos=[_upload()], photos_exif="{" * 20_000)
    assert response.status_code == 400
    response, token = file_as_resident(where=world.cell_a, photos=[_upload()], photos_exif="[{\"taken_at\": \"9999-01-01\"}]")
    assert response.status_code in (302, 303) and token

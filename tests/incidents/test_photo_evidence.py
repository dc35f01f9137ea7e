"""Photo evidence (issue 15, item 5): the photo's own time and position are checked against the
report, the stored copy carries a visible stamp and no GPS, and the original pixels' hash is kept."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageChops

from incidents.models import IncidentPhoto
from incidents.photo_evidence import NO_CLAIM, claim_from_values, flags_for
from incidents.photos import prepare_photo
from incidents import watermark
from tests.photo_jpeg import camera_jpeg, pixels_sha256, plain_jpeg

from .conftest import inside


def _upload(data: bytes, name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


# --- the rules, one photo at a time -----------------------------------------------------------

@pytest.fixture
def here(world):
    return inside(world.cell_a)


def _flags(here, **values):
    now = timezone.now()
    claim = claim_from_values(values, "browser") if values else NO_CLAIM
    return flags_for(claim, filed_at=now, position=here)[0]


def test_a_photo_taken_just_now_at_the_report_has_no_mark(here):
    assert _flags(here, taken_at=(timezone.localtime() - timedelta(minutes=3)).isoformat(), lat=here.y, lng=here.x) == []


def test_a_photo_from_last_week_is_marked_old(here, settings):
    settings.GRIDGOV_PHOTO_MAX_AGE_MINUTES = 30
    assert _flags(here, taken_at=(timezone.localtime() - timedelta(days=7)).isoformat(), lat=here.y, lng=here.x) == ["old"]
    assert _flags(here, taken_at=(timezone.localtime() - timedelta(minutes=29)).isoformat(), lat=here.y, lng=here.x) == []


def test_a_photo_taken_a_kilometre_away_is_marked_far_with_its_distance(here, settings):
    settings.GRIDGOV_PHOTO_MAX_DISTANCE_M = 200
    claim = claim_from_values({"taken_at": timezone.localtime().isoformat(), "lat": here.y + 0.009, "lng": here.x}, "browser")
    flags, distance = flags_for(claim, filed_at=timezone.now(), position=here)
    assert flags == ["far"] and 990 < distance < 1010


def test_a_photo_without_exif_is_marked_as_such(here):
    assert _flags(here) == ["no_exif"]


def test_a_photo_with_time_but_no_gps_says_its_place_cannot_be_checked(here):
    assert _flags(here, taken_at=timezone.localtime().isoformat()) == ["no_gps"]


def test_an_exif_time_without_zone_is_the_installations_local_time(here):
    """A camera writes its wall clock; 09:30 in Beijing is 01:30 UTC."""
    claim = claim_from_values({"taken_at": "2026:11:26 09:30:00"}, "file")
    assert claim.taken_at.astimezone(timezone.get_fixed_timezone(0)).hour == 1


# --- the stored copy ---------------------------------------------------------------------------

def _report(api_as, world, data: bytes, **extra):
    point = inside(world.cell_a)
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/",
        {"category": "E0103", "lat": point.y, "lng": point.x, "address": "东华门大街 8 号", "photos": [_upload(data)], **extra},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:400]
    return response.json()["id"], IncidentPhoto.objects.get(incident_id=response.json()["id"])


def test_the_stored_copy_is_stamped_at_the_bottom_keeps_no_gps_and_the_hash_of_the_original(world, api_as):
    point = inside(world.cell_a)
    original = camera_jpeg(taken_at=timezone.now(), lat=point.y, lng=point.x, size=(800, 600))
    _id, stored = _report(api_as, world, original)
    with stored.image.open("rb") as handle:
        content = handle.read()
    assert b"GPS" not in content and b"Exif\x00\x00" not in content and b"Phonemaker" not in content
    assert not Image.open(io.BytesIO(content)).getexif()
    kept, source = Image.open(io.BytesIO(content)).convert("RGB"), Image.open(io.BytesIO(original)).convert("RGB")
    band = watermark.band_height(kept, 3)
    stamp_area = (0, kept.height - band, kept.width, kept.height)
    above = (0, 0, kept.width, kept.height - band - 4)
    assert ImageChops.difference(kept.crop(stamp_area), source.crop(stamp_area)).getbbox() is not None
    # Above the band the picture is the original's (JPEG re-encoding moves a value by a few at most).
    assert max(high for _low, high in ImageChops.difference(kept.crop(above), source.crop(above)).getextrema()) < 12
    assert stored.stamped and stored.original_sha256 == pixels_sha256(original)
    assert stored.flags == [] and stored.exif_source == "file"


def test_the_stamp_is_written_in_chinese_with_a_cjk_font():
    assert watermark.font_path(), "fonts-noto-cjk is missing: scripts/bootstrap.sh installs it"
    mark = watermark.Stamp(when="2026-12-03 09:30", place="东华门大街 8 号", cell_code="110101001001001", worker="王芳")
    assert mark.lines() == ["2026-12-03 09:30", "东华门大街 8 号", "110101001001001 · 王芳"]


def test_the_api_answers_the_marks_and_the_hash_to_staff(world, api_as):
    original = camera_jpeg(taken_at=timezone.now() - timedelta(days=7))
    incident_id, stored = _report(api_as, world, original)
    body = api_as(world.grid_worker_a).get(f"/api/v1/incidents/{incident_id}/").json()
    photo = body["photos"][0]
    assert photo["flags"] == ["old", "no_gps"] and photo["original_sha256"] == pixels_sha256(original)
    assert any("30" in mark for mark in photo["marks"]) and photo["stamped"] is True


def test_what_the_phone_read_before_shrinking_is_used_when_the_file_has_no_exif(world, api_as):
    """The report page shrinks a photo on a canvas (no EXIF left) and sends what it read as photos_exif."""
    point = inside(world.cell_a)
    last_week = timezone.localtime() - timedelta(days=7)
    claims = json.dumps([{"taken_at": last_week.strftime("%Y-%m-%dT%H:%M:%S"), "lat": point.y, "lng": point.x}])
    _id, stored = _report(api_as, world, plain_jpeg(), photos_exif=claims)
    assert stored.flags == ["old"] and stored.exif_source == "browser"
    assert abs((stored.exif_taken_at - last_week).total_seconds()) < 1


def test_a_photo_with_no_exif_at_all_is_marked_and_still_filed(world, api_as):
    _id, stored = _report(api_as, world, plain_jpeg())
    assert stored.flags == ["no_exif"] and stored.exif_taken_at is None


def test_a_photo_stored_before_evidence_was_kept_still_shows(world, api_as, file_case):
    """Rows from before the migration: no flags (null), no hash, no stamp; pages and API still work."""
    incident_id, stored = _report(api_as, world, plain_jpeg())
    IncidentPhoto.objects.filter(pk=stored.pk).update(flags=None, original_sha256="", stamped=False, exif_source="")
    client = api_as(world.grid_worker_a)
    photo = client.get(f"/api/v1/incidents/{incident_id}/").json()["photos"][0]
    assert photo["flags"] is None and photo["marks"] == [] and photo["original_sha256"] is None
    assert client.get(f"/api/v1/incidents/photos/{stored.pk}/").status_code == 200


def test_a_settlement_photo_is_checked_and_stamped_too(world, api_as):
    point = inside(world.cell_a)
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/",
        {"category": "E0103", "lat": point.y, "lng": point.x, "settled": "true",
         "photos": [_upload(camera_jpeg(taken_at=timezone.now(), lat=point.y, lng=point.x))],
         "after_photos": [_upload(camera_jpeg(taken_at=timezone.now(), lat=point.y + 0.01, lng=point.x))]},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    photos = {p.stage: p for p in IncidentPhoto.objects.filter(incident_id=response.json()["id"])}
    assert photos["before"].flags == [] and photos["after"].flags == ["far"]
    assert photos["before"].stamped and photos["after"].stamped


def test_prepare_photo_keeps_the_hash_of_the_decoded_upload():
    data = camera_jpeg(size=(100, 80))
    assert prepare_photo(_upload(data)).original_sha256 == pixels_sha256(data)

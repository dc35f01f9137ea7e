"""Attacks on a photo not processed yet: its raw upload (EXIF with the GPS position, whatever was
appended) waits in its own folder for the photo worker, and no URL may ever give it out — not the
staff's photo view, not Open311's media link, not MEDIA_ROOT, not the publish act."""
from __future__ import annotations

import re
import stat
import uuid
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dispatch.public.present import PHOTO_SALT
from incidents import actions, pending_uploads
from incidents.actions import machine, photo_queue
from incidents.models import Incident, IncidentPhoto, PendingPhoto, PhotoState
from tests.dispatch.public_helpers import file_as_resident
from tests.photo_jpeg import camera_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_limits(settings):
    # The residents' page counts filings per address in Redis, which tests share: start at none.
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-photos-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches

MARKER = b"SECRET-APPENDED-AFTER-THE-IMAGE"


def _pending_photo(world):
    raw = camera_jpeg(lat=39.9, lng=116.4) + MARKER
    file_as_resident(where=world.cell_a, photos=[SimpleUploadedFile("gps.jpg", raw, content_type="image/jpeg")])
    photo = IncidentPhoto.objects.get()
    assert photo.state == PhotoState.PENDING
    return photo


def test_no_url_answers_the_raw_upload_of_a_pending_photo(world, settings, api_as, photos_left_pending):
    photo = _pending_photo(world)
    for user in (world.dispatcher, world.grid_worker_a, world.leader):
        answer = api_as(user).get(f"/api/v1/incidents/photos/{photo.pk}/")
        assert answer.status_code == 404
    signed = signing.dumps(photo.pk, salt=PHOTO_SALT, compress=False)
    assert Client().get(f"/open311/v2/media/{signed}.jpg").status_code == 404
    for path in (f"/media/{photo.pk}", "/media/", f"/api/v1/incidents/photos/{photo.pk}/?raw=1"):
        answer = Client().get(path)
        assert answer.status_code in (302, 401, 403, 404) and MARKER not in answer.content
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not any(MARKER in p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_the_public_photo_cannot_be_a_pending_one(world, photos_left_pending):
    photo = _pending_photo(world)
    with pytest.raises(actions.InvalidInput):
        machine.run("publish", Incident.objects.get(), actor=world.grid_worker_a, data={"public_photo": str(photo.pk)})


def test_once_processed_the_stored_copy_carries_no_gps_and_nothing_appended(world, settings, photos_left_pending):
    photo = _pending_photo(world)
    photo_queue.process_pending_photo(photo.pk)
    photo.refresh_from_db()
    stored = Path(settings.MEDIA_ROOT, photo.image.name).read_bytes()
    assert MARKER not in stored and b"GPS" not in stored and b"Exif" not in stored


def test_the_upload_waits_in_its_own_folder_readable_by_the_server_alone(world, settings, photos_left_pending):
    photo = _pending_photo(world)
    pending = PendingPhoto.objects.get(photo=photo)
    path = Path(settings.GRIDGOV_PENDING_PHOTO_ROOT, pending.file_name)
    assert MARKER in path.read_bytes() and pending.data is None  # kept as it came, not in the database
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Path(settings.MEDIA_ROOT).resolve() not in path.resolve().parents
    assert re.fullmatch(rf"{photo.pk}-[0-9a-f]{{16}}\.upload", pending.file_name)  # never the client's file name


def test_a_file_name_from_the_database_cannot_leave_the_folder(world, settings):
    for name in ("../../etc/passwd", "/etc/passwd", "1-abc.upload", "1-0123456789abcdef.upload/../x", ""):
        with pytest.raises(ValueError):
            pending_uploads.read(name)

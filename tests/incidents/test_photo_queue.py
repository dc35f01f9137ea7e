"""Photos are filed at once and processed after the answer (incidents.actions.photo_queue):
what staff and the public see meanwhile, processing twice, a file that cannot be decoded, and the
hash and stamp being those the request used to compute itself."""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from incidents import pending_uploads
from incidents.actions import photo_queue
from incidents.models import Incident, IncidentPhoto, PendingPhoto, PhotoState
from incidents.photos import prepare_photo
from tests.dispatch.public_helpers import file_as_resident
from tests.photo_jpeg import camera_jpeg, pixels_sha256, plain_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_limits(settings):
    # The residents' page counts filings per address in Redis, which tests share: start at none.
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-photos-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches


def _jpeg(data: bytes, name: str = "before.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_gets_her_number_at_once_and_sees_the_photo_being_processed(world, settings, photos_left_pending):
    response, token = file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg((1600, 1200)))])
    assert response.status_code == 302 and token
    photo = IncidentPhoto.objects.get()
    assert photo.state == PhotoState.PENDING and not photo.image and _stored_files(settings) == []
    assert PendingPhoto.objects.filter(photo=photo).exists()
    status_page = Client().get(f"/public/case/{token}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "照片处理中" in status_page
    staff_page = _staff(world.dispatcher).get(f"/dispatch/case/{photo.incident_id}/").content.decode()
    assert "照片处理中" in staff_page and f"/api/v1/incidents/photos/{photo.pk}/" not in staff_page
    listed = Client().get("/open311/v2/requests.json").json()
    assert [row["photo_notice"] for row in listed if row["service_request_id"] == str(photo.incident_id)] == ["照片处理中"]

    assert photo_queue.process_pending_photo(photo.pk) == PhotoState.READY
    status_page = Client().get(f"/public/case/{token}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "照片处理中" not in status_page
    photo.refresh_from_db()
    assert photo.stamped and photo.flags == ["no_exif"] and photo.width == 1600 and not PendingPhoto.objects.exists()


def test_processing_a_photo_twice_stores_it_once(world, settings, photos_left_pending):
    file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg())])
    photo = IncidentPhoto.objects.get()
    assert photo_queue.process_pending_photo(photo.pk) == PhotoState.READY
    first = IncidentPhoto.objects.get().image.name
    assert photo_queue.process_pending_photo(photo.pk) == "done already"
    assert IncidentPhoto.objects.get().image.name == first and len(_stored_files(settings)) == 1


def test_a_photo_that_cannot_be_decoded_is_marked_for_staff_and_the_case_stays(world, settings, photos_left_pending):
    whole = plain_jpeg((800, 600))
    broken = whole[: len(whole) // 3]  # the header promises 800×600; the body stops a third of the way in
    response, _token = file_as_resident(where=world.cell_a, photos=[_jpeg(broken, "broken.jpg")])
    assert response.status_code == 302
    photo = IncidentPhoto.objects.get()
    assert photo_queue.process_pending_photo(photo.pk) == PhotoState.FAILED
    photo.refresh_from_db()
    assert photo.state == PhotoState.FAILED and "broken.jpg" in photo.failure and not photo.image
    assert Incident.objects.filter(pk=photo.incident_id).exists() and not PendingPhoto.objects.exists()
    page = _staff(world.dispatcher).get(f"/dispatch/case/{photo.incident_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "这张照片无法读取" in page and "broken.jpg" in page
    detail = _staff(world.dispatcher).get(f"/api/v1/incidents/{photo.incident_id}/").json()
    assert [(p["state"], p["url"]) for p in detail["photos"]] == [("failed", None)]
    assert _stored_files(settings) == []


def test_the_hash_and_the_marks_are_those_the_request_computed_before(world, photos_left_pending):
    data = camera_jpeg(lat=39.9, lng=116.4)
    synchronous = prepare_photo(_jpeg(data))
    file_as_resident(where=world.cell_a, photos=[_jpeg(data)])
    photo = IncidentPhoto.objects.get()
    photo_queue.process_pending_photo(photo.pk)
    photo.refresh_from_db()
    assert photo.original_sha256 == synchronous.original_sha256 == pixels_sha256(data)
    assert photo.exif_source == "file" and photo.exif_location is not None  # read from the file, in the worker


def test_a_photo_left_pending_by_a_lost_task_is_queued_again(world, photos_left_pending, monkeypatch):
    file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg())])
    PendingPhoto.objects.update(created_at=PendingPhoto.objects.get().created_at - photo_queue.STALE_AFTER * 2)
    monkeypatch.setattr(photo_queue, "enqueue", photo_queue.process_pending_photo)
    assert photo_queue.requeue_stale() == 1
    assert IncidentPhoto.objects.get().state == PhotoState.READY and photo_queue.requeue_stale() == 0


def test_a_real_celery_worker_processes_the_filed_photo(committed_world, celery_worker_process):
    response, token = file_as_resident(where=committed_world.cell_a, photos=[_jpeg(plain_jpeg((1600, 1200)))])
    assert response.status_code == 302
    deadline = time.monotonic() + 30
    while IncidentPhoto.objects.filter(state=PhotoState.PENDING).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    photo = IncidentPhoto.objects.get()
    assert photo.state == PhotoState.READY and photo.stamped and photo.image and not PendingPhoto.objects.exists()


def test_the_upload_file_goes_once_the_photo_is_stored(world, settings, photos_left_pending, django_capture_on_commit_callbacks):
    file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg())])
    photo = IncidentPhoto.objects.get()
    folder = Path(settings.GRIDGOV_PENDING_PHOTO_ROOT)
    assert len(list(folder.iterdir())) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert photo_queue.process_pending_photo(photo.pk) == PhotoState.READY
    assert list(folder.iterdir()) == []


def test_a_photo_whose_upload_was_lost_is_marked_for_staff_and_the_case_stays(world, settings, photos_left_pending):
    file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg())])
    photo = IncidentPhoto.objects.get()
    for path in Path(settings.GRIDGOV_PENDING_PHOTO_ROOT).iterdir():
        path.unlink()
    assert photo_queue.process_pending_photo(photo.pk) == PhotoState.FAILED
    photo.refresh_from_db()
    assert "lost" in photo.failure or "丢失" in photo.failure
    assert Incident.objects.filter(pk=photo.incident_id).exists() and not PendingPhoto.objects.exists()


def test_a_row_queued_before_the_folder_is_still_processed(world, photos_left_pending):
    data = plain_jpeg((800, 600))
    file_as_resident(where=world.cell_a, photos=[_jpeg(data)])
    photo = IncidentPhoto.objects.get()
    PendingPhoto.objects.filter(photo=photo).update(file_name="", data=data)  # as the database kept it before
    assert photo_queue.process_pending_photo(photo.pk) == PhotoState.READY


def test_the_sweep_removes_uploads_nobody_holds_and_keeps_young_and_held_ones(world, settings, photos_left_pending):
    file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg())])
    held = Path(settings.GRIDGOV_PENDING_PHOTO_ROOT, PendingPhoto.objects.get().file_name)
    orphan = Path(pending_uploads.root(), pending_uploads.write(999_999, b"left by a rolled-back filing"))
    young = Path(pending_uploads.root(), pending_uploads.write(999_998, b"its filing may not have committed yet"))
    hour_ago = time.time() - 3600
    for path in (held, orphan):
        os.utime(path, (hour_ago, hour_ago))
    photo_queue.requeue_stale()
    assert held.exists() and young.exists() and not orphan.exists()


def test_a_filing_that_fails_after_the_upload_was_written_leaves_only_an_orphan(world, settings, monkeypatch, photos_left_pending):
    from dispatch.actions import public

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away mid-filing")

    monkeypatch.setattr(public.PublicCase.objects, "create", fail)
    with pytest.raises(RuntimeError):
        file_as_resident(where=world.cell_a, photos=[_jpeg(plain_jpeg())])
    assert not Incident.objects.exists() and not PendingPhoto.objects.exists()
    assert len(list(Path(settings.GRIDGOV_PENDING_PHOTO_ROOT).iterdir())) == 1  # removed by the sweep later

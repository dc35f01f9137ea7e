"""Residents' filings with a photo do not queue behind each other: the district's case-number
counter is not held locked while a photo is stamped and stored (it was, and the page filed one or
two reports a second under load, bench/public_report.py). And a filing through the page with a
photo works end to end: case, stamped photo, number, public side, status page."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

import pytest
from django.db import connection
from django.test import Client

from dispatch import actions as dispatch_actions
from dispatch.models import PublicCase
from incidents.actions import report_incident, reporting
from incidents.models import Category, Incident, Source
from tests.dispatch.conftest import inside, photo
from tests.dispatch.public_helpers import file_as_resident


def test_a_residents_photo_being_stored_keeps_no_other_filing_of_the_district_waiting(committed_world, monkeypatch):
    storing, release = threading.Event(), threading.Event()
    store = reporting.save_photos

    def slow_store(*args, **kwargs):  # the resident's photo takes its time (a loaded web server)
        storing.set()
        release.wait(30)
        return store(*args, **kwargs)

    monkeypatch.setattr(reporting, "save_photos", slow_store)
    category = Category.objects.get(code="C0102")
    point = inside(committed_world.cell_a)

    def resident():
        try:
            incident, _token = dispatch_actions.file_resident_report(
                category=category, location=point, description="路灯不亮", photos=[photo("lamp.jpg")], ip="203.0.113.9")
            return incident.number
        finally:
            connection.close()

    def grid_worker():
        try:
            incident, _created = report_incident(reporter=committed_world.grid_worker_a, category=category, location=point)
            return incident.number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(resident)
        try:
            assert storing.wait(30), "the resident's filing never reached its photo"
            second = pool.submit(grid_worker)
            try:
                other_number = second.result(timeout=10)
            except FutureTimeout:
                pytest.fail("a filing of the same district waited for the resident's photo to be stored")
        finally:
            release.set()
        resident_number = first.result(timeout=60)
    assert resident_number != other_number
    assert sorted([resident_number[-4:], other_number[-4:]]) == ["0001", "0002"]
    assert PublicCase.objects.filter(incident__number=resident_number).exists()


def test_a_residents_filing_with_a_photo_works_end_to_end(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    response, token = file_as_resident(where=world.cell_a, description="小区东门路灯不亮", photos=[photo("lamp.jpg")])
    assert response.status_code == 302 and token
    incident = Incident.objects.get(source=Source.RESIDENT)
    stored = incident.photos.get()
    # The stored copy is the clean, stamped one, and the original pixels' hash is kept.
    assert stored.stamped and stored.size_bytes > 0 and len(stored.original_sha256) == 64
    assert stored.image.storage.exists(stored.image.name)
    assert PublicCase.objects.get(incident=incident).token_hash
    page = Client().get(f"/public/case/{token}/?new=1")
    assert page.status_code == 200 and incident.number in page.content.decode()

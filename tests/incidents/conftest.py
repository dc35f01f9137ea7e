"""Fixtures for the incidents tests: reference data (re-seeded after a transactional test flushed
it), photos, and a helper that files a case in a known cell."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from incidents.models import Category


def shanghai(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_fixed_timezone(480))


def jpeg_bytes(width: int = 1600, height: int = 1200, *, exif: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (120, 160, 90))
    buffer = io.BytesIO()
    kwargs = {}
    if exif or orientation:
        data = Image.Exif()
        if exif:
            data[0x010F] = "PhonemakerCo"  # Make
            data[0x0110] = "Model X-SECRET"  # Model
            data[0x8825] = {1: "N", 2: (39.0, 54.0, 12.0), 3: "E", 4: (116.0, 24.0, 25.0)}  # GPS IFD
        if orientation:
            data[0x0112] = orientation
        kwargs["exif"] = data
    image.save(buffer, "JPEG", quality=80, **kwargs)
    return buffer.getvalue()


def photo(name: str = "photo.jpg", content: bytes | None = None, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else jpeg_bytes(400, 300), content_type=content_type)


def inside(area) -> Point:
    point = area.boundary.point_on_surface
    return Point(point.x, point.y, srid=4326)


@pytest.fixture
def category():
    def _get(code: str = "E0103") -> Category:
        return Category.objects.get(code=code)

    return _get


@pytest.fixture
def file_case(world, category):
    """file_case(reporter=…, code=…, where=area, **kwargs) → Incident, filed through the action."""
    from incidents.actions import report_incident

    def _file(reporter=None, code: str = "E0103", where=None, **kwargs):
        incident, _ = report_incident(
            reporter=reporter or world.grid_worker_a,
            category=category(code),
            location=kwargs.pop("location", None) or inside(where or world.cell_a),
            **kwargs,
        )
        return incident

    return _file


# --- real Celery workers ---------------------------------------------------------------------

def start_celery_worker(queue: str):
    """Start one more real worker on ``queue`` (after the fixture's worker was killed), and wait
    until it answers a ping. The caller terminates it."""
    import os
    import subprocess
    import sys
    import time

    from django.db import connection

    from gridgov.celery import app
    from tests.conftest import ROOT

    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        GRIDGOV_CELERY_QUEUE=queue,
        GRIDGOV_DB_CONN_MAX_AGE="0",
    )
    hostname = f"{queue}-again@{os.uname().nodename}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gridgov", "worker", "-Q", queue, "-n", hostname, "--pool", "solo", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[hostname], timeout=0.5):
            return process
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{process.stdout.read()}")
    process.kill()
    raise RuntimeError("Celery worker did not answer within 60 s")

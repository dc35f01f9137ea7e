"""Fixtures of the command-centre tests: reference data (put back after a transactional test
flushed it), private media, photos, and helpers that put a case in front of the centre."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from incidents.models import Category
from incidents import actions as case_acts


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # The evaluation keeps answers for a minute; each test starts with none (tests share one Redis).
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-dispatch-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches


def shanghai(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_fixed_timezone(480))


def jpeg_bytes(width: int = 400, height: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def photo(name: str = "after.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def inside(area) -> Point:
    point = area.boundary.point_on_surface
    return Point(point.x, point.y, srid=4326)


@pytest.fixture
def category():
    def _get(code: str = "C0101") -> Category:
        return Category.objects.get(code=code)

    return _get


@pytest.fixture
def hotline_case(world, category):
    """hotline_case(code=…, where=area, registered=True) → a 12345 case held by the command centre."""
    from dispatch import actions

    from incidents.actions import report_incident

    def _file(code: str = "C0102", where=None, registered: bool = True, **kwargs):
        incident, _created = report_incident(
            reporter=world.dispatcher,
            category=category(code),
            location=kwargs.pop("location", None) or inside(where or world.cell_a),
            source="hotline",
            **kwargs,
        )
        if registered:
            case_acts.register(incident, actor=world.dispatcher)
        return incident

    return _file


@pytest.fixture
def dispatched_case(world, hotline_case):
    """dispatched_case(departments=[…]) → a registered hotline case dispatched by the centre."""
    from dispatch import actions

    def _make(departments=None, **kwargs):
        incident = hotline_case(**kwargs)
        actions.dispatch(incident, actor=world.dispatcher, departments=departments or [world.department])
        return incident

    return _make

"""JPEGs carrying a camera's EXIF (time taken, GPS position), for the photo-evidence tests."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime

from django.utils import timezone
from PIL import Image


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))


def camera_jpeg(*, taken_at: datetime | None = None, lat: float | None = None, lng: float | None = None,
                size=(640, 480), colour=(40, 120, 200)) -> bytes:
    """A JPEG as a phone camera writes it; ``taken_at`` goes in as the local wall-clock time (EXIF has no zone)."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "Phonemaker"
    if taken_at is not None:
        exif[0x8769] = {0x9003: timezone.localtime(taken_at).strftime("%Y:%m:%d %H:%M:%S")}
    if lat is not None and lng is not None:
        exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lng >= 0 else "W", 4: _dms(lng)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def plain_jpeg(size=(640, 480), colour=(40, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def pixels_sha256(data: bytes) -> str:
    """What docs/photo-evidence.md says is hashed: the upload decoded, as 8-bit RGB, rows in order."""
    return hashlib.sha256(Image.open(io.BytesIO(data)).convert("RGB").tobytes()).hexdigest()

"""Checking and cleaning uploaded photos before anything is written.

A photo must be a JPEG, PNG or WebP image within the size limits. Metadata (EXIF with the GPS
position and the phone's serial, XMP, IPTC, comments) is removed, as FixMyStreet does:

- the fast path, for the upright JPEG the report page sends (already resized in the browser),
  drops the metadata segments without decoding the picture — lossless and a few milliseconds;
- anything else (PNG, WebP, a rotated or oversized JPEG) is decoded, turned upright, scaled to
  at most ``GRIDGOV_PHOTO_MAX_SIDE`` pixels and re-encoded without metadata.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ORIENTATION_TAG = 0x0112


def max_bytes() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_BYTES", 8 * 1024 * 1024))


def max_side() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTO_MAX_SIDE", 2048))


def max_photos() -> int:
    return int(getattr(settings, "GRIDGOV_PHOTOS_PER_ACTION", 6))


MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded


class PhotoError(ValueError):
    def __init__(self, message: str, name: str = ""):
        super().__init__(message)
        self.message = message
        self.name = name


@dataclass
class PreparedPhoto:
    content: bytes
    extension: str
    width: int
    height: int
    original_name: str

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"photo.{self.extension}")


# JPEG markers whose payload is metadata: APP1 (EXIF, XMP), APP3–APP13 (IPTC …), APP15, COM.
# APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) are needed to show
# the picture right and carry nothing personal.
_DROP_MARKERS = {0xE1, *range(0xE3, 0xEE), 0xEF, 0xFE}


def strip_jpeg_metadata(data: bytes) -> bytes:
    """Remove metadata segments from a JPEG without decoding it; raise ValueError if malformed."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    length = len(data)
    while pos < length:
        if data[pos] != 0xFF:
            raise ValueError("bad marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is picture data
            out += data[pos:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            out += data[pos:pos + 2]
            pos += 2
            continue
        if pos + 4 > length:
            raise ValueError("truncated")
        size = int.from_bytes(data[pos + 2:pos + 4], "big")
        end = pos + 2 + size
        if size < 2 or end > length:
            raise ValueError("truncated")
        if marker not in _DROP_MARKERS:
            out += data[pos:end]
        pos = end
    raise ValueError("no image data")


def prepare_photo(upload, name: str = "photos") -> PreparedPhoto:
    """Check one uploaded file and return clean bytes, or raise PhotoError saying what is wrong."""
    original = getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise PhotoError(
            _("“%(name)s” is %(size).1f MB; a photo may be at most %(limit).0f MB.")
            % {"name": original, "size": size / 1048576, "limit": max_bytes() / 1048576},
            name,
        )
    data = upload.read()
    if len(data) > max_bytes():
        raise PhotoError(_("“%(name)s” is too large.") % {"name": original}, name)
    if not data:
        raise PhotoError(_("“%(name)s” is empty.") % {"name": original}, name)
    try:
        image = Image.open(io.BytesIO(data))
        kind = image.format
        width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError(_("“%(name)s” is not a picture; send a JPEG, PNG or WebP photo.") % {"name": original}, name)
    if kind not in ALLOWED_FORMATS:
        raise PhotoError(
            _("“%(name)s” is a %(kind)s file; send a JPEG, PNG or WebP photo.") % {"name": original, "kind": kind}, name
        )
    if width * height > MAX_PIXELS:
        raise PhotoError(_("“%(name)s” has too many pixels.") % {"name": original}, name)
    try:
        orientation = image.getexif().get(ORIENTATION_TAG, 1) if kind == "JPEG" else 1
        if kind == "JPEG" and orientation in (0, 1) and max(width, height) <= max_side():
            cleaned = strip_jpeg_metadata(data)  # walks every segment header up to the picture data
            if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
                # No end-of-image marker: probably cut off in transit. Decoding (at 1/8 scale, the
                # cheapest) tells a damaged file from one with a harmless trailer.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
            return PreparedPhoto(cleaned, "jpg", width, height, original)
        image.load()
        image = ImageOps.exif_transpose(image)
        image.thumbnail((max_side(), max_side()))
        buffer = io.BytesIO()
        if kind == "PNG":
            image.save(buffer, "PNG", optimize=False)
            extension = "png"
        else:
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(buffer, "JPEG", quality=85)
            extension = "jpg"
        return PreparedPhoto(buffer.getvalue(), extension, image.width, image.height, original)
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoError(_("“%(name)s” is damaged and cannot be read.") % {"name": original}, name) from exc


def prepare_photos(uploads, name: str = "photos") -> list[PreparedPhoto]:
    uploads = list(uploads or [])
    if len(uploads) > max_photos():
        raise PhotoError(_("At most %(count)d photos at a time.") % {"count": max_photos()}, name)
    return [prepare_photo(upload, name) for upload in uploads]

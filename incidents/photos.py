"""Checking and cleaning uploaded photos before anything is written.

A photo must be a JPEG, PNG or WebP image within the size limits. What is stored keeps the
pixels only: every photo is decoded, turned upright, converted to sRGB when it carries a colour
profile, scaled to at most ``GRIDGOV_PHOTO_MAX_SIDE`` pixels and re-encoded from the pixels alone.
Nothing of the uploaded file is copied — not its EXIF (GPS position, the phone's serial), XMP,
IPTC, comments or colour profile, and not whatever was appended after the image's end marker
(a second JPEG with its own EXIF survives any "copy the picture data" shortcut).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


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


def _pixels_only(image: Image.Image) -> Image.Image:
    """The picture upright, in sRGB, with no metadata attached (``info`` is what Pillow writes back)."""
    image = ImageOps.exif_transpose(image)
    if image.mode == "P":  # a palette's transparency lives in ``info``, which is dropped below
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "L", "CMYK"):
        try:
            target = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB"), outputMode=target
            )
        except (OSError, ValueError, ImageCms.PyCMSError):  # a broken profile: the pixels as they are
            pass
    image.thumbnail((max_side(), max_side()))
    image.info = {}
    return image


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
        image.load()
        image = _pixels_only(image)
        buffer = io.BytesIO()
        if kind == "PNG":
            # PNG keeps transparency (a screenshot, a drawing); text chunks are not written back.
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
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

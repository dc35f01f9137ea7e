"""Checking uploaded photos in the request, and cleaning them in the photo worker.

The request runs ``check_photo`` only (no decoding); the photo worker
(incidents.actions.photo_queue) runs ``decode_photo`` once the case is written and answered.

A photo must be a JPEG, PNG or WebP image within the size limits. What is stored keeps the
pixels only: every photo is decoded, turned upright, converted to sRGB when it carries a colour
profile, scaled to at most ``GRIDGOV_PHOTO_MAX_SIDE`` pixels and re-encoded from the pixels alone.
Nothing of the uploaded file is copied — not its EXIF (GPS position, the phone's serial), XMP,
IPTC, comments or colour profile, and not whatever was appended after the image's end marker
(a second JPEG with its own EXIF survives any "copy the picture data" shortcut).

Before the metadata goes, the photo's own time and position are taken as evidence
(incidents.photo_evidence), and the SHA-256 of the decoded original pixels is kept: the
picture as Pillow decodes the uploaded file, converted to 8-bit RGB, its rows' bytes in order,
before it is turned upright, colour-converted, scaled or stamped (docs/photo-evidence.md).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .photo_evidence import NO_CLAIM, PhotoClaim, claim_from_values

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
    extension: str
    width: int
    height: int
    original_name: str
    original_sha256: str = ""
    claim: PhotoClaim = NO_CLAIM
    # The clean picture (no metadata), kept for the watermark drawn once the case is known.
    image: Image.Image | None = field(default=None, repr=False, compare=False)
    encoded: bytes | None = field(default=None, repr=False, compare=False)
    # The uploaded file as it came, checked but not decoded (kept private until the worker runs).
    raw: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def content(self) -> bytes:
        """The clean picture as a file, encoded when first asked for: a photo stored with its
        stamp is encoded once, stamped, and never needs this unstamped file (an encode saved per
        photo on every filing)."""
        if self.encoded is None:
            self.encoded = encode(self.image, self.extension)
        return self.encoded

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


def encode(image: Image.Image, extension: str) -> bytes:
    """The picture's pixels alone as a file (Pillow writes back nothing of ``info``, emptied here)."""
    image.info = {}
    buffer = io.BytesIO()
    if extension == "png":
        image.save(buffer, "PNG", optimize=False)  # no text chunks are written back
    else:
        image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def original_pixels_sha256(image: Image.Image) -> str:
    """SHA-256 of the decoded picture as uploaded: 8-bit RGB, rows in order, nothing else."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return hashlib.sha256(rgb.tobytes()).hexdigest()


def _text(value):
    return value.rstrip("\x00") if isinstance(value, str) else value


def _degrees(parts, ref) -> float | None:
    try:
        d, m, s = (float(x) for x in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if str(ref or "").upper().startswith(("S", "W")) else value


def claim_of_file(image: Image.Image) -> PhotoClaim | None:
    """The time and position the uploaded file carries itself (None when it carries neither)."""
    try:
        exif = image.getexif()
        details, gps = exif.get_ifd(0x8769), exif.get_ifd(0x8825)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):
        return None
    # EXIF strings end with a NUL, which some writers repeat; inside them it is a forgery.
    values = {"taken_at": _text(details.get(0x9003)), "offset": _text(details.get(0x9011))}
    if 2 in gps and 4 in gps:
        values["lat"], values["lng"] = _degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))
    if not any(values.get(k) is not None for k in ("taken_at", "lat")):
        return None
    return claim_from_values(values, "file")


def check_photo(upload, name: str = "photos") -> PreparedPhoto:
    """The request's part: the cheap checks only (size, an allowed format, the dimensions its
    header declares — Pillow reads the header without decoding), or PhotoError saying what is
    wrong. The raw bytes travel on in ``raw``; decoding, the evidence, the hash, the stamp and
    the re-encoding happen later, in the photo worker (``decode_photo``)."""
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
    error = getattr(upload, "exif_claim_error", "")
    if error:
        raise PhotoError(f"{original}: {error}", name)
    # PNG keeps transparency (a screenshot, a drawing); everything else becomes a JPEG.
    extension = "png" if kind == "PNG" else "jpg"
    return PreparedPhoto(extension, width, height, original, claim=getattr(upload, "exif_claim", NO_CLAIM), raw=data)


def decode_photo(data: bytes, original: str = "photo", sent_claim: PhotoClaim = NO_CLAIM) -> PreparedPhoto:
    """The worker's part: decode checked bytes, read the file's own EXIF (else ``sent_claim``, what
    the phone read), hash the original pixels and clean the picture; PhotoError when the file
    cannot be decoded after all (a header that promised a picture the body does not hold)."""
    try:
        image = Image.open(io.BytesIO(data))
        kind = image.format
        if kind not in ALLOWED_FORMATS or image.width * image.height > MAX_PIXELS:
            raise PhotoError(_("“%(name)s” is not a picture; send a JPEG, PNG or WebP photo.") % {"name": original})
        image.load()
        claim = claim_of_file(image) or sent_claim
        digest = original_pixels_sha256(image)
        image = _pixels_only(image)
        extension = "png" if kind == "PNG" else "jpg"
        if extension == "png" and image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        if extension == "jpg" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        return PreparedPhoto(extension, image.width, image.height, original, digest, claim, image)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PhotoError(_("“%(name)s” is damaged and cannot be read.") % {"name": original}) from exc


def prepare_photo(upload, name: str = "photos") -> PreparedPhoto:
    """Both parts at once (checks, then decoding and cleaning), for callers that need the clean
    picture now; filings use ``check_photo`` and leave the rest to the photo worker."""
    checked = check_photo(upload, name)
    try:
        return decode_photo(checked.raw, checked.original_name, checked.claim)
    except PhotoError as exc:
        raise PhotoError(exc.message, name) from exc


def prepare_photos(uploads, name: str = "photos") -> list[PreparedPhoto]:
    uploads = list(uploads or [])
    if len(uploads) > max_photos():
        raise PhotoError(_("At most %(count)d photos at a time.") % {"count": max_photos()}, name)
    return [check_photo(upload, name) for upload in uploads]

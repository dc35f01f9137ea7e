"""Photo evidence: the photo's own time and position (EXIF), and the marks a reviewer sees.

Where the time and position come from, best first:

1. ``file``: the uploaded file still carries EXIF (a photo sent as taken); the server reads it
   before the copy is re-encoded without it.
2. ``browser``: the phone read the EXIF before shrinking the photo (static/gridgov/exif.js) and
   sent it as ``<field>_exif``, a JSON list with one object per file, in the files' order:
   ``{"taken_at": "2026-11-26T09:30:00", "offset": "+08:00", "lat": 39.9, "lng": 116.4}``.
   What a client says cannot be checked against the pixels; values that cannot be true (year 0,
   NaN, a latitude of 500, a string of a megabyte) make the photo *unverified*, never a refusal.

``RULES`` is the one table of marks: every channel stores the marks it computes
(``IncidentPhoto.flags``) and every page shows them through ``describe``. A mark never refuses a
photo: the worker may have a reason (a photo taken before the signal came back).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Callable

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A whole field of claims larger than this is refused (400): six photos' claims fit in 1 KB.
MAX_CLAIMS_BYTES = 16 * 1024
# A clock a few minutes ahead of the server's is a phone's clock, not a forgery.
CLOCK_SKEW = timedelta(minutes=10)
EARLIEST = datetime(1990, 1, 1, tzinfo=dt_timezone.utc)


def max_age() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "GRIDGOV_PHOTO_MAX_AGE_MINUTES", 30)))


def max_distance_m() -> float:
    return float(getattr(settings, "GRIDGOV_PHOTO_MAX_DISTANCE_M", 200))


@dataclass(frozen=True)
class PhotoClaim:
    """What is known of where and when the photo was taken."""

    taken_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    source: str = ""  # "file", "browser" or "" (nothing)
    unverified: bool = False  # values were sent that cannot be true

    @property
    def location(self) -> Point | None:
        return None if self.lat is None or self.lng is None else Point(self.lng, self.lat, srid=4326)

    @property
    def empty(self) -> bool:
        return self.taken_at is None and self.lat is None


NO_CLAIM = PhotoClaim()
UNVERIFIED = PhotoClaim(source="browser", unverified=True)


def _time(text, offset=None) -> datetime | None:
    """An EXIF time ("2026:11:26 09:30:00" in a file, ISO from the phone); local time of the
    installation unless an offset is given (EXIF times carry no zone of their own)."""
    if not isinstance(text, str) or len(text) > 40:
        raise ValueError("time")
    if "\x00" in text:
        raise ValueError("NUL")
    text = text.strip()
    if len(text) >= 19 and text[4] == ":" and text[7] == ":":
        text = f"{text[:4]}-{text[5:7]}-{text[8:10]}T{text[11:19]}"
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        if isinstance(offset, str) and len(offset) == 6 and offset[0] in "+-":
            value = datetime.fromisoformat(f"{value.isoformat()}{offset}")
        else:
            value = timezone.make_aware(value, timezone.get_default_timezone())
    if not (EARLIEST <= value <= timezone.now() + timedelta(days=366)):
        raise ValueError("time out of range")
    return value


def _coordinate(value, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (isinstance(value, str) and len(value) > 30):
        raise ValueError("coordinate")
    number = float(value)
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError("coordinate out of range")
    return number


def claim_from_values(values: dict, source: str) -> PhotoClaim:
    """A claim from raw values; impossible values give an unverified claim, never an error."""
    if not isinstance(values, dict):
        return PhotoClaim(source=source, unverified=True)
    taken_at = lat = lng = None
    try:
        if values.get("taken_at") not in (None, ""):
            taken_at = _time(values["taken_at"], values.get("offset"))
        if values.get("lat") not in (None, "") or values.get("lng") not in (None, ""):
            lat, lng = _coordinate(values.get("lat"), 90), _coordinate(values.get("lng"), 180)
    except (ValueError, TypeError, OverflowError):
        return PhotoClaim(source=source, unverified=True)
    if taken_at is None and lat is None:
        return NO_CLAIM
    return PhotoClaim(taken_at=taken_at, lat=lat, lng=lng, source=source)


def _no_number(name: str):
    raise ValueError(f"{name} is not a number")  # JSON has no NaN or Infinity; Python's reader would take them


def claims_from_field(raw, count: int) -> list[PhotoClaim]:
    """The browser's ``<field>_exif`` for ``count`` files. Too large a field is refused (ValueError
    with the message); anything else that is not a list of one object per file is unverified."""
    if raw in (None, ""):
        return [NO_CLAIM] * count
    if not isinstance(raw, str) or len(raw) > MAX_CLAIMS_BYTES:
        raise ValueError(_("The photos' EXIF data is too large (at most %(limit)d KB).") % {"limit": MAX_CLAIMS_BYTES // 1024})
    try:
        entries = json.loads(raw, parse_constant=_no_number)
    except (ValueError, RecursionError):
        return [UNVERIFIED] * count
    if not isinstance(entries, list) or len(entries) != count:
        return [UNVERIFIED] * count
    return [claim_from_values(entry, "browser") for entry in entries]


def attach_claims(files: list, raw) -> list:
    """Give every uploaded file of one field its claim (read by incidents.photos.check_photo)."""
    try:
        claims = claims_from_field(raw, len(files))
    except ValueError as exc:
        for upload in files:
            upload.exif_claim_error = str(exc)
        return files
    for upload, claim in zip(files, claims):
        upload.exif_claim = claim
    return files


def uploads(request, name: str) -> list:
    """The files of field ``name`` with the browser's claims attached."""
    data = request.POST if hasattr(request, "POST") else {}
    return attach_claims(request.FILES.getlist(name), data.get(f"{name}_exif"))


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (a few metres off at most over the distances that matter)."""
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat, dlng = lat2 - lat1, math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one photo."""

    claim: PhotoClaim
    filed_at: datetime
    distance_m: float | None


@dataclass(frozen=True)
class Rule:
    code: str
    applies: Callable[[Facts], bool]
    label: object  # lazy text; formatted with the limits and the photo's values


RULES: tuple[Rule, ...] = (
    Rule("no_exif", lambda f: f.claim.empty and not f.claim.unverified,
         gettext_lazy("No EXIF: the photo carries no time or position of its own")),
    Rule("unverified", lambda f: f.claim.unverified,
         gettext_lazy("Unverified: the photo's time or position sent with it cannot be true")),
    Rule("future", lambda f: f.claim.taken_at is not None and f.claim.taken_at > f.filed_at + CLOCK_SKEW,
         gettext_lazy("Photo time lies after filing (%(taken)s): the phone's clock is wrong")),
    Rule("old", lambda f: f.claim.taken_at is not None and f.claim.taken_at < f.filed_at - max_age(),
         gettext_lazy("Photo older than %(minutes)d minutes: taken %(taken)s")),
    Rule("no_gps", lambda f: f.claim.taken_at is not None and f.claim.lat is None,
         gettext_lazy("No GPS in the photo: its place cannot be checked")),
    Rule("far", lambda f: f.distance_m is not None and f.distance_m > max_distance_m(),
         gettext_lazy("Photo taken %(distance)d m from the report's position (more than %(limit)d m)")),
)
LABELS = {rule.code: rule.label for rule in RULES}


def flags_for(claim: PhotoClaim, *, filed_at: datetime, position: Point | None) -> tuple[list[str], float | None]:
    """The marks of one photo and its distance from the report's position (None if unknown)."""
    place = claim.location
    distance = distance_m(place, position) if place is not None and position is not None else None
    facts = Facts(claim, filed_at, distance)
    return [rule.code for rule in RULES if rule.applies(facts)], distance


def describe(photo) -> list[str]:
    """The marks of a stored photo in the reader's language; [] for a photo stored before marks."""
    values = {
        "minutes": int(max_age().total_seconds() // 60),
        "limit": int(max_distance_m()),
        "distance": int(round(photo.exif_distance_m or 0)),
        "taken": timezone.localtime(photo.exif_taken_at).strftime("%Y-%m-%d %H:%M") if photo.exif_taken_at else "",
    }
    return [str(LABELS[code]) % values for code in (photo.flags or []) if code in LABELS]

"""The one photo an Open311 request publishes, as a public copy of its own.

Case photos are internal (faces, number plates, the inside of homes; the staff's after-photos):
they are sent only to users who may see the case (incidents' photo view). Open311 is public, so
a request's ``media_url`` is

- the URL the client sent with the request, if any (its own picture, hosted by the city app), or
- the reporter's own before-photo filed with the request itself (the photo of the first timeline
  entry, uploaded by the case's reporter — for an Open311 case, the client's service account) —
  never a photo added later or by anybody else;

and that photo is served from a separate, smaller derivative at an unguessable signed URL under
/open311/v2/media/. The rule is checked again on every fetch, so a photo that stops qualifying
(the case was deleted) stops being served; the derivative never leads back to the original.
"""
from __future__ import annotations

import hashlib
import io

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from PIL import Image

from gridgov.media import file_response
from incidents.models import IncidentPhoto, PhotoStage

SALT = "open311-media"
PUBLIC_SIDE = 1024  # pixels: enough to see the problem, less than the internal original
PUBLIC_FOLDER = "public/open311"


def published_photos(incident_ids) -> dict[int, IncidentPhoto]:
    """{case id: the photo its Open311 request may show} for the given cases (one query)."""
    found: dict[int, IncidentPhoto] = {}
    rows = (
        IncidentPhoto.objects.filter(
            incident_id__in=list(incident_ids),
            incident__open311__isnull=False,
            incident__reporter__isnull=False,
            uploaded_by_id=F("incident__reporter_id"),
            stage=PhotoStage.BEFORE,
            entry__version=1,
            entry__action="report",
        )
        .only("id", "incident_id", "image")
        .order_by("incident_id", "uploaded_at", "id")
    )
    for photo in rows:
        found.setdefault(photo.incident_id, photo)
    return found


def public_url(request, photo: IncidentPhoto) -> str:
    token = signing.dumps(photo.pk, salt=SALT, compress=False)
    return request.build_absolute_uri(reverse("open311-media", kwargs={"token": token}))


def _derivative_name(photo: IncidentPhoto) -> str:
    digest = hashlib.sha256(f"{photo.pk}:{photo.image.name}".encode()).hexdigest()[:32]
    return f"{PUBLIC_FOLDER}/{digest}.jpg"


def _derivative(photo: IncidentPhoto) -> str:
    """Make (once) the public copy: re-encoded from the stored, already clean pixels, smaller."""
    name = _derivative_name(photo)
    if default_storage.exists(name):
        return name
    with photo.image.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    image.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return default_storage.save(name, ContentFile(buffer.getvalue()))


@require_http_methods(["GET"])
def media(request, token: str):
    """GET /open311/v2/media/<signed id>.jpg — the public copy of a published photo, or 404."""
    try:
        photo_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise Http404("No such photo.")
    photo = IncidentPhoto.objects.filter(pk=photo_id).only("id", "incident_id").first() if isinstance(photo_id, int) else None
    published = published_photos([photo.incident_id]).get(photo.incident_id) if photo is not None else None
    if published is None or published.pk != photo.pk:
        raise Http404("No such photo.")
    photo = published
    return file_response(_derivative(photo), cache_control="public, max-age=86400")

"""The one photo a case publishes, as a public copy of its own.

Case photos are internal (faces, number plates, the inside of homes; the staff's after-photos):
they are sent only to users who may see the case (incidents' photo view). A case's public photo is
the one the staff chose with the ``publish`` act (``PublicCase.public_photo``); by default there is
none — the reporter's before-photo stays private. Open311's ``media_url`` (besides the URL a client
sent with its own request) and the residents' status page show it from a separate, smaller
derivative at an unguessable signed URL under /open311/v2/media/. The rule is checked again on
every fetch, so a photo that stops being public (another chosen, the case hidden as spam) stops
being served; the derivative never leads back to the original.
"""
from __future__ import annotations

import hashlib
import io

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from PIL import Image

from incidents.watermark import STAMP_LINES, band_height

from gridgov.media import file_response
from incidents.models import IncidentPhoto, PhotoState

from ..models import Moderation, PublicCase
from ..public.present import PHOTO_SALT as SALT
from ..public.present import photo_url

PUBLIC_SIDE = 1024  # pixels: enough to see the problem, less than the internal original
PUBLIC_FOLDER = "public/open311"


def published_photos(incident_ids) -> dict[int, IncidentPhoto]:
    """{case id: its public photo} for the given cases (one query)."""
    rows = (
        PublicCase.objects.filter(incident_id__in=list(incident_ids), public_photo__isnull=False, public_photo__state=PhotoState.READY)
        .exclude(moderation__in=[Moderation.HELD, Moderation.SPAM])
        .select_related("public_photo")
        .only("incident_id", "public_photo__id", "public_photo__incident_id", "public_photo__image")
    )
    return {row.incident_id: row.public_photo for row in rows if row.public_photo.incident_id == row.incident_id}


def public_url(request, photo: IncidentPhoto) -> str:
    return photo_url(request, photo.pk)


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
    if photo.stamped:
        # The stamp names the worker and the cell: the public copy is cut above it.
        image = image.crop((0, 0, image.width, image.height - band_height(image, STAMP_LINES)))
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

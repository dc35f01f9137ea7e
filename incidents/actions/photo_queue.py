"""Photos filed now, processed after the answer (docs/photo-evidence.md, "Between the answer and
the processed photo").

A filing with a photo used to decode, read, hash, stamp and re-encode it inside the request:
about 80 ms of CPU for a 1600-px photo, more than a loaded 2-core server can give 32 residents at
once. The request now only checks the file (``photos.check_photo``) and ``queue_photos`` writes
the photo's row (state *pending*, the dimensions its header declares) and a ``PendingPhoto`` row
naming the upload, kept as it came in a file of its own (``incidents.pending_uploads``: outside
MEDIA_ROOT, written and fsynced before commit), in the filing's transaction.
After commit the Celery task ``incidents.process_photo`` runs ``process_pending_photo``:

1. claim: a conditional UPDATE ``state = pending → processing`` inside one transaction. Two
   workers (a redelivered ``acks_late`` task, a retry) queue on the row; the second finds it no
   longer pending and does nothing. A worker killed mid-way rolls back: the photo is pending
   again and the redelivered task processes it. So a photo is stored once, whatever runs twice.
2. decode, the file's own EXIF (else the phone's), the marks, the hash of the original pixels,
   the stamp, the re-encoded copy without metadata — the same functions the request ran before.
3. store the copy, mark the photo ready, delete the pending row in the claim's transaction, and
   the upload's file once that has committed.

A file whose header promised a picture its body does not hold (or an upload whose file is gone)
is marked *failed* with the reason (shown to staff on the case), and the upload is deleted: the
case itself stays as filed.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .. import pending_uploads, photo_evidence, watermark
from ..models import Incident, IncidentPhoto, PendingPhoto, PhotoState
from ..photos import PhotoError, PreparedPhoto, decode_photo, encode

log = logging.getLogger(__name__)

PROCESSING = "processing"  # only ever seen inside the claiming transaction
# A pending photo older than this lost its task (Redis restarted between commit and enqueue); a
# backlog of minutes is normal under load, and queuing one twice only costs an UPDATE of no row.
STALE_AFTER = timedelta(minutes=10)


# The task's name (incidents/tasks.py registers it under this name): actions send tasks by name,
# as the notification e-mails do, so that the tasks module may import the actions.
PHOTO_TASK = "incidents.process_photo"


def enqueue(photo_id: int) -> None:
    """Hand one photo to the photo worker once the filing is committed (tests swap this)."""
    from celery import current_app

    transaction.on_commit(lambda: current_app.send_task(PHOTO_TASK, args=[photo_id]))


def _claim_values(claim: photo_evidence.PhotoClaim) -> dict:
    if claim.empty and not claim.unverified:
        return {}
    return {"taken_at": claim.taken_at.isoformat() if claim.taken_at else None, "lat": claim.lat, "lng": claim.lng,
            "source": claim.source, "unverified": claim.unverified}


def _claim_from_row(values: dict) -> photo_evidence.PhotoClaim:
    if not values:
        return photo_evidence.NO_CLAIM
    taken_at = parse_datetime(values["taken_at"]) if values.get("taken_at") else None
    return photo_evidence.PhotoClaim(taken_at=taken_at, lat=values.get("lat"), lng=values.get("lng"),
                                     source=values.get("source", ""), unverified=bool(values.get("unverified")))


def _raw_bytes(pending: PendingPhoto) -> bytes | None:
    """The upload as it came: its file (pending_uploads), or the bytes of a row queued before the
    uploads moved out of the database. None when the file is gone."""
    if pending.file_name:
        return pending_uploads.read(pending.file_name)
    return bytes(pending.data) if pending.data is not None else None


def queue_photos(incident: Incident, entry, photos, stage: str, actor, filed_at: datetime,
                 mark: "watermark.Stamp") -> list[IncidentPhoto]:
    """Write each checked photo as pending, its upload kept on disk, to be processed after commit."""
    rows = []
    for photo in photos:
        row = IncidentPhoto.objects.create(
            incident=incident, entry=entry, stage=stage, width=photo.width, height=photo.height,
            size_bytes=len(photo.raw), uploaded_by=actor if getattr(actor, "pk", None) else None,
            exif_source=photo.claim.source, state=PhotoState.PENDING,
        )
        PendingPhoto.objects.create(
            photo=row, file_name=pending_uploads.write(row.pk, photo.raw), original_name=photo.original_name[:255],
            sent_claim=_claim_values(photo.claim), filed_at=filed_at,
            stamp={"when": mark.when, "place": mark.place, "cell_code": mark.cell_code, "worker": mark.worker},
        )
        enqueue(row.pk)
        rows.append(row)
    return rows


def _store(row: IncidentPhoto, pending: PendingPhoto, clean: PreparedPhoto) -> None:
    incident = row.incident
    flags, distance = photo_evidence.flags_for(clean.claim, filed_at=pending.filed_at, position=incident.location)
    content = encode(watermark.stamp(clean.image, watermark.Stamp(**pending.stamp)), clean.extension)
    row.width, row.height, row.size_bytes = clean.width, clean.height, len(content)
    row.exif_taken_at, row.exif_location, row.exif_source = clean.claim.taken_at, clean.claim.location, clean.claim.source
    row.exif_distance_m, row.flags, row.original_sha256, row.stamped = distance, flags, clean.original_sha256, True
    row.state = PhotoState.READY
    row.image.save(f"photo.{clean.extension}", ContentFile(content), save=False)


def process_pending_photo(photo_id: int) -> str:
    """Process one pending photo; "ready", "failed", or "done already" when somebody else did."""
    with transaction.atomic():
        claimed = IncidentPhoto.objects.filter(pk=photo_id, state=PhotoState.PENDING).update(state=PROCESSING)
        if claimed != 1:
            return "done already"
        row = IncidentPhoto.objects.select_related("incident").get(pk=photo_id)
        pending = PendingPhoto.objects.get(photo_id=photo_id)
        raw = _raw_bytes(pending)
        try:
            if raw is None:
                raise PhotoError(_("The uploaded file was lost before it could be processed."))
            clean = decode_photo(raw, pending.original_name or "photo", _claim_from_row(pending.sent_claim))
        except PhotoError as exc:
            row.state, row.failure = PhotoState.FAILED, exc.message[:300]
            log.warning("Photo %s of case %s could not be decoded: %s", photo_id, row.incident_id, exc.message)
        else:
            _store(row, pending, clean)
        row.save()
        pending.delete()
        if pending.file_name:  # once the row is gone for good; a rollback keeps both
            transaction.on_commit(lambda: pending_uploads.discard(pending.file_name))
        return row.state


def requeue_stale(now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue again the photos pending for longer than ``STALE_AFTER`` (their task was lost
    between commit and Redis); processing is idempotent, so a photo queued twice is stored once.
    Also removes uploads no pending photo holds (a rolled-back filing's, a crashed worker's)."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    ids = list(PendingPhoto.objects.filter(created_at__lt=cutoff).order_by("created_at").values_list("photo_id", flat=True)[:limit])
    for photo_id in ids:
        enqueue(photo_id)
    pending_uploads.remove_orphans(_held, STALE_AFTER.total_seconds())
    return len(ids)


def _held(names) -> set[str]:
    return set(PendingPhoto.objects.filter(file_name__in=list(names)).values_list("file_name", flat=True))

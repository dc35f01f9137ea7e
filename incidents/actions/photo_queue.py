"""Photos filed now, processed after the answer (docs/photo-evidence.md, "Between the answer and
the processed photo").

A filing with a photo used to decode, read, hash, stamp and re-encode it inside the request:
about 80 ms of CPU for a 1600-px photo, more than a loaded 2-core server can give 32 residents at
once. The request now only checks the file (``photos.check_photo``) and ``queue_photos`` writes
the photo's row (state *pending*, the dimensions its header declares) and the raw bytes in a
``PendingPhoto`` row — in the database, never under MEDIA_ROOT — in the filing's transaction.
After commit the Celery task ``incidents.process_photo`` runs ``process_pending_photo``:

1. claim: a conditional UPDATE ``state = pending → processing`` inside one transaction. Two
   workers (a redelivered ``acks_late`` task, a retry) queue on the row; the second finds it no
   longer pending and does nothing. A worker killed mid-way rolls back: the photo is pending
   again and the redelivered task processes it. So a photo is stored once, whatever runs twice.
2. decode, the file's own EXIF (else the phone's), the marks, the hash of the original pixels,
   the stamp, the re-encoded copy without metadata — the same functions the request ran before.
3. store the copy, mark the photo ready, delete the raw bytes; all in the claim's transaction.

A file whose header promised a picture its body does not hold is marked *failed* with the reason
(shown to staff on the case), and its raw bytes are deleted: the case itself stays as filed.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import psycopg
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg import sql
from psycopg.types.json import Jsonb

from .. import photo_evidence, watermark
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


# The raw bytes go to the database as a binary parameter. Django's cursors bind on the client: a
# 485 KB photo became a 970 KB hex literal, escaped in Python and scanned and decoded again by the
# server — half the CPU of a resident's filing (bench/public_report.py). Server-side binding sends
# the bytes as they are, and reads them back the same way.
_KEEP_RAW = sql.SQL(
    "INSERT INTO {table} (photo_id, data, original_name, sent_claim, filed_at, stamp, created_at) "
    "VALUES (%s, %b, %s, %s, %s, %s, %s)"
).format(table=sql.Identifier(PendingPhoto._meta.db_table))
_READ_RAW = sql.SQL("SELECT data FROM {table} WHERE photo_id = %s").format(table=sql.Identifier(PendingPhoto._meta.db_table))


def _keep_raw(photo_id: int, data: bytes, *, original_name: str, sent_claim: dict, filed_at: datetime, stamp: dict) -> None:
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_KEEP_RAW, [photo_id, bytes(data), original_name, Jsonb(sent_claim), filed_at, Jsonb(stamp), timezone.now()])


def _read_raw(photo_id: int) -> bytes:
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_READ_RAW, [photo_id], binary=True)
        return bytes(cursor.fetchone()[0])


def queue_photos(incident: Incident, entry, photos, stage: str, actor, filed_at: datetime,
                 mark: "watermark.Stamp") -> list[IncidentPhoto]:
    """Write each checked photo as pending with its raw bytes, to be processed after commit."""
    rows = []
    for photo in photos:
        row = IncidentPhoto.objects.create(
            incident=incident, entry=entry, stage=stage, width=photo.width, height=photo.height,
            size_bytes=len(photo.raw), uploaded_by=actor if getattr(actor, "pk", None) else None,
            exif_source=photo.claim.source, state=PhotoState.PENDING,
        )
        _keep_raw(row.pk, photo.raw, original_name=photo.original_name[:255], sent_claim=_claim_values(photo.claim),
                  filed_at=filed_at, stamp={"when": mark.when, "place": mark.place, "cell_code": mark.cell_code, "worker": mark.worker})
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
        pending = PendingPhoto.objects.defer("data").get(photo_id=photo_id)
        try:
            clean = decode_photo(_read_raw(photo_id), pending.original_name or "photo", _claim_from_row(pending.sent_claim))
        except PhotoError as exc:
            row.state, row.failure = PhotoState.FAILED, exc.message[:300]
            log.warning("Photo %s of case %s could not be decoded: %s", photo_id, row.incident_id, exc.message)
        else:
            _store(row, pending, clean)
        row.save()
        pending.delete()
        return row.state


def requeue_stale(now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue again the photos pending for longer than ``STALE_AFTER`` (their task was lost
    between commit and Redis); processing is idempotent, so a photo queued twice is stored once."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    ids = list(PendingPhoto.objects.filter(created_at__lt=cutoff).order_by("created_at").values_list("photo_id", flat=True)[:limit])
    for photo_id in ids:
        enqueue(photo_id)
    return len(ids)

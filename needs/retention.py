"""PIPL's minimal retention for needs (docs/needs.md#personal-data): a configurable number of days
(``GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS``) after the emergency a need was recorded for ends — or,
for a need of no emergency, after it was confirmed or cancelled — the need forgets whose it was.

What goes: the household link, the description, a hotline caller's number (its ciphertext and its
hash: the number can neither be read nor found again), the outbox's client id and the notes people
typed in its history. What stays, for the figures and the record of the emergency: kind, urgency,
source, the cell, level, times, status and who fulfilled it. The job is idempotent: it picks only
needs not anonymised yet, and running it twice changes nothing the second time.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Need, NeedEvent, SETTLED_STATUSES

BATCH = 5000


def due_for_anonymisation(now: datetime):
    """The needs whose retention is over at ``now`` (not yet anonymised)."""
    cutoff = now - timedelta(days=settings.GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS)
    # An emergency's end is ``ends_at`` (set when it is ended, null while it runs).
    ended = Q(emergency__isnull=False, emergency__ends_at__isnull=False, emergency__ends_at__lte=cutoff)
    settled = Q(emergency__isnull=True, status__in=SETTLED_STATUSES, settled_at__lte=cutoff)
    return Need.objects.filter(anonymised_at__isnull=True).filter(ended | settled)


def anonymise_due_needs(*, now: datetime | None = None) -> int:
    """Anonymise every need whose retention is over, in batches; the number anonymised."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(due_for_anonymisation(now).order_by("pk").select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:BATCH])
            if not ids:
                return total
            Need.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
                household=None, description="", caller_phone_enc="", caller_phone_hash="", client_id="", anonymised_at=now
            )
            NeedEvent.objects.filter(need_id__in=ids).exclude(note="").update(note="")
        total += len(ids)

"""Key rotation: every stored identifier and pending import file re-encrypted under the current key,
then every other app's column sealed under the same keys (``residents.rotation``: volunteers' and
hotline callers' numbers)."""
from __future__ import annotations

from typing import Callable

from django.db import transaction

from .. import privacy
from ..models import ImportJob, Person
from ..rotation import sealed_parts


def rotate_keys(
    *, batch_size: int = 1000, progress: Callable[[int, int], None] | None = None,
    on_part: Callable[[str, int], None] | None = None,
) -> int:
    """Re-encrypt and re-hash every person (and pending import file) not yet under the current key,
    then every registered part of other apps (``on_part(label, count)`` after each).

    Works in batches, each in its own transaction with its rows locked, so it can be stopped
    and run again: it picks up where it left off. Returns the number of people re-encrypted.
    """
    current = privacy.keyring().current.key_id
    stale = Person.objects.exclude(key_id="").exclude(key_id=current)
    total = stale.count()
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(stale.filter(pk__gt=last_pk).order_by("pk").select_for_update(of=("self",))[:batch_size])
            if not batch:
                break
            for person in batch:
                for name, value in privacy.sealed_identifiers(person._decrypted_id_number(), person._decrypted_phones()).items():
                    setattr(person, name, value)
            Person.objects.bulk_update(
                batch,
                ["id_number_enc", "id_number_hash", "id_last4", "id_number_masked", "phones_enc", "phone_hashes", "phones_masked", "key_id"],
            )
        last_pk = batch[-1].pk
        done += len(batch)
        if progress:
            progress(done, total)
    for job in ImportJob.objects.exclude(payload_enc="").exclude(payload_enc__startswith=f"{current}$"):
        payload = privacy.decrypt_bytes(job.payload_enc, privacy.AAD_IMPORT)
        ImportJob.objects.filter(pk=job.pk, payload_enc=job.payload_enc).update(payload_enc=privacy.encrypt_bytes(payload, privacy.AAD_IMPORT))
    for part in sealed_parts():
        count = part.rotate(batch_size=batch_size)
        if on_part:
            on_part(part.label, count)
    return done

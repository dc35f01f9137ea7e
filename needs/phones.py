"""The two phone numbers the needs app keeps: a volunteer's (he signs in with it) and the caller's
of a need taken on the hotline (the grid worker calls back). Neither is stored in clear: each is
encrypted under the residents' keys (``residents.privacy``) with associated data naming its column,
beside a keyed hash that finds it, exactly as residents' numbers are.

The key rotation (``manage.py rotate_resident_keys``) re-encrypts and re-hashes both through
``rotate_volunteer_phones`` and ``rotate_caller_phones``, which this app registers with
``residents.rotation`` from its ``AppConfig.ready``: a number hashed under a key later dropped from
the ring would otherwise no longer be found, and a volunteer would no longer sign in.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from residents import privacy

from .models import Need, Volunteer

# Associated data of each ciphertext: one copied into the other column does not decrypt.
AAD_VOLUNTEER_PHONE = b"needs.volunteer.phone"
AAD_CALLER_PHONE = b"needs.need.caller_phone"


@dataclass(frozen=True)
class Sealed:
    enc: str
    hash: str


def seal(phone: str, aad: bytes, *, key: privacy.ResidentKey | None = None) -> Sealed:
    """The ciphertext and search hash of a normalised number, under one key (the current one by default)."""
    key = key or privacy.keyring().current
    return Sealed(privacy.encrypt(phone, aad, key=key), privacy.search_hash(privacy.PHONE, phone, key=key))


def phone_hashes(phone: str) -> list[str]:
    """Every hash the number may be stored under while older keys are still listed (current first)."""
    return privacy.search_hashes(privacy.PHONE, phone)


def caller_phone(need: Need) -> str:
    """The caller's number in full: for the staff who call back (``queries.row`` decides who)."""
    return privacy.decrypt(need.caller_phone_enc, AAD_CALLER_PHONE)


# --- key rotation -----------------------------------------------------------------------

def _stale(queryset: QuerySet, enc_field: str) -> QuerySet:
    current = privacy.keyring().current.key_id
    return queryset.exclude(**{enc_field: ""}).exclude(**{f"{enc_field}__startswith": f"{current}$"})


def _rotate(model, enc_field: str, hash_field: str, aad: bytes, batch_size: int) -> int:
    """Re-encrypt and re-hash the rows of ``model`` not under the current key, a locked batch per
    transaction (stopped and run again, it goes on where it stopped); the number rotated.

    Every value of a batch is decrypted before anything is written, so a key missing from the ring
    stops the batch with nothing of it half-rotated (``DecryptionError``)."""
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(_stale(model.objects.filter(pk__gt=last_pk), enc_field).order_by("pk")
                         .select_for_update(of=("self",)).values_list("pk", enc_field)[:batch_size])
            if not batch:
                return done
            key = privacy.keyring().current
            plain = [(pk, enc, privacy.decrypt(enc, aad)) for pk, enc in batch]
            for pk, enc, phone in plain:
                sealed = seal(phone, aad, key=key)
                # Conditional on the ciphertext read: a number changed meanwhile is not overwritten.
                model.objects.filter(pk=pk, **{enc_field: enc}).update(**{enc_field: sealed.enc, hash_field: sealed.hash})
        last_pk = batch[-1][0]
        done += len(batch)


def rotate_volunteer_phones(*, batch_size: int = 1000) -> int:
    return _rotate(Volunteer, "phone_enc", "phone_hash", AAD_VOLUNTEER_PHONE, batch_size)


def rotate_caller_phones(*, batch_size: int = 1000) -> int:
    return _rotate(Need, "caller_phone_enc", "caller_phone_hash", AAD_CALLER_PHONE, batch_size)


def stale_volunteer_phones() -> int:
    return _stale(Volunteer.objects.all(), "phone_enc").count()


def stale_caller_phones() -> int:
    return _stale(Need.objects.all(), "caller_phone_enc").count()

"""Encryption at rest, keyed search hashes and masking for personal data (PIPL, DESIGN.md §5).

Keys come from the environment variable ``GRIDGOV_RESIDENT_KEYS``: a comma-separated list of
``keyid:base64key`` (32-byte keys, AES-256), the first being the current key. Older keys stay
in the list until ``manage.py rotate_resident_keys`` has re-encrypted every row with the current
one; then they can be removed. Development and tests fall back to a key derived from
SECRET_KEY; production refuses to start without the variable (see ``ResidentsConfig.ready``).

Each key yields two sub-keys through HKDF so that one secret never serves two purposes: one
for AES-GCM, one for the HMAC-SHA256 that makes exact search possible without storing the
plaintext. Searching hashes the value under *every* key in the ring (current first), so rows
not yet rotated are still found while a rotation is under way.

Ciphertexts are stored as text, ``<keyid>$<base64url(nonce ‖ ciphertext ‖ tag)>``. The
associated data names the field ("residents.person.id_number"), so a ciphertext copied into
another column fails to decrypt instead of being read as the wrong thing.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV_NAME = "GRIDGOV_RESIDENT_KEYS"
DEV_KEY_ID = "dev"
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
NONCE_BYTES = 12

AAD_ID_NUMBER = b"residents.person.id_number"
AAD_PHONES = b"residents.person.phones"
AAD_IMPORT = b"residents.importjob.payload"


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key id, or tampered / misplaced ciphertext."""


@dataclass(frozen=True)
class ResidentKey:
    key_id: str
    encryption_key: bytes
    hash_key: bytes

    @cached_property
    def aead(self) -> AESGCM:
        # Built once per key: an import encrypts two values per row for 100,000 rows.
        return AESGCM(self.encryption_key)


@dataclass(frozen=True)
class Keyring:
    keys: tuple[ResidentKey, ...]  # current first

    @property
    def current(self) -> ResidentKey:
        return self.keys[0]

    def get(self, key_id: str) -> ResidentKey:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        raise DecryptionError(f"Key {key_id!r} is not in {ENV_NAME}; add it back until rotation has finished.")


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gridgov-residents", info=purpose).derive(master)


def _resident_key(key_id: str, master: bytes) -> ResidentKey:
    return ResidentKey(key_id, _derive(master, b"aes-gcm"), _derive(master, b"hmac-search"))


@lru_cache(maxsize=8)
def _parse(raw: str | None, secret_key: str, production: bool) -> Keyring:
    if not raw or not raw.strip():
        if production:
            raise ImproperlyConfigured(
                f"{ENV_NAME} must be set in production: a comma-separated list of keyid:base64 32-byte keys, current first."
            )
        # Development and tests only: a stable key derived from the (non-production) secret key.
        return Keyring((_resident_key(DEV_KEY_ID, _derive(secret_key.encode(), b"gridgov-dev-resident-key")),))
    keys: list[ResidentKey] = []
    for number, entry in enumerate(raw.split(","), start=1):
        entry = entry.strip()
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(f"{ENV_NAME} entry {number}: expected keyid:base64key with a key id of letters, digits, _ or -.")
        try:
            master = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"{ENV_NAME} entry {number} ({key_id}): the key is not valid base64.") from exc
        if len(master) != 32:
            raise ImproperlyConfigured(f"{ENV_NAME} entry {number} ({key_id}): the key must be 32 bytes, not {len(master)}.")
        if any(k.key_id == key_id for k in keys):
            raise ImproperlyConfigured(f"{ENV_NAME}: key id {key_id!r} appears twice.")
        keys.append(_resident_key(key_id, master))
    if not keys:
        raise ImproperlyConfigured(f"{ENV_NAME} holds no key.")
    return Keyring(tuple(keys))


def keyring() -> Keyring:
    """The keys now configured; read on every call so a changed environment takes effect (tests, rotation)."""
    return _parse(os.environ.get(ENV_NAME), settings.SECRET_KEY, bool(getattr(settings, "PRODUCTION", False)))


def new_key_entry(key_id: str) -> str:
    """A fresh ``keyid:base64key`` entry for GRIDGOV_RESIDENT_KEYS (used by the rotation command's --new-key)."""
    if not KEY_ID_RE.match(key_id):
        raise ValueError("A key id is 1–16 letters, digits, _ or -.")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


# --- encryption ---------------------------------------------------------------------------

def encrypt_bytes(plaintext: bytes, aad: bytes, *, key: ResidentKey | None = None) -> str:
    key = key or keyring().current
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext, aad)
    return f"{key.key_id}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt_bytes(token: str, aad: bytes) -> bytes:
    key_id, sep, body = token.partition("$")
    if not sep:
        raise DecryptionError("Not an encrypted value.")
    key = keyring().get(key_id)
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError("The stored value does not decrypt with its key (tampered or moved).") from exc


def encrypt(plaintext: str, aad: bytes, *, key: ResidentKey | None = None) -> str:
    """'' stays '' so that an empty field is not a ciphertext of nothing."""
    return encrypt_bytes(plaintext.encode(), aad, key=key) if plaintext else ""


def decrypt(token: str, aad: bytes) -> str:
    return decrypt_bytes(token, aad).decode() if token else ""


def key_id_of(token: str) -> str:
    return token.partition("$")[0] if token else ""


# --- keyed hashes for exact search --------------------------------------------------------

def normalise_id_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    # +86 / 0086 in front of a mobile number is the same number.
    if len(digits) == 13 and digits.startswith("86") and digits[2] == "1":
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086") and digits[4] == "1":
        digits = digits[4:]
    return digits


def _hmac(key: ResidentKey, kind: str, value: str) -> str:
    return hmac.new(key.hash_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def search_hash(kind: str, value: str, *, key: ResidentKey | None = None) -> str:
    """The hash stored with a row: under the current key."""
    return _hmac(key or keyring().current, kind, value) if value else ""


def search_hashes(kind: str, value: str) -> list[str]:
    """Every hash the value may be stored under while older keys are still listed (current first)."""
    return [_hmac(key, kind, value) for key in keyring().keys] if value else []


# --- masking ------------------------------------------------------------------------------

def mask_id_number(value: str) -> str:
    """``110101********1234``: region and last four stay readable, the birth date and sequence do not."""
    value = normalise_id_number(value)
    if not value:
        return ""
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    keep = 2 if len(value) < 10 else 3
    return value[:keep] + "*" * (len(value) - keep - 2) + value[-2:]


def mask_phone(value: str) -> str:
    """``138****5678`` for a mobile number; other numbers keep at most their first three and last four digits."""
    digits = normalise_phone(value)
    if not digits:
        return ""
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def last4(value: str) -> str:
    value = normalise_id_number(value)
    return value[-4:] if len(value) >= 4 else ""


# --- a person's sealed identifiers --------------------------------------------------------

def sealed_identifiers(id_number: str, phones: Sequence[str]) -> dict[str, Any]:
    """Ciphertext, search hashes and masked forms of a person's identifiers: the columns Person stores."""
    key = keyring().current
    joined = ",".join(phones)
    return {
        "id_number_enc": encrypt(id_number, AAD_ID_NUMBER, key=key),
        "id_number_hash": search_hash("id", id_number, key=key),
        "id_last4": last4(id_number),
        "id_number_masked": mask_id_number(id_number),
        "phones_enc": encrypt(joined, AAD_PHONES, key=key),
        "phone_hashes": [search_hash("phone", p, key=key) for p in phones],
        "phones_masked": ",".join(mask_phone(p) for p in phones),
        "key_id": key.key_id if (id_number or phones) else "",
    }

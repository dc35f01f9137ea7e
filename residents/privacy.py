"""Encryption at rest, keyed search hashes and masking for personal data (PIPL,
docs/domain/residents.md#privacy).

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
#
# One masking policy for every personal field, applied by ``mask`` wherever a value is shown
# without a reveal: API answers, pages, exports, the admin, change history, caller contacts
# (``docs/security.md`` has the table, ``residents.policy`` says who may reveal what).
#
# The rule each mask obeys: what is shown of a record, *together* with everything else shown
# beside it, leaves at least 1,000 candidates for its full ID or phone number. An 18-character
# ID number is region (6) · birth date (8) · sequence (3) · check character; the region follows
# from the registered address anyway and the gender (shown) fixes the sequence's parity. Shown
# with the year of birth, keeping the last four (sequence + check) would leave ~33 candidates
# (365 days / 11 check characters); hiding them leaves 365 × 500 = 182,500. The last four also
# stay out of the mask because a mask is re-applied to stored older forms (see below).
#
# Every mask can be applied again to its own output (or to an older, less masked form that
# was stored before this policy): it only ever hides more, so rows written under an older rule
# are shown under the current one without being rewritten first.

ID_NUMBER = "id_number"
PHONE = "phone"
BIRTH_DATE = "birth_date"
PERSON_NAME = "person_name"
EMAIL = "email"
CONTACT = "contact"
PUBLIC_TEXT = "public_text"  # free text published to anybody (an Open311 description): numbers in it masked
MASKED_FIELDS = (ID_NUMBER, PHONE, BIRTH_DATE, PERSON_NAME, EMAIL, CONTACT, PUBLIC_TEXT)

MIN_HIDDEN_DIGITS = 4  # 10,000 candidates for a phone number's hidden digits


def mask_id_number(value: str) -> str:
    """``110101************``: the region stays readable; birth date, sequence and check character do not.

    Other documents (passports …) keep at most their first two characters and hide at least four.
    """
    value = normalise_id_number(value)
    if not value:
        return ""
    if len(value) == 18:
        return value[:6] + "*" * 12
    keep = min(2, max(len(value) - MIN_HIDDEN_DIGITS, 0))
    return value[:keep] + "*" * (len(value) - keep)


def _phone_chars(value: str) -> str:
    # An already masked number keeps its stars, so that masking it again hides at least as much.
    if "*" in (value or ""):
        return re.sub(r"[^\d*]", "", value)
    return normalise_phone(value)


def mask_phone(value: str) -> str:
    """``138****5678`` for a mobile number; never fewer than four hidden digits.

    11 digits or more: first three and last four. 8–10 digits (landlines without the area
    code): four hidden in the middle, the rest split. Shorter: only the last two.
    """
    chars = _phone_chars(value)
    if not chars:
        return ""
    n = len(chars)
    if n >= 11:
        head, tail = 3, 4
    elif n >= 8:
        head = (n - MIN_HIDDEN_DIGITS) // 2
        tail = n - MIN_HIDDEN_DIGITS - head
    else:
        head, tail = 0, min(2, max(n - MIN_HIDDEN_DIGITS, 0))
    return chars[:head] + "*" * (n - head - tail) + (chars[n - tail:] if tail else "")


def birth_year(value) -> str:
    """The year of birth, never the day: the day is the 8 hidden digits of the ID number.

    A year rather than an age in years: an age ticks over on the birthday, so watching it day
    by day would give the date away.
    """
    if not value:
        return ""
    if hasattr(value, "year"):
        return str(value.year)
    match = re.match(r"^\s*(\d{4})", str(value))
    return match.group(1) if match else ""


def mask_name(value: str) -> str:
    """``张**``: the first character (the surname of a Chinese name) and stars."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * min(max(len(value) - 1, 1), 3)


def mask_email(value: str) -> str:
    """``z***@example.com``: the first character of the mailbox and the domain."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return mask_name(value)
    return (local[:1] or "*") + "***@" + domain


EMAIL_IN_TEXT = re.compile(r"[^\s@，,;；、]+@[^\s@，,;；、]+")
PHONE_IN_TEXT = re.compile(r"(?:\+|00)?\d[\d*\- ()（）]{4,}\d")
WORD_IN_TEXT = re.compile(r"[^\s\d@*，,;；、:：()（）+\-]+")


def mask_contact(value: str) -> str:
    """A free-text contact ("张三 13812345678 z@example.com"): every email, number and name masked.

    Hotline staff type the caller's contact as they hear it, so the text is scanned: emails,
    then runs of digits (phones), then the words left (names) each keep only their first
    character.
    """
    text = value or ""
    if not text.strip():
        return ""
    pieces: list[tuple[int, int, str]] = []

    def claim(pattern: re.Pattern, masker) -> None:
        for found in pattern.finditer(text):
            start, end = found.span()
            if any(s < end and start < e for s, e, _ in pieces):
                continue
            pieces.append((start, end, masker(found.group())))

    claim(EMAIL_IN_TEXT, mask_email)
    claim(PHONE_IN_TEXT, mask_phone)
    claim(WORD_IN_TEXT, mask_name)
    out, position = [], 0
    for start, end, masked in sorted(pieces):
        out.append(re.sub(r"\d", "*", text[position:start]))  # stray digits between the pieces
        out.append(masked)
        position = end
    out.append(re.sub(r"\d", "*", text[position:]))
    return "".join(out)


DATE_IN_TEXT = re.compile(r"(?:19|20)\d\d-\d{1,2}-\d{1,2}")
ID_NUMBER_IN_TEXT = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])|(?<!\d)\d{15}(?!\d)")


def mask_numbers_in_text(value: str) -> str:
    """Free text others wrote ("井盖丢了，请联系我 13812345678"), published as it is except for the
    personal numbers in it: emails, ID numbers and phone numbers (seven digits or more) masked as
    their fields are. House numbers, dates and the like stay readable."""
    text = value or ""
    text = EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    text = ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)

    def phone(found: re.Match) -> str:
        digits = re.sub(r"\D", "", found.group())
        if len(digits) < 7 or DATE_IN_TEXT.fullmatch(found.group()):
            return found.group()
        return mask_phone(found.group())

    return PHONE_IN_TEXT.sub(phone, text)


_MASKS = {
    ID_NUMBER: mask_id_number,
    PHONE: mask_phone,
    BIRTH_DATE: birth_year,
    PERSON_NAME: mask_name,
    EMAIL: mask_email,
    CONTACT: mask_contact,
    PUBLIC_TEXT: mask_numbers_in_text,
}


def mask(field: str, value) -> str:
    """The form of a personal field that anyone without a reveal is shown. The one entry point."""
    return _MASKS[field](value)


def mask_phones(values) -> list[str]:
    """Several phones (a stored comma-separated masked form or a list), each masked."""
    if isinstance(values, str):
        values = values.split(",")
    return [mask(PHONE, v) for v in values if v and v.strip()]


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

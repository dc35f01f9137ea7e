"""The hash of a one-time password an administrator hands out (the roster, a reset by hand).

A slow hash (Argon2, the default) protects a password a person chose and may reuse; a one-time
password is drawn by ``accounts.passwords.random_password`` — 16 characters from 56, about 93
bits — and must be changed at the first sign-in (``must_change_password``). Guessing it from a
stolen hash is out of reach at any hash speed, as with the API tokens' SHA-256 (accounts.tokens).
A fast hash lets a roster of 3,000 people be imported in seconds rather than minutes.

Only ``accounts.passwords`` writes this algorithm, and only for those random passwords; at the
sign-in Django re-hashes the password with Argon2 (``must_update``), and the user then chooses
their own.
"""
from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    algorithm = "onetime_pbkdf2_sha256"
    iterations = 1_000

    def must_update(self, encoded: str) -> bool:
        return True

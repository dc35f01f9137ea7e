"""Password acts: the user changes theirs; an administrator resets one.

Every act sets the password through ``User.set_password`` and saves, and ``User.save`` ends every
API token of the user; Django's session hash follows the password, so every other session of the
user ends at its next request. The caller keeps their own session (``update_session_auth_hash``
in the views) and, over the API, gets a fresh token pair.

An administrator resets a password in one of two ways (the admin's user list, actions):

- a one-time link by email (Django's reset token: it names the current password hash and last
  login, so it works once, and ends after ``PASSWORD_RESET_TIMEOUT``);
- a temporary password, shown once to the administrator, which the user must change at the next
  sign-in (``must_change_password``; accounts.middleware holds them to that).
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

# Without look-alikes (0/O, 1/l/I): read out over the phone or copied from a note.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def change_password(user, new_password: str) -> None:
    """The user's own new password (validated by the caller's form): tokens end, the temporary flag goes."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])


def random_password(user) -> str:
    """16 random characters without look-alikes (about 93 bits), in groups of four, that the validators accept."""
    while True:
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
        try:
            validate_password(password, user)
            return password
        except Exception:  # noqa: BLE001 - a validator disliked this one (e.g. similarity): draw again
            continue


def one_time_password_hash(password: str) -> str:
    """The stored hash of a random one-time password (accounts.hashers: a fast hash is enough for 93 random bits)."""
    return make_password(password, hasher="onetime_pbkdf2_sha256")


def give_one_time_password(user) -> str:
    """For a new user (the roster): a random password, changed at the first sign-in; set on the unsaved user, returned once."""
    password = random_password(user)
    user.password = one_time_password_hash(password)
    user.must_change_password = True
    return password


def set_temporary_password(user) -> str:
    """A random temporary password the user must change at the next sign-in; returned once, never stored in clear."""
    password = random_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return password


def reset_link(user) -> str:
    path = reverse("password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                                     "token": default_token_generator.make_token(user)})
    return (settings.GRIDGOV_BASE_URL.rstrip("/") + path) if settings.GRIDGOV_BASE_URL else path


def send_reset_link(user, *, base_url: str = "") -> bool:
    """Email the user a one-time link to choose a new password; False when they have no address."""
    if not user.email or not user.is_active:
        return False
    link = reset_link(user)
    if link.startswith("/") and base_url:
        link = base_url.rstrip("/") + link
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    body = render_to_string("accounts/password_reset_email.txt", {"user": user, "link": link, "hours": hours})
    send_mail(_("Choose a new gridgov password"), body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True

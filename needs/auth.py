"""Volunteers sign in with their mobile number (settings.AUTHENTICATION_BACKENDS).

The number is not their login name and is not stored in clear (needs.actions.volunteers): it is
found through its keyed hash, under the current and every older key still listed, and then the
password is checked as Django's own backend checks it. Anything that is not a mobile number is
left to the other backends (staff sign in with their login name)."""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from accounts.models import Role, User
from residents import privacy


class VolunteerPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        phone = privacy.normalise_phone(username or "")
        if len(phone) != 11 or not phone.startswith("1") or password is None:
            return None
        from .actions.volunteers import volunteer_phone_hashes

        user = (User.objects.filter(role=Role.VOLUNTEER, volunteer__phone_hash__in=volunteer_phone_hashes(phone)).first())
        if user is None:
            # As ModelBackend: hash anyway, so that an unknown number takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

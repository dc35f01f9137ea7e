"""A user holding a temporary password (set by an administrator) does nothing else before
choosing their own: pages lead to the password change, the API answers 403 saying why.

Signed-in sessions are checked here; token clients in ``accounts.fastauth.TokenAuthentication``
(DRF authenticates after the middleware has run).
"""
from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

# What the user may still reach: the change itself, signing out, the language switch, static files.
_ALLOWED_NAMES = ("password_change", "logout", "set_language", "api-password", "api-token-revoke")


def password_change_allowed(path: str) -> bool:
    from django.conf import settings

    if path.startswith(settings.STATIC_URL):
        return True
    return any(path == reverse(name) for name in _ALLOWED_NAMES)


def password_change_refusal() -> str:
    return _("Your password was set by an administrator: choose your own password first (POST /api/v1/auth/password/).")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            if not password_change_allowed(request.path):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": password_change_refusal(), "code": "password_change_required"}, status=403)
                return redirect(f"{reverse('password_change')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

"""Pages for passwords: change your own, and choose a new one from a reset link.

Both validate with Django's forms (the old password, AUTH_PASSWORD_VALIDATORS) and write with
``accounts.passwords.change_password``, which ends every API token of the user; other sessions
end by Django's session hash. Your own session stays (its key is cycled).
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .passwords import change_password


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = form.user
        change_password(user, form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password was changed. Every other sign-in of yours (phones, other browsers, API tokens) has ended."))
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}, self.request.is_secure()):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["temporary"] = self.request.user.must_change_password
        context["next"] = self.request.GET.get("next", "")
        return context


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The page a reset link opens (Django checks the one-time token, then moves it into the session)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        change_password(form.user, form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your new password is set. Sign in with it."))
        return HttpResponseRedirect(self.get_success_url())

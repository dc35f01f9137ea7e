from django.contrib.auth import views as auth_views
from django.urls import path

from . import password_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_views.PasswordChangeView.as_view(), name="password_change"),
    # The one-time link an administrator has emailed (accounts.passwords.send_reset_link).
    path("reset/<uidb64>/<token>/", password_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
]

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotDemoPasswordValidator:
    """In production the published demo password is refused for every account."""

    def validate(self, password: str, user=None) -> None:
        if settings.PRODUCTION and password == settings.GRIDGOV_DEMO_PASSWORD:
            raise ValidationError(_("The demo password is public and cannot be used in production."), code="demo_password")

    def get_help_text(self) -> str:
        return _("Your password cannot be the published demo password.")

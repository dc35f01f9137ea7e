"""What the needs app says in the project's inbox (incidents' notifications): a need that climbed a
level, told to the staff of the level it reached. Registered from ready() into incidents'
vocabularies, so the inbox, the API and the email render it in the reader's language.

The kind's name is reference data in two languages (``NeedKind.name`` / ``name_en``): the row keeps
both (``incidents.timeline.bilingual``) and the reader's is shown.
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

NEED_ESCALATED = "need_escalated"

NEED_ESCALATED_LABEL = _("A need overdue, now at your level")
NEED_ESCALATED_MESSAGE = _("A need (%(kind)s) was not met in time and is now your level's, due %(deadline)s.")


def register_notices() -> None:
    from incidents.kinds import register_notification_kind
    from incidents.timeline import register_message

    # An unmet need is somebody waiting for medicine or food: worth an email too.
    register_notification_kind(NEED_ESCALATED, NEED_ESCALATED_LABEL, email=True)
    register_message(NEED_ESCALATED, NEED_ESCALATED_MESSAGE)


def need_link_parts() -> tuple[str, str]:
    """The need's page path around its id, for a statement that builds the link per row."""
    marker = 987654321
    before, after = reverse("needs:detail", args=[marker]).split(str(marker))
    return before, after

"""What the emergencies app says in the project's inbox (incidents' notifications): its kind and
its sentence, registered from ready() into incidents' vocabularies (incidents.kinds,
incidents.timeline), so the inbox, the API and the email render it in the reader's language.

A sweep may move thousands of one campaign's tasks at once: the staff of the level they reach get
one notification per campaign and area (with the count), not one per door.
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TASKS_ESCALATED = "tasks_escalated"

TASKS_ESCALATED_LABEL = _("Emergency tasks overdue, now at your level")
TASKS_ESCALATED_MESSAGE = _(
    "%(count)s tasks of the campaign “%(campaign)s” were not done in time and are now your level's, due %(deadline)s."
)


def register_notices() -> None:
    from incidents.kinds import register_notification_kind
    from incidents.timeline import register_message

    register_notification_kind(TASKS_ESCALATED, TASKS_ESCALATED_LABEL, email=True)
    register_message(TASKS_ESCALATED, TASKS_ESCALATED_MESSAGE)


def campaign_link_parts() -> tuple[str, str]:
    """The campaign page's path around its id, for a statement that builds the link per row."""
    marker = 987654321
    path = reverse("emergencies:campaign", args=[marker])
    before, after = path.split(str(marker))
    return before, after

"""Cards this app adds to the role home pages (accounts.views.register_home_card)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import GridAssignment

from .models import OPEN_STATUSES, Patrol, Status
from .queries import incidents_for, waiting_for_level


def grid_worker_card(request) -> dict | None:
    user = request.user
    cells = GridAssignment.objects.active().filter(user=user).values("cell__code")
    mine = incidents_for(user).filter(area__code__in=cells)
    to_check = incidents_for(user).filter(status=Status.HANDLED, cell__code__in=cells).count()
    open_cases = mine.filter(status__in=OPEN_STATUSES, level="grid")
    red = open_cases.filter(light="red").count()
    count = open_cases.count()
    body = ngettext(
        "%(count)d open case in my cells (%(red)d overdue); %(check)d waiting for my on-site check.",
        "%(count)d open cases in my cells (%(red)d overdue); %(check)d waiting for my on-site check.",
        count,
    ) % {"count": count, "red": red, "check": to_check}
    return {"title": _("Today's cases"), "body": body, "url": reverse("incidents:list"), "link_label": _("Open the list")}


def patrol_card(request) -> dict | None:
    running = Patrol.objects.filter(worker=request.user, ended_at__isnull=True).first()
    if running:
        return {"title": _("Patrol"), "body": _("A patrol is running."), "url": reverse("incidents:patrol"), "link_label": _("Continue the patrol")}
    return {"title": _("Patrol"), "body": _("Walk your cells and report what you find."), "url": reverse("incidents:patrol"),
            "link_label": _("Start patrol")}


def level_inbox_card(request) -> dict | None:
    waiting = waiting_for_level(request.user).filter(status__in=OPEN_STATUSES)
    count = waiting.count()
    red = waiting.filter(light="red").count()
    body = ngettext(
        "%(count)d case waits at your level (%(red)d overdue).", "%(count)d cases wait at your level (%(red)d overdue).", count
    ) % {"count": count, "red": red}
    return {"title": _("Inbox"), "body": body, "url": reverse("incidents:inbox"), "link_label": _("Open the inbox")}


def centre_card(request) -> dict | None:
    waiting = waiting_for_level(request.user).filter(status__in=OPEN_STATUSES)
    count = waiting.count()
    body = ngettext("%(count)d case held at the command centre.", "%(count)d cases held at the command centre.", count) % {"count": count}
    return {"title": _("Command centre"), "body": body, "url": reverse("incidents:list") + "?level=district",
            "link_label": _("Open the list")}

"""Home cards and navigation badges this app adds (accounts.views.register_home_card, register_nav)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .queries import centre_queue, checks_for, department_open_count, stage_counts
from .satisfaction import verdicts_awaited

# How many of a list home shows under a card; the card's page holds them all.
HOME_ITEMS = 5


def _cached(request, name: str, compute):
    # The badge and the card ask on the same page: count once per request.
    attribute = f"_dispatch_{name}"
    if not hasattr(request, attribute):
        setattr(request, attribute, compute())
    return getattr(request, attribute)


def console_card(request) -> dict | None:
    counts = _cached(request, "counts", lambda: stage_counts(centre_queue(request.user)))
    body = (
        _("%(register)d to register, %(dispatch)d to dispatch, %(verify)d to verify, %(close)d to close; %(red)d overdue.")
        % counts
    )
    return {"title": _("Command centre"), "body": body, "url": reverse("dispatch:console"), "link_label": _("Open the console")}


def department_card(request) -> dict | None:
    count = _cached(request, "inbox", lambda: department_open_count(request.user))
    body = ngettext("%(count)d case waits for your department.", "%(count)d cases wait for your department.", count) % {
        "count": count
    }
    return {"title": _("Department inbox"), "body": body, "url": reverse("dispatch:inbox"), "link_label": _("Open the inbox")}


def inbox_badge(request) -> int | None:
    return _cached(request, "inbox", lambda: department_open_count(request.user)) or None


def checks_card(request) -> dict | None:
    count = _cached(request, "checks", lambda: checks_for(request.user).count())
    if not count:
        return None
    body = ngettext(
        "%(count)d handled case in your cells waits for your on-site check.",
        "%(count)d handled cases in your cells wait for your on-site check.",
        count,
    ) % {"count": count}
    items = [
        {"url": reverse("dispatch:case", args=[case.pk]), "text": f"{case.label} {case.category.label}",
         "meta": case.cell.name if case.cell_id else case.filed_area.name}
        for case in checks_for(request.user)[:HOME_ITEMS]
    ]
    return {"title": _("On-site checks"), "body": body, "items": items, "url": reverse("dispatch:checks"), "link_label": _("Check them")}


def checks_badge(request) -> int | None:
    return _cached(request, "checks", lambda: checks_for(request.user).count()) or None


def verdicts_card(request) -> dict | None:
    """A grid worker's closed reports waiting for her verdict (回访), the oldest linked."""
    awaited = list(verdicts_awaited(request.user).values_list("pk", flat=True)[:100])
    if not awaited:
        return None
    body = ngettext(
        "%(count)d of your reports was closed: say whether you are satisfied.",
        "%(count)d of your reports were closed: say whether you are satisfied.",
        len(awaited),
    ) % {"count": len(awaited)}
    return {"title": _("Your verdict"), "body": body, "url": reverse("incidents:detail", args=[awaited[0]]),
            "link_label": _("Give the verdict")}


def indicators_card(request) -> dict | None:
    return {
        "title": _("Evaluation"),
        "body": _("Filing, closure, on-time and return rates by department and area."),
        "url": reverse("dispatch:indicators"),
        "link_label": _("Open the dashboard"),
    }


def workload_card(request) -> dict | None:
    """Who covers the cells of the user's area: how many nobody covers (the assignment map)."""
    from grids.models import Level

    from .workload import workload

    area = request.user.area
    if area is None or area.valid_to is not None or area.level == Level.GRID:
        return None
    totals = workload(request.user, area)["totals"]
    if totals["uncovered"]:
        body = ngettext(
            "%(uncovered)d of %(cells)d cells is covered by nobody; %(workers)d grid workers.",
            "%(uncovered)d of %(cells)d cells are covered by nobody; %(workers)d grid workers.",
            totals["uncovered"],
        ) % totals
    else:
        body = _("Every one of the %(cells)d cells has its grid worker (%(workers)d grid workers).") % totals
    return {"title": _("Grid workers"), "body": body, "url": reverse("dispatch:workload"), "link_label": _("Open the assignment map")}

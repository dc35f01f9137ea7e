"""Reads of the emergencies app, every one through accounts.scope.scoped."""
from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Left

from accounts.capabilities import can
from accounts.scope import scope_codes, scoped
from grids.models import CODE_LENGTH, Area, Level
from residents.privacy import mask_name

from .capabilities import SEE_CARE_NAMES
from .health import COUNTER_COLUMNS
from .models import Campaign, CellProgress, Emergency, Outcome, Task, Unit, Zone
from .units import UNIT_ROWS

_ZONE_COUNTS = """
WITH households AS ({households}), people AS ({people})
SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM people), (SELECT count(*) FROM people WHERE care)
"""


def zone_counts(zone: Zone) -> dict[str, int]:
    """Households, present residents and care-tagged residents inside a zone (the campaigns' own unit rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_ZONE_COUNTS.format(households=UNIT_ROWS[Unit.HOUSEHOLD], people=UNIT_ROWS[Unit.PERSON]), {"zone": zone.pk})
        households, residents, care = cursor.fetchone()
    return {"households": households, "residents": residents, "care_residents": care}


def visible_emergencies(user):
    """Emergencies the user works in: declared over their jurisdiction or over an area that holds it."""
    codes = scope_codes(user)
    everything = Emergency.objects.select_related("area")
    if codes is None:
        return everything
    if not codes:
        return everything.none()
    inside = scoped(everything, user)
    # An emergency of the district reaches every community and cell in it: its area's code is a prefix of theirs.
    above = Q()
    for code in codes:
        for level_length in sorted(set(CODE_LENGTH.values())):
            if level_length < len(code):
                above |= Q(area__code=code[:level_length])
    return everything.filter(Q(pk__in=inside.values("pk")) | above) if above else inside


def worker_tasks(user, campaign_ids=None):
    """The tasks the user goes to, in walking order (building, unit, floor, room)."""
    tasks = scoped(Task.objects.all(), user).filter(campaign__emergency__status="active")
    if campaign_ids is not None:
        tasks = tasks.filter(campaign_id__in=campaign_ids)
    return tasks.select_related("building", "household", "campaign").order_by(
        "-care", "building__code", "unit_label", "floor", "room", "id"
    )


LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


def rollup(user, campaign: Campaign, level: str) -> list[dict]:
    """The campaign's counters summed per area of ``level`` (district, street, community or grid),
    over the cells the user may see. The counters are kept by every write (outcomes, the sweep, a
    redraw), so this sums one row per cell; the grouping by code prefix is done in PostgreSQL:
    a district's dashboard of 16,800 cells fetches 168 rows at community level, not 16,800."""
    length = CODE_LENGTH[Level(level)]
    rows = (
        scoped(CellProgress.objects.filter(campaign=campaign), user)
        .annotate(area_code=Left("cell__code", length))
        .values("area_code")
        .annotate(total=Sum("total"), care_total=Sum("care_total"), reached=Sum("reached"), care_reached=Sum("care_reached"),
                  nobody_home=Sum("nobody_home"), needs_help=Sum("needs_help"), overdue=Sum("overdue"),
                  # The health answers as figures only ("yes" counts), whoever reads the progress.
                  **{column: Sum(column) for column in COUNTER_COLUMNS})
        .order_by("area_code")
    )
    sums = {row.pop("area_code"): {key: int(value or 0) for key, value in row.items()} for row in rows}
    names = dict(Area.objects.current().filter(code__in=sums).values_list("code", "name"))
    return [{"code": code, "name": names.get(code, code), **figures} for code, figures in sums.items()]


def care_not_reached(user, campaign: Campaign, limit: int = 500) -> list[dict]:
    """Care-tagged units not reached yet, by name to those who go to them, masked otherwise
    (plain rows of the columns shown: the list may be hundreds long on every refresh)."""
    tasks = scoped(Task.objects.filter(campaign=campaign, care=True), user).filter(
        outcome__in=[Outcome.PENDING, Outcome.NOBODY_HOME]
    ).order_by("deadline", "id").values(
        "pk", "cell__code", "building__address", "room", "person__name", "household__head__name", "deadline", "outcome", "level"
    )[:limit]
    show = can(user, SEE_CARE_NAMES)
    out = []
    for task in tasks:
        name = task["person__name"] or task["household__head__name"] or ""
        out.append({
            "task": task["pk"], "cell": task["cell__code"], "address": task["building__address"], "room": task["room"],
            "name": name if show else mask_name(name), "deadline": task["deadline"], "outcome": task["outcome"], "level": task["level"],
        })
    return out


def load(user, campaign: Campaign) -> list[dict]:
    """Open and all tasks per grid worker (from the counters: one worker a cell) and per volunteer
    (the tasks handed to volunteers, a small share)."""
    workers = (
        scoped(CellProgress.objects.filter(campaign=campaign), user)
        .values("worker__username")
        .annotate(total=Sum("total"), reached=Sum("reached"))
        .order_by("worker__username")
    )
    volunteers = (
        scoped(Task.objects.filter(campaign=campaign, assignee__isnull=False), user)
        .values("assignee__username")
        .annotate(open=Count("id", filter=Q(outcome__in=[Outcome.PENDING, Outcome.NOBODY_HOME])), total=Count("id"))
        .order_by("assignee__username")
    )
    rows = [{"worker": r["worker__username"] or "", "volunteer": "", "open": r["total"] - r["reached"], "total": r["total"]} for r in workers]
    rows += [{"worker": "", "volunteer": r["assignee__username"], "open": r["open"], "total": r["total"]} for r in volunteers]
    return rows

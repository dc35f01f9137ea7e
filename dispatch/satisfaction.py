"""The satisfaction rate (满意率) of the evaluation: the reporters' verdicts on closed cases (回访).

Formula (docs/domain/indicators.md): of the verdicts *given in the period* on cases filed under
the area, satisfaction = (满意 + 基本满意) ÷ verdicts given. A case closed, judged 不满意, reworked
and closed again is judged twice: each verdict counts in the period it was given. No verdict: no
rate ("—"), never 0 or 100 %. Per area (the case's filed area and its street, community, cell),
per category, and per department (every department with a share of the case, returned and
withdrawn shares excepted).

Verdicts are few (one per closure at most), so they are read and counted here in Python, in one
query per table asked for, and attached to the rows the indicators computed (``attach``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from grids.models import CODE_LENGTH as LEVEL_CODE_LENGTH
from grids.models import Level

from .models import ACTIVE_ASSIGNMENT, Assignment, Verdict, VerdictValue

GOOD = (VerdictValue.SATISFIED, VerdictValue.BASICALLY)
CODE_LENGTH = {"street": LEVEL_CODE_LENGTH[Level.STREET], "community": LEVEL_CODE_LENGTH[Level.COMMUNITY],
               "cell": LEVEL_CODE_LENGTH[Level.GRID]}


@dataclass
class Satisfaction:
    given: int = 0
    good: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.good / self.given, 4) if self.given else None


def _verdicts(period, area_code: str):
    return Verdict.objects.filter(at__gte=period.start, at__lt=period.end, incident__filed_area__code__startswith=area_code)


def by_key(period, area_code: str, kind: str) -> dict[str, Satisfaction]:
    """{key: Satisfaction} for ``kind``: total, street, community, cell, category or department."""
    rows = _verdicts(period, area_code)
    found: dict[str, Satisfaction] = {}
    if kind == "department":
        shares = Assignment.objects.filter(incident_id__in=rows.values("incident_id"), status__in=ACTIVE_ASSIGNMENT)
        departments: dict[int, set[int]] = {}
        for incident_id, department_id in shares.values_list("incident_id", "department_id"):
            departments.setdefault(incident_id, set()).add(department_id)
        pairs: Iterable[tuple[str, str]] = (
            (str(department), value) for incident_id, value in rows.values_list("incident_id", "value")
            for department in departments.get(incident_id, ())
        )
    elif kind == "category":
        pairs = ((str(category), value) for category, value in rows.values_list("incident__category_id", "value"))
    elif kind in CODE_LENGTH:
        length = CODE_LENGTH[kind]
        pairs = ((code[:length], value) for code, value in rows.values_list("incident__filed_area__code", "value")
                 if len(code) >= length)
    else:
        pairs = ((area_code, value) for value in rows.values_list("value", flat=True))
    for key, value in pairs:
        entry = found.setdefault(key, Satisfaction())
        entry.given += 1
        entry.good += value in GOOD
    return found


def attach(rows: Iterable[Any], period, area_code: str, kind: str) -> None:
    """Set ``verdicts`` and ``satisfaction_rate`` on each row (its ``key`` names the group)."""
    found = by_key(period, area_code, kind)
    for row in rows:
        entry = found.get(str(row.key), Satisfaction())
        row.verdicts, row.satisfaction_rate = entry.given, entry.rate


def counts(period, area_code: str) -> Counter:
    """How many verdicts of each value were given (the dashboard's breakdown)."""
    return Counter(_verdicts(period, area_code).values_list("value", flat=True))


AWAITED_DAYS = 30  # a grid worker is reminded of her closed reports for a month


def verdicts_awaited(user):
    """The user's own reports closed in the last month that still wait for her verdict, oldest first."""
    from datetime import timedelta

    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from incidents.models import Incident, Source, Status

    judged = Verdict.objects.filter(incident_id=OuterRef("pk"), closed_at=OuterRef("closed_at"))
    return (
        Incident.objects.filter(reporter_id=user.pk, source__in=[Source.PATROL, Source.SELF_REPORT], status=Status.CLOSED,
                                closed_at__gte=timezone.now() - timedelta(days=AWAITED_DAYS))
        .exclude(Exists(judged))
        .order_by("closed_at")
    )

"""The satisfaction rate (满意率) of the evaluation: the reporters' verdicts on closed cases (回访).

Formula (docs/domain/indicators.md): of the verdicts *given in the period* on cases filed under
the area, satisfaction = (满意 + 基本满意) ÷ verdicts given. A case closed, judged 不满意, reworked
and closed again is judged twice: each verdict counts in the period it was given. No verdict: no
rate ("—"), never 0 or 100 %. Per area (the case's filed area and its street, community, cell),
per category, and per department (every department with a share of the case, returned and
withdrawn shares excepted).

Verdicts are few (one per closure at most), so they are read once — with each case's class, filed
area and departments — in one query for every table asked for, counted here in Python and
attached to the rows the indicators computed (``attach``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

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


def _read(period, area_code: str, *, departments: bool) -> list[tuple]:
    """(value, category id, filed area's code, [department ids]) of every verdict: one query."""
    rows = _verdicts(period, area_code)
    fields = ["value", "incident__category_id", "incident__filed_area__code"]
    if departments:
        shares = Assignment.objects.filter(incident_id=OuterRef("incident_id"), status__in=ACTIVE_ASSIGNMENT)
        rows = rows.annotate(department_ids=ArraySubquery(shares.values("department_id")))
        fields.append("department_ids")
    return [(*row, ()) if not departments else row for row in rows.values_list(*fields)]


def _keys(kind: str, area_code: str, category: int, code: str, department_ids) -> Iterable[str]:
    """The groups of ``kind`` a verdict counts in: total, street, community, cell, category or department."""
    if kind == "department":
        return [str(department) for department in set(department_ids or ())]
    if kind == "category":
        return [str(category)]
    if kind in CODE_LENGTH:
        length = CODE_LENGTH[kind]
        return [code[:length]] if len(code) >= length else []
    return [area_code]


def by_kinds(period, area_code: str, kinds: Iterable[str]) -> dict[str, dict[str, Satisfaction]]:
    """{kind: {key: Satisfaction}} for every kind asked, from one reading of the verdicts."""
    kinds = list(dict.fromkeys(kinds))
    found: dict[str, dict[str, Satisfaction]] = {kind: {} for kind in kinds}
    if not kinds:
        return found
    for value, category, code, department_ids in _read(period, area_code, departments="department" in kinds):
        for kind in kinds:
            for key in _keys(kind, area_code, category, code, department_ids):
                entry = found[kind].setdefault(key, Satisfaction())
                entry.given += 1
                entry.good += value in GOOD
    return found


def by_key(period, area_code: str, kind: str) -> dict[str, Satisfaction]:
    """{key: Satisfaction} for ``kind``: total, street, community, cell, category or department."""
    return by_kinds(period, area_code, [kind])[kind]


def attach(groups: dict[str, Iterable[Any]], period, area_code: str) -> None:
    """Set ``verdicts`` and ``satisfaction_rate`` on each row of each table ({kind: rows}; a
    row's ``key`` names its group), reading the verdicts once for all of them."""
    groups = {kind: list(rows) for kind, rows in groups.items()}
    found = by_kinds(period, area_code, groups)
    for kind, rows in groups.items():
        for row in rows:
            entry = found[kind].get(str(row.key), Satisfaction())
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

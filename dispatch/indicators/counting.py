"""Counting an area's cases: the statement of ``area_sql`` run and its rows named."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from django.db import connections, transaction
from django.utils import timezone

from accounts.capabilities import Capability, roles_with
from accounts.models import User
from gridgov.replica import read_alias
from grids.models import Area
from incidents.models import Category, Source

from .. import satisfaction
from ..models import IndicatorSettings, Moderation
from .area_sql import AREA_COLUMNS, AREA_GROUPS, OTHER_GROUPS, area_sql
from .periods import Period
from .rows import AreaResult, Row

UNREGISTERED = ["reported", "rejected", "duplicate", "held"]  # held: a report waiting for moderation


def prefix(code: str) -> str:
    # Codes are digits only (a check constraint says so), so no LIKE wildcard can sneak in.
    return f"{code}%"


def statement_params(area_code: str, period: Period, exclude_deferred: bool, now: datetime | None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "start": period.start,
        "end": period.end,
        "cut": min(period.end, now),
        "prefix": prefix(area_code),
        "exclude_deferred": exclude_deferred,
        "zone": str(timezone.get_current_timezone()),
        "unregistered": UNREGISTERED,
        "spam": Moderation.SPAM.value,
    }


def tune(cursor) -> None:
    # The statements are short scans: compiling them (JIT) costs more than it saves, and the
    # per-case hash tables should stay in memory. An area's cases are a small part of the table
    # and sit in memory: priced as reads from a spinning disk (the default random_page_cost of 4),
    # fetching them by index looks dearer than a parallel scan of every case in the city, which
    # measured 2-3 times slower (a district of twenty, one year: ~440 ms against ~180 ms).
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '32MB'")
    cursor.execute("SET LOCAL random_page_cost = 1.1")


def _area_row(key: str, values: dict[str, Any]) -> Row:
    counts = {name: int(values.get(name) or 0) for name in AREA_COLUMNS if name != "hours"}
    hours = float(values.get("hours") or 0)
    return Row(key=key, name="", **counts, avg_handling_hours=hours / counts["closed"] if counts["closed"] else None)


def area_indicators(
    area_code: str,
    period: Period,
    *,
    groups: Iterable[str] = (),
    exclude_deferred: bool | None = None,
    now: datetime | None = None,
) -> AreaResult:
    """Indicators of the area (every case filed under its code) in the period, and of the groups
    asked for inside it: street, community, cell, worker (grid workers, by who reported),
    category, source (the channel), day — all from one statement that reads each of the area's
    cases once (see ``area_sql``); only the groupings asked for are computed."""
    if exclude_deferred is None:
        exclude_deferred = IndicatorSettings.current().exclude_deferred
    wanted = set(groups)
    unknown = wanted - set(AREA_GROUPS) - set(OTHER_GROUPS)
    if unknown:
        raise ValueError(f"Unknown groupings: {', '.join(sorted(unknown))}")
    params = statement_params(area_code, period, exclude_deferred, now)
    alias = read_alias()  # the standby when the request reads from it (gridgov/replica/routes.py)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        tune(cursor)
        # Every version of every area under the code, as constants for the planner (see area_sql).
        # Written out once as array literals (ids and codes are digits only): passed as lists, the
        # driver would quote thousands of elements again at each of their places in the statement.
        cursor.execute("SELECT id, code FROM grids_area WHERE code LIKE %(prefix)s", params)
        areas = cursor.fetchall()
        params["area_ids"] = "{" + ",".join(str(area_id) for area_id, _code in areas) + "}"
        params["area_codes"] = "{" + ",".join(code for _area_id, code in areas) + "}"
        cursor.execute(area_sql(wanted), params)
        found = cursor.fetchall()
    total = _area_row(area_code, {})
    items: dict[str, list[tuple[Any, Row]]] = {name: [] for name in wanted}
    for grouping, key, *values in found:
        row = _area_row(key, dict(zip(AREA_COLUMNS, values)))
        if grouping == "total":
            total = row
            total.key = area_code
        elif key:  # no key: cases filed above the grouping (no community or cell)
            value = _key_value(grouping, key)
            if grouping == "day" and not (period.first <= value <= period.last):
                continue  # cases carried over into the period: judged on a day before it
            items[grouping].append((value, row))
    result = AreaResult(
        total=total.finish(),
        groups={name: named(name, items[name]) for name in (*AREA_GROUPS, *OTHER_GROUPS) if name in wanted},
    )
    satisfaction.attach({"total": [result.total], **result.groups}, period, area_code)
    return result


def _key_value(grouping: str, key: str) -> Any:
    if grouping in ("worker", "category"):
        return int(key)
    if grouping == "day":
        return date.fromisoformat(key)
    return key


def _names(kind: str, keys: list[Any]) -> dict[Any, str]:
    names: dict[Any, str] = {}
    if kind in ("street", "community", "cell"):
        for code, name in Area.objects.filter(code__in=keys).order_by("code", "-valid_from").values_list("code", "name"):
            names.setdefault(code, name)
    elif kind == "worker":
        workers = User.objects.filter(pk__in=keys, role__in=roles_with(Capability.WORK_CELLS))
        names = {user.pk: user.display_name for user in workers}
    elif kind == "category":
        names = {c.pk: str(c) for c in Category.objects.filter(pk__in=keys).select_related("parent")}
    elif kind == "source":
        labels = dict(Source.choices)
        names = {key: str(labels.get(key, key)) for key in keys}
    elif kind == "day":
        names = {key: key.isoformat() for key in keys}
    return names


def named(kind: str, items: list[tuple[Any, Row]]) -> list[Row]:
    names = _names(kind, [key for key, _row in items])
    if kind == "worker":  # the dispatchers' and hotline's own reports are nobody's grid work
        items = [(key, row) for key, row in items if key in names]
    result = []
    for key, row in items:
        row.name = names.get(key, str(key))
        if kind == "day":
            row.key = key.isoformat()
        result.append(row.finish())
    if kind == "day":
        result.sort(key=lambda r: r.key)
    else:
        result.sort(key=lambda r: (-r.accepted, r.key))
    return result

"""Cached reads of the indicators: an answer is kept for the rest of the minute."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Iterable

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from .counting import area_indicators
from .departments import department_indicators
from .periods import Period
from .rows import AreaResult, DepartmentResult

CACHE_SECONDS = 60


def _cached(kind: str, compute, *parts: Any, now: datetime | None = None):
    """The value computed at most a minute ago for the same question, else computed now.

    The evaluation is read by leaders and dispatchers many times a minute while cases change
    every few seconds: recomputing a year of a district on every read would cost far more than
    a minute of staleness is worth. Pages show when the figures were computed."""
    from django.core.cache import cache

    minute = (now or timezone.now()).strftime("%Y%m%d%H%M")
    # The database's name keeps checkouts and test databases that share one Redis apart.
    # Names of categories and departments follow the viewer's language, so the language is a part.
    raw = ":".join(str(part) for part in (connection.settings_dict["NAME"], kind, get_language(), *parts, minute))
    key = "dispatch:indicators:" + hashlib.sha256(raw.encode()).hexdigest()
    try:
        found = cache.get(key)
    except Exception:  # the cache is a speed-up only: without Redis, compute
        found = None
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        pass
    return value


def cached_area_indicators(
    area_code: str, period: Period, *, groups: Iterable[str] = (), exclude_deferred: bool, now: datetime | None = None
) -> AreaResult:
    groups = tuple(sorted(set(groups)))
    return _cached(
        "area",
        lambda: area_indicators(area_code, period, groups=groups, exclude_deferred=exclude_deferred, now=now),
        area_code,
        period.first,
        period.last,
        ",".join(groups),
        exclude_deferred,
        now=now,
    )


def cached_department_indicators(
    period: Period,
    *,
    area_code: str,
    department_ids: Iterable[int] | None = None,
    exclude_deferred: bool,
    now: datetime | None = None,
) -> DepartmentResult:
    ids = tuple(sorted(department_ids)) if department_ids is not None else None
    return _cached(
        "departments",
        lambda: DepartmentResult(
            department_indicators(period, area_code=area_code, department_ids=ids, exclude_deferred=exclude_deferred, now=now)
        ),
        area_code,
        period.first,
        period.last,
        ids,
        exclude_deferred,
        now=now,
    )

"""Figures of needs for the dashboards: open and overdue needs by kind in an area (and emergency).

Counts carry no personal data; they are computed over the needs whose cell lies in the area (by
code prefix, docs/domain/areas.md#codes), so any level's dashboard may call them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from .models import Need, NeedKind, RUNNING_STATUSES, NeedStatus


@dataclass(frozen=True)
class KindCount:
    kind: NeedKind
    open: int  # not delivered yet (open or taken)
    overdue: int  # of those, past their deadline
    delivered: int  # waiting for the household's confirmation


def open_by_kind(area, emergency=None, *, now: datetime | None = None) -> list[KindCount]:
    """Needs of ``area`` (an Area; None: everywhere) and ``emergency`` (None: every need) still to
    fulfil, by kind, in the kinds' order; kinds with nothing open are left out."""
    now = now or timezone.now()
    needs = Need.objects.all()
    if area is not None:
        needs = needs.filter(cell__code__startswith=area.code)
    if emergency is not None:
        needs = needs.filter(emergency=emergency)
    rows = needs.values("kind_id").annotate(
        open=Count("id", filter=Q(status__in=RUNNING_STATUSES)),
        overdue=Count("id", filter=Q(status__in=RUNNING_STATUSES, deadline__lt=now)),
        delivered=Count("id", filter=Q(status=NeedStatus.DELIVERED)),
    )
    by_kind = {row["kind_id"]: row for row in rows if row["open"] or row["delivered"]}
    return [
        KindCount(kind=kind, open=by_kind[kind.pk]["open"], overdue=by_kind[kind.pk]["overdue"], delivered=by_kind[kind.pk]["delivered"])
        for kind in NeedKind.objects.filter(pk__in=by_kind)
    ]

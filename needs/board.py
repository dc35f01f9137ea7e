"""The needs board (docs/needs.md#the-board): unsettled needs of the reader's area by kind and
urgency, filtered, as a list, as map markers and as the night meeting's workbook.

One filter (``parse_filters``) serves the page, the GeoJSON and the export, so they always agree.
It narrows ``queries.worklist`` (scoped through ``accounts.scope.scoped``): a community code in
the query only narrows what the reader already sees — another street's community gives nothing.
What a marker shows follows the reader like a list row (``queries.row``): those who do not see
households' details (leaders) get the marker at the cell's middle, not at the household's door.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, can
from incidents.errors import InvalidInput
from incidents.models import Urgency

from . import queries, rules
from .models import NeedKind, NeedStatus, RUNNING_STATUSES

MAP_LIMIT = 2000
EXPORT_LIMIT = 20000
STATES = ("", "open", "overdue", "delivered")
_CODE = re.compile(r"^\d{6,20}$")


def may_read_board(user) -> bool:
    """Staff who work needs (grid workers, community and street staff, the command centre) and leaders."""
    return can(user, Capability.WORK_NEEDS) or can(user, Capability.READ_NEEDS)


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    urgency: str = ""
    state: str = ""  # "": every unsettled need; open (not delivered); overdue; delivered (awaiting confirmation)
    community: str = ""  # an area code prefix (a community, a street, a cell)
    emergency: int | None = None

    def query(self) -> str:
        parts = {k: v for k, v in (("kind", self.kind), ("urgency", self.urgency), ("state", self.state),
                                   ("community", self.community), ("emergency", self.emergency or "")) if v}
        return "&".join(f"{k}={v}" for k, v in parts.items())


def parse_filters(params) -> Filters:
    """The board's filter from a query string; a value that is not one of the choices is refused naming it."""
    kind = (params.get("kind") or "").strip()
    if kind and not NeedKind.objects.filter(code=kind[:30]).exists():
        raise InvalidInput(_("There is no such kind of need."), field="kind")
    urgency = (params.get("urgency") or "").strip()
    if urgency and urgency not in Urgency.values:
        raise InvalidInput(_("Choose normal or urgent."), field="urgency")
    state = (params.get("state") or "").strip()
    if state not in STATES:
        raise InvalidInput(_("Choose open, overdue or delivered."), field="state")
    community = (params.get("community") or "").strip()
    if community and not _CODE.match(community):
        raise InvalidInput(_("An area code is digits only."), field="community")
    emergency = (params.get("emergency") or "").strip()
    if emergency and not emergency.isdigit():
        raise InvalidInput(_("An emergency is named by its number."), field="emergency")
    return Filters(kind=kind, urgency=urgency, state=state, community=community, emergency=int(emergency) if emergency else None)


def needs(user, filters: Filters) -> QuerySet:
    """The reader's unsettled needs (their worklist, in its order), narrowed by the filter."""
    listed = queries.worklist(user).select_related("cell")
    if filters.kind:
        listed = listed.filter(kind__code=filters.kind)
    if filters.urgency:
        listed = listed.filter(urgency=filters.urgency)
    if filters.state == "open":
        listed = listed.filter(status__in=RUNNING_STATUSES)
    elif filters.state == "overdue":
        listed = listed.filter(queries.overdue_q(timezone.now()))
    elif filters.state == "delivered":
        listed = listed.filter(status=NeedStatus.DELIVERED)
    if filters.community:
        listed = listed.filter(cell__code__startswith=filters.community)
    if filters.emergency is not None:
        listed = listed.filter(emergency_id=filters.emergency)
    return listed


def counts(listed: QuerySet) -> list[dict]:
    """Per kind and urgency: how many, how many overdue (the board's table and the export's first sheet)."""
    now = timezone.now()
    kinds = {kind.pk: kind for kind in NeedKind.objects.all()}
    table: dict[tuple, dict] = {}
    for kind_id, urgency, status, deadline in listed.values_list("kind_id", "urgency", "status", "deadline")[:EXPORT_LIMIT]:
        kind = kinds[kind_id]
        row = table.setdefault((kind.sort_order, kind.code, urgency),
                               {"kind": kind, "urgency": urgency, "total": 0, "overdue": 0, "delivered": 0})
        row["total"] += 1
        row["overdue"] += int(status in RUNNING_STATUSES and deadline is not None and deadline < now)
        row["delivered"] += int(status == NeedStatus.DELIVERED)
    return [table[key] for key in sorted(table)]


def _cell_middles(cell_ids: set[int]) -> dict[int, list[float]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, ST_AsGeoJSON(ST_PointOnSurface(boundary), 6) FROM grids_area WHERE id = ANY(%s)",
                       [list(cell_ids)])
        return {pk: json.loads(point)["coordinates"] for pk, point in cursor.fetchall()}


def markers(user, filters: Filters) -> dict:
    """The needs as GeoJSON points: at the household's building for those who go there, at the
    middle of its cell for those who only read figures (leaders)."""
    rows = [queries.row(need, user) for need in needs(user, filters)[:MAP_LIMIT]]
    at_door = rules.sees_household_details(user)
    middles = {} if at_door else _cell_middles({row.need.cell_id for row in rows})
    now = timezone.now()
    features = []
    for row in rows:
        need = row.need
        building = need.household.dwelling.building if at_door and need.household_id else None
        point = [round(building.location.x, 6), round(building.location.y, 6)] if building else middles.get(need.cell_id)
        if point is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": point}, "properties": {
            "id": need.pk, "kind": need.kind.code, "kind_label": need.kind.label, "medical": need.kind.medical,
            "urgency": need.urgency, "status": need.status, "status_label": need.get_status_display(), "light": row.light,
            "overdue": need.running and need.deadline is not None and need.deadline < now,
            "level": need.level, "address": row.address, "description": row.description,
        }})
    return {"type": "FeatureCollection", "features": features}

"""Patrols, incidents (cases), their append-only timeline, time limits and the working calendar.

A case (``Incident``) keeps the grid cell it was filed against forever (``cell``), and the area it
is filed under for visibility (``filed_area``: the cell, or the smallest area holding the point
when no cell does). Separately it has a *level* (grid → community → street office → district) and
the area responsible at that level (``area``), which move when the case escalates or is sent
down. Every change of state goes through ``incidents.actions`` and writes one ``TimelineEntry``
whose ``version`` equals the case's new version: a unique (incident, version) pair makes a lost
or doubled transition impossible, whatever process wrote it.

One module per subject: ``choices`` (vocabularies), ``reference`` (taxonomy, time limits, routing,
case numbers, working calendar), ``patrols``, ``cases`` (the case and its photos), ``history``
(timeline, deadline history, notifications). Everything is importable from ``incidents.models``.
"""
from __future__ import annotations

from .choices import (  # noqa: F401
    Kind,
    Urgency,
    Source,
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SETTLED_OWN_STATUSES,
    NotificationKind,
    Status,
    is_email_kind,
    notification_kind_choices,
    status_choices,
    LEVEL_CHAIN,
    NEXT_LEVEL,
    PREVIOUS_LEVEL,
    Clock,
)
from .reference import (  # noqa: F401
    Category,
    TimeLimit,
    RoutingRule,
    CaseNumberCounter,
    WorkingCalendar,
)
from .patrols import (  # noqa: F401
    Patrol,
    PatrolPoint,
    PatrolCheckIn,
)
from .cases import (  # noqa: F401
    IncidentQuerySet,
    Incident,
    photo_path,
    PhotoStage,
    IncidentPhoto,
    PendingPhoto,
    PhotoState,
)
from .history import (  # noqa: F401
    TimelineEntry,
    CaseDeadline,
    EmailState,
    Notification,
)

"""REST API for cases, patrols and notifications (all scoped: outside your jurisdiction is 404).

Errors: ``{"detail": message, "errors": {field: [message]}}``; 400 for bad input or an action not
possible from the current status, 403 for an action you may not take on a case you can see, 409
when the case changed since you read it (send the ``version`` you read to be told).
"""
from __future__ import annotations

from .cases import (
    CategoryListView,
    IncidentActionView,
    IncidentDetailView,
    IncidentGeoJSONView,
    IncidentListView,
    NearbyView,
    PhotoView,
    filter_incidents,
)
from .notifications import NotificationListView, NotificationReadView
from .patrols import (
    CoverageView,
    PatrolCheckInView,
    PatrolDetailView,
    PatrolEndView,
    PatrolListView,
    PatrolPointsView,
)

__all__ = [
    "CategoryListView", "CoverageView", "IncidentActionView", "IncidentDetailView", "IncidentGeoJSONView",
    "IncidentListView", "NearbyView", "NotificationListView", "NotificationReadView", "PatrolCheckInView",
    "PatrolDetailView", "PatrolEndView", "PatrolListView", "PatrolPointsView", "PhotoView", "filter_incidents",
]

"""The views whose GET is answered from the standby: the one table (by URL name).

What belongs here reads much, writes nothing on GET, and tolerates data a moment old: the map's
tiles, the evaluation (indicators, its dashboard and export), area statistics, exports and the
public pages. What does not: the console and inboxes (a dispatcher who acts and does not see the
result acts twice), a case's page, anything a phone reads right after it wrote — those stay on
the primary. A browser that has just written reads everything from the primary for a while anyway
(middleware, ``GRIDGOV_REPLICA_STICKY_SECONDS``).
"""
from __future__ import annotations

STANDBY_VIEWS: frozenset[str] = frozenset({
    # the map
    "area-tile",
    # the evaluation: the leader's dashboard, its export, the API
    "dispatch:indicators",
    "dispatch:indicators-export",
    "indicators",
    # area statistics of residents, and the masked export of a search
    "residents:statistics",
    "residents:area",
    "residents-statistics",
    "residents:export",
    # the public pages (a resident's report form and the status page of their case)
    "public:report",
    "public:case",
})

# Only these methods can be read from the standby; a POST to a listed view writes on the primary.
READ_METHODS = frozenset({"GET", "HEAD"})

"""Evaluation (考核): the indicators of docs/domain/indicators.md for areas, grid workers,
categories, channels and departments.

All counts are computed in the database, set-based, by one statement per question
(``area_sql``, explained there): it reads each of the area's cases that matter to the period
once — fetched by the areas they were filed under, not by scanning the city's cases — counts
them per filed area, status and "ever reworked" (and per grid worker, category, channel or day in
the same pass, only when a dashboard asks), and rolls those counts up by code into the area, its
street offices, communities and cells. Pages and the API read them through ``cached_*``: an answer
is kept for the rest of the minute (pages and the API say when it was computed).

Definitions (a *period* is whole days in Asia/Shanghai; "cut" is the end of the period, or now if
the period has not ended yet; a case's *evaluation deadline* is the first deadline it missed, else
its deadline now; it is *judged* when it closed, if it closed by that deadline, else at the deadline):

==================  ==========================================================================
accepted (受理)      cases reported in the period (every source), never a report marked as spam
                    (no figure counts spam: ``area_sql.NOT_SPAM``)
registered (立案)    of those, cases taken on: not still awaiting registration, not rejected, not
                    a duplicate (a case a grid worker settled at once counts as registered)
due (应结案)         registered cases judged in the period by the cut — due in it, or closed in it
                    ahead of a later deadline — and those carried over: judged before the period
                    and still open at its start. Cases on hold (缓办) that have missed no deadline
                    leave it when the setting says so
closed (结案)        of the due cases, those closed by the cut
closed on time      of those, closed at or before their evaluation deadline
overdue (超期)       due and not closed on time
handled             cases reported handled at least once so far (handled, verified, closed, in
                    rework, or ever reworked), whenever that happened
reworked (返工)      cases sent back for rework at least once so far
dispatched          department shares of these cases (a case sent to two departments is two)
returned (退回)      shares the department returned
grid-level          closed cases settled inside the grid (by the grid worker or at grid level)
avg handling time   mean hours from report to closing, over closed cases
==================  ==========================================================================

Rates: filing = registered ÷ accepted; closure = closed ÷ due; on-time closure = closed on time ÷
due; rework = reworked ÷ handled; return = returned ÷ dispatched; grid-level resolution =
grid-level ÷ closed. A rate with a zero denominator is None (shown as "—"), never 0 or 100 %.

Departments are evaluated on their shares dispatched in the period (``departments``).

The package: ``periods`` (periods and the one compared with), ``rows`` (a row's figures, rates,
labels, directions, the comparison), ``area_sql`` and ``counting`` (an area's statement and its
answer), ``departments``, ``cache`` (the cached reads), ``tables`` (what the dashboard and the
Excel export show) and ``export`` (the workbook).
"""

from .cache import CACHE_SECONDS, cached_area_indicators, cached_department_indicators
from .counting import UNREGISTERED, area_indicators
from .departments import department_indicators
from .periods import MAX_PERIOD_DAYS, Period, PeriodError, parse_period
from .rows import BETTER, CHILD_GROUP, COUNTS, LABELS, RATES, AreaResult, Change, DepartmentResult, Row, change, percent, ranked, rate

__all__ = [
    "BETTER",
    "CACHE_SECONDS",
    "CHILD_GROUP",
    "COUNTS",
    "LABELS",
    "MAX_PERIOD_DAYS",
    "RATES",
    "UNREGISTERED",
    "AreaResult",
    "Change",
    "DepartmentResult",
    "Period",
    "PeriodError",
    "Row",
    "area_indicators",
    "cached_area_indicators",
    "cached_department_indicators",
    "change",
    "department_indicators",
    "parse_period",
    "percent",
    "ranked",
    "rate",
]

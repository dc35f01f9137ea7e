"""Setting a case's deadline: the one place that says what a new deadline writes.

A case gets a deadline when it is filed, when it changes level (by hand or by the escalation
sweep), when the command centre dispatches it, when it comes off hold, and when a department's
request for more time is approved. Each time:

- the deadline, the moment its light turns yellow and (except for an extension, which keeps the
  clock's start) the clock's start are written on the case;
- the deadline it replaces, if it had already passed while the case was registered and running,
  is kept as the case's *first missed deadline* (``Incident.missed_deadline``; only the first is
  kept). A case awaiting registration is not judged yet, and a case on hold has its clock stopped:
  a deadline that passes meanwhile is not missed (one that had passed before the hold was kept
  when the case was put on hold, ``stop_clock``);
- a row is added to the case's deadline history (``CaseDeadline``).

The evaluation (dispatch.indicators) judges a case by its first missed deadline, else by its
deadline now: so a sweep or an act that rewrites the deadline later cannot move a case out of the
period it was due in (docs/domain/indicators.md, "Which period a case is due in").

The escalation sweep (incidents.actions.escalation) and the filing of a report
(incidents.actions.reporting) write the same columns and row in their own set-based statements,
built from ``SWEEP_MISSED_SQL`` and ``history_insert_sql``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import CaseDeadline, Incident

# Statuses in which a passing deadline is not a missed one: awaiting registration (not judged yet)
# and on hold (the clock is stopped). "deferred" is dispatch's status (registered at run time).
NOT_RUNNING = ("reported", "deferred")


def missed_after(incident: Incident, status: str, now: datetime) -> datetime | None:
    """The case's first missed deadline once its current deadline is replaced at ``now``, while
    the case is in ``status``."""
    if incident.missed_deadline is not None:
        return incident.missed_deadline
    if status in NOT_RUNNING or incident.deadline is None or incident.deadline >= now:
        return None
    return incident.deadline


def new_deadline(
    incident: Incident, *, status: str, deadline: datetime, warn_at: datetime | None, now: datetime, restart: bool = True
) -> dict[str, Any]:
    """The fields of the case's UPDATE that give it a new deadline at ``now`` (``restart``: the
    clock starts again now; an extension moves only the end)."""
    fields: dict[str, Any] = {
        "deadline": deadline,
        "warn_at": warn_at,
        "overdue_notified_at": None,
        "missed_deadline": missed_after(incident, status, now),
    }
    if restart:
        fields["deadline_started_at"] = now
    return fields


def stop_clock(incident: Incident, *, status: str, now: datetime) -> dict[str, Any]:
    """The fields of the case's UPDATE when its clock stops (on hold): a deadline already passed is kept."""
    return {"missed_deadline": missed_after(incident, status, now)}


def record(incident: Incident, *, level: str, deadline: datetime, started_at: datetime, now: datetime, action: str) -> None:
    """Add the deadline just written to the case's history (inside the writer's transaction)."""
    CaseDeadline.objects.create(incident=incident, level=level, deadline=deadline, started_at=started_at, set_at=now, action=action)


# The sweep's first-missed-deadline expression: the case's deadline has passed (that is why the
# sweep moves it); kept unless one was kept before or the case is not running.
SWEEP_MISSED_SQL = (
    "COALESCE(i.missed_deadline, CASE WHEN i.status NOT IN ("
    + ", ".join(f"'{status}'" for status in NOT_RUNNING)
    + ") THEN i.deadline END)"
)


def history_insert_sql(source: str, *, incident: str, level: str, deadline: str, started_at: str, set_at: str, action: str) -> str:
    """INSERT … SELECT of history rows from a CTE or table ``source`` (column expressions given)."""
    return (
        "INSERT INTO incidents_casedeadline (incident_id, level, deadline, started_at, set_at, action) "
        f"SELECT {incident}, {level}, {deadline}, {started_at}, {set_at}, {action} FROM {source}"
    )

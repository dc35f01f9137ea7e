"""Every write to cases, patrols and notifications goes through a function of this package.

| module           | subject                                                                 |
|------------------|-------------------------------------------------------------------------|
| ``machine``      | the table of acts, the check, the one writer ``transition()``, ``run()`` |
| ``acts``         | incidents' own acts (register … close, help, send down, duplicates)     |
| ``reporting``    | filing a case                                                           |
| ``escalation``   | the set-based sweep, compiled from the level chain                      |
| ``patrols``      | patrols, track points, check-ins                                        |
| ``notifications``| the inbox and the one way emails are asked for                          |

The names below are the package's public acts, so callers write ``actions.register(…)``;
each module imports only from the modules under it (machine ← acts ← reporting), never from here.
"""
from . import acts as _acts
from . import reporting as _reporting
from ..errors import Conflict, Forbidden, IncidentError, InvalidInput, NotAllowed
from .acts import (
    add_info,
    area_at_level,
    assign,
    close,
    handle,
    link_duplicate,
    register,
    reject,
    request_help,
    resolvable,
    resolve_at_grid,
    send_down,
    start,
    verify,
)
from .escalation import SweepResult, escalate_overdue
from .machine import ACTS, Act, ActRequest, act_label, allowed_acts, check, on_level_change, register_acts, run, transition
from .notifications import mark_notifications_read, notify
from .patrols import DISTANCE_ACCURACY_M, MAX_BATCH, PointIn, check_in, end_patrol, record_points, start_patrol
from .reporting import check_category, report_incident, report_settled_at_grid

__all__ = [
    "ACTS", "Act", "ActRequest", "Conflict", "DISTANCE_ACCURACY_M", "Forbidden", "IncidentError", "InvalidInput", "MAX_BATCH",
    "NotAllowed", "PointIn", "SweepResult", "act_label", "add_info", "allowed_acts", "area_at_level",
    "assign", "check", "check_category", "check_in", "close", "end_patrol", "escalate_overdue", "handle",
    "link_duplicate", "mark_notifications_read", "notify", "on_level_change", "record_points", "register",
    "register_acts", "reject", "report_incident", "report_settled_at_grid", "request_help", "resolvable",
    "resolve_at_grid", "run", "send_down", "start", "start_patrol", "transition", "verify",
]


def own_acts() -> list[Act]:
    """Incidents' rows of the machine's table, registered by IncidentsConfig.ready()."""
    return [*_reporting.ACTS, *_acts.ACTS]

"""Every write of the command centre and the departments goes through a function of this package.

| module          | subject                                                              |
|-----------------|----------------------------------------------------------------------|
| ``centre``      | the centre's acts (dispatch, locality, supervise, extensions, hold)  |
| ``departments`` | the departments' acts (accept, return, feedback, more time)          |
| ``routed``      | the automatic dispatch of the routing rule, and its correction (改派) |
| ``shares``      | share changes that ride inside an act; who owns a category           |
| ``inputs``      | reading the acts' fields (departments, deadlines, extension requests) |
| ``open311``     | Open311 clients and their requests                                   |
| ``public``      | residents' reports, what is published, moderation, verdicts          |

The acts join the case machine (``incidents.actions.machine``): ``DispatchConfig.ready()``
registers ``acts()`` with it, with the statuses and notification kinds of ``dispatch.kinds``,
the share withdrawal as a level-change hook and the automatic dispatch as an after-act hook. Every act ends in the machine's
``transition()``; the shares change in the same transaction, each with its own conditional
UPDATE, and any claim that finds a row changed rolls the whole act back (409).
"""
from incidents.errors import Conflict, Forbidden, IncidentError, InvalidInput, NotAllowed

from . import centre as _centre
from . import departments as _departments
from . import public as _public
from . import routed as _routed
from .centre import (
    decide_extension,
    defer,
    dispatch,
    dispatch_to_locality,
    request_verification,
    resume,
    set_indicator_settings,
    supervise,
)
from .departments import MAX_EXTENSION, accept, feedback, request_extension, return_case
from .inputs import parse_deadline
from .public import approve_report, file_resident_report, give_verdict, lift_spam_marks, mark_spam, publish, verdict_pending
from .routed import auto_dispatch, correct_dispatch, dispatch_when_routed
from .open311 import create_open311_client, file_open311_request, hash_key, open311_client_for, rotate_open311_key
from .shares import set_default_departments, withdraw_shares_leaving_centre

__all__ = [
    "Conflict", "Forbidden", "IncidentError", "InvalidInput", "MAX_EXTENSION", "NotAllowed", "accept", "acts",
    "auto_dispatch", "correct_dispatch", "dispatch_when_routed",
    "create_open311_client", "decide_extension", "defer", "dispatch", "dispatch_to_locality", "feedback",
    "file_open311_request", "hash_key", "open311_client_for", "parse_deadline", "request_extension",
    "request_verification", "resume", "return_case", "rotate_open311_key", "set_default_departments",
    "set_indicator_settings", "supervise", "withdraw_shares_leaving_centre",
    "approve_report", "file_resident_report", "give_verdict", "lift_spam_marks", "mark_spam", "publish", "verdict_pending",
]


def acts():
    """The centre's and the departments' rows of the case machine's table."""
    return [*_centre.ACTS, *_departments.ACTS, *_public.ACTS, *_routed.ACTS]

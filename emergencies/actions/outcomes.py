"""Recording what happened at a door, and handing batches of tasks to volunteers."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.capabilities import can, role_can
from accounts.models import User
from accounts.scope import scope_codes, scoped

from ..capabilities import HAND_TASKS, SEE_HEALTH_ANSWERS, WORK_HANDED_TASKS, WORK_TASKS
from ..errors import PermissionDenied, refuse
from ..health import clean_answers
from ..hooks import needs_help_handlers
from ..models import REACHED_OUTCOMES, RECORDED_OUTCOMES, CellProgress, EmergencyStatus, Outcome, Task, TaskOutcome
from ..progress_rules import counter_changes

MAX_BATCH = 5000

# Claim the task's row and write the new outcome in one statement; the old outcome comes back for
# the counters. Tasks of an ended emergency take no outcome.
_RECORD = """
WITH old AS (
    SELECT t.id, t.outcome, t.care, t.cell_id, t.campaign_id, t.answers FROM emergencies_task t
    JOIN emergencies_campaign c ON c.id = t.campaign_id
    JOIN emergencies_emergency e ON e.id = c.emergency_id AND e.status = 'active'
    WHERE t.id = %(task)s FOR UPDATE OF t
)
UPDATE emergencies_task t SET outcome = %(outcome)s, outcome_at = %(now)s, outcome_by_id = %(actor)s,
       note = CASE WHEN %(note)s <> '' THEN %(note)s ELSE t.note END,
       answers = CASE WHEN %(answers)s::jsonb <> '{}'::jsonb THEN %(answers)s::jsonb ELSE t.answers END
FROM old WHERE t.id = old.id
RETURNING old.outcome, old.care, old.cell_id, old.campaign_id, old.answers, t.answers
"""


@dataclass
class Recorded:
    task: Task
    outcome: str
    replayed: bool


def record_outcome(*, actor, task_id: int, outcome: str, client_id, note: str = "", answers=None, now=None) -> Recorded:
    """One tap at a door. A replay of the same ``client_id`` (the phone's outbox) changes nothing
    and answers as the first time. ``answers``: yes/no to the campaign's health questions
    (emergencies.health), only from roles that may see them and only when the door was answered."""
    if not can(actor, WORK_TASKS):
        raise PermissionDenied(_("Your role does not record emergency tasks."))
    if outcome not in RECORDED_OUTCOMES:
        raise refuse("outcome", _("The outcome must be done, nobody home, refused or needs help."))
    try:
        client_id = uuid.UUID(str(client_id))
    except (TypeError, ValueError):
        raise refuse("client_id", _("client_id must be a UUID."))
    note = str(note or "").replace("\x00", "")[:500]
    task = scoped(Task.objects.all(), actor).filter(pk=task_id).select_related("campaign").first() if isinstance(task_id, int) else None
    if task is None:
        raise refuse("task", _("No such task in your jurisdiction."))
    if answers:
        if not can(actor, SEE_HEALTH_ANSWERS):
            raise refuse("answers", _("Your role does not record health answers."))
        if outcome not in REACHED_OUTCOMES:
            raise refuse("answers", _("Health answers go with an answered door (done, refused or needs help)."))
    answers = clean_answers(answers, task.campaign.health_questions)
    first = TaskOutcome.objects.filter(client_id=client_id).select_related("task").first()
    if first is not None:
        return _replay(actor, task, first)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            TaskOutcome.objects.create(task=task, outcome=outcome, client_id=client_id, at=now, by=actor, note=note)
            with connection.cursor() as cursor:
                cursor.execute(_RECORD, {"task": task.pk, "outcome": outcome, "now": now, "actor": actor.pk, "note": note,
                                         "answers": json.dumps(answers)})
                row = cursor.fetchone()
            if row is None:
                raise refuse("task", _("The emergency has ended: its tasks take no more outcomes."))
            old, care, cell_id, campaign_id, old_answers, new_answers = row
            changes = counter_changes(old, outcome, care, _as_dict(old_answers), _as_dict(new_answers))
            if changes:
                CellProgress.objects.filter(campaign_id=campaign_id, cell_id=cell_id).update(
                    **{column: F(column) + delta for column, delta in changes.items()}
                )
            if outcome == Outcome.NEEDS_HELP and old != Outcome.NEEDS_HELP:
                task.refresh_from_db()  # the handler reads the task as now written
                for handler in needs_help_handlers():
                    handler(task=task, actor=actor, note=note, client_id=str(client_id))
    except IntegrityError:
        # The same outcome arrived twice at once: the other request stored it first.
        first = TaskOutcome.objects.filter(client_id=client_id).select_related("task").first()
        if first is None:
            raise
        return _replay(actor, task, first)
    return Recorded(task=task, outcome=outcome, replayed=False)


def _as_dict(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _replay(actor, task: Task, first: TaskOutcome) -> Recorded:
    if first.task_id != task.pk or first.by_id != actor.pk:
        raise refuse("client_id", _("This client_id was already used for another outcome."))
    return Recorded(task=task, outcome=first.outcome, replayed=True)


def hand_tasks(*, actor, task_ids: list[int], volunteer: User | None, campaign=None) -> int:
    """Hand tasks of the actor's jurisdiction to a volunteer of it (``None`` takes them back).
    Only tasks not yet done move; answers how many did."""
    if not can(actor, HAND_TASKS):
        raise PermissionDenied(_("Your role does not hand tasks to volunteers."))
    if not isinstance(task_ids, list) or not task_ids or len(task_ids) > MAX_BATCH or not all(type(i) is int for i in task_ids):
        raise refuse("tasks", _("Give between 1 and %(n)d task ids.") % {"n": MAX_BATCH})
    if volunteer is not None:
        in_reach = _volunteer_in_reach(actor, volunteer)
        if not (role_can(volunteer, WORK_HANDED_TASKS) and in_reach):
            raise refuse("volunteer", _("No such volunteer in your jurisdiction."))
    tasks = scoped(Task.objects.filter(pk__in=task_ids), actor)
    if campaign is not None:
        tasks = tasks.filter(campaign=campaign)
    tasks = tasks.filter(
        outcome__in=[Outcome.PENDING, Outcome.NOBODY_HOME], campaign__emergency__status=EmergencyStatus.ACTIVE
    )
    with transaction.atomic():
        return tasks.update(assignee=volunteer)


def _volunteer_in_reach(actor, volunteer: User) -> bool:
    """A volunteer belongs to a community; the actor must answer for it."""
    if not volunteer.is_active or volunteer.area_id is None:
        return False
    codes = scope_codes(actor)
    return codes is None or any(volunteer.area.code.startswith(code) for code in codes)

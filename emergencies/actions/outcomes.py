"""Recording what happened at a door, and handing batches of tasks to volunteers."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
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

# One round trip for the whole tap (the phone's hot path; the trivial token POST is its yardstick):
# the task as the actor may see it (the scoped query, accounts.scope.scoped), the first use of this
# client id, the claim of the task's row (only a running emergency's), the outcome's log line and
# the task's new outcome. A known client id writes nothing and answers the first outcome.
_RECORD = """
WITH visible AS ({visible}),
prior AS (SELECT o.task_id, o.by_id, o.outcome FROM emergencies_taskoutcome o WHERE o.client_id = %(client)s),
old AS (
    SELECT t.id, t.outcome, t.care, t.cell_id, t.campaign_id, t.answers, c.health_questions FROM emergencies_task t
    JOIN emergencies_campaign c ON c.id = t.campaign_id
    JOIN emergencies_emergency e ON e.id = c.emergency_id AND e.status = 'active'
    WHERE t.id = %(task)s AND t.id IN (SELECT id FROM visible) AND NOT EXISTS (SELECT 1 FROM prior)
    FOR UPDATE OF t
),
logged AS (
    INSERT INTO emergencies_taskoutcome (task_id, outcome, client_id, at, by_id, note)
    SELECT old.id, %(outcome)s, %(client)s, %(now)s, %(actor)s, %(note)s FROM old
    ON CONFLICT (client_id) DO NOTHING
    RETURNING task_id
),
written AS (
    UPDATE emergencies_task t SET outcome = %(outcome)s, outcome_at = %(now)s, outcome_by_id = %(actor)s,
           note = CASE WHEN %(note)s <> '' THEN %(note)s ELSE t.note END,
           answers = CASE WHEN %(answers)s::jsonb <> '{{}}'::jsonb THEN %(answers)s::jsonb ELSE t.answers END
    FROM old WHERE t.id = old.id AND EXISTS (SELECT 1 FROM logged)
    RETURNING old.outcome, old.care, old.cell_id, old.campaign_id, old.answers, t.answers AS new_answers, old.health_questions
)
SELECT (SELECT count(*) FROM visible), (SELECT row_to_json(prior) FROM prior), (SELECT row_to_json(written) FROM written)
"""


@dataclass
class Recorded:
    task_id: int
    outcome: str
    replayed: bool

    @property
    def task(self) -> Task:
        return Task.objects.get(pk=self.task_id)


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
    if not isinstance(task_id, int) or isinstance(task_id, bool):
        raise refuse("task", _("No such task in your jurisdiction."))
    note = str(note or "").replace("\x00", "")[:500]
    if answers:
        if not can(actor, SEE_HEALTH_ANSWERS):
            raise refuse("answers", _("Your role does not record health answers."))
        if outcome not in REACHED_OUTCOMES:
            raise refuse("answers", _("Health answers go with an answered door (done, refused or needs help)."))
    # Which questions the campaign asks is known once its row is read: the shape is checked now,
    # the questions after the statement (a refusal then rolls the whole tap back).
    answers = clean_answers(answers, list(answers) if isinstance(answers, dict) else [])
    now = now or timezone.now()
    visible, visible_params = scoped(Task.objects.filter(pk=task_id), actor).values("id").query.sql_with_params()
    params = {"task": task_id, "client": client_id, "outcome": outcome, "now": now, "actor": actor.pk, "note": note,
              "answers": json.dumps(answers)}
    # The scoped query's placeholders are positional; the statement's are named: name them.
    pieces = visible.split("%s")
    statement = _RECORD.format(visible=pieces[0] + "".join(f"%(visible_{i})s{piece}" for i, piece in enumerate(pieces[1:])))
    params |= {f"visible_{i}": value for i, value in enumerate(visible_params)}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            seen, prior, written = cursor.fetchone()
        if not seen:
            raise refuse("task", _("No such task in your jurisdiction."))
        if prior is not None or written is None:
            return _replay(actor, task_id, _as_dict(prior), client_id)
        written = _as_dict(written)
        clean_answers(answers, written["health_questions"] or [])
        changes = counter_changes(written["outcome"], outcome, written["care"], _as_dict(written["answers"]),
                                  _as_dict(written["new_answers"]))
        if changes:
            CellProgress.objects.filter(campaign_id=written["campaign_id"], cell_id=written["cell_id"]).update(
                **{column: F(column) + delta for column, delta in changes.items()}
            )
        if outcome == Outcome.NEEDS_HELP and written["outcome"] != Outcome.NEEDS_HELP:
            task = Task.objects.get(pk=task_id)  # the handler reads the task as now written
            for handler in needs_help_handlers():
                handler(task=task, actor=actor, note=note, client_id=str(client_id))
    return Recorded(task_id=task_id, outcome=outcome, replayed=False)


def _as_dict(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _replay(actor, task_id: int, prior: dict, client_id) -> Recorded:
    """The client id was used before (``prior``), or by a request running at the same moment, or
    the emergency has ended (nothing claimed, nothing logged)."""
    if not prior:
        first = TaskOutcome.objects.filter(client_id=client_id).values("task_id", "by_id", "outcome").first()
        if first is None:
            raise refuse("task", _("The emergency has ended: its tasks take no more outcomes."))
        prior = first
    if prior["task_id"] != task_id or prior["by_id"] != actor.pk:
        raise refuse("client_id", _("This client_id was already used for another outcome."))
    return Recorded(task_id=task_id, outcome=prior["outcome"], replayed=True)


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

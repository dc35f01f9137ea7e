"""Issuing a campaign to a zone: one task per unit, in one INSERT … SELECT, with its counters."""
from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.capabilities import can
from accounts.scope import scope_codes, scoped
from residents.models import Building

from ..capabilities import ISSUE
from ..errors import PermissionDenied, refuse
from ..health import clean_questions
from ..models import Campaign, Emergency, EmergencyStatus, Unit, Zone
from ..units import UNIT_ROWS

# The grid worker covering a cell: its earliest active assignment (accounts.GridAssignment). The
# one rule, used by the generation below and by the re-homing after a redraw (actions.rehoming).
COVERING_WORKER = """
    SELECT DISTINCT ON (ga.cell_id) ga.cell_id, ga.user_id
    FROM accounts_gridassignment ga JOIN accounts_user u ON u.id = ga.user_id AND u.is_active
    WHERE ga.ended_at IS NULL
    ORDER BY ga.cell_id, ga.started_at, ga.id
"""

_GENERATE = """
WITH units AS MATERIALIZED ({rows}),  -- once: its care test is read twice below
covering AS ({covering}),
made AS (
    INSERT INTO emergencies_task (campaign_id, cell_id, building_id, household_id, person_id, unit_label, floor, room, care,
                                  deadline, worker_id, assignee_id, outcome, outcome_at, outcome_by_id, note, answers, level, escalations)
    SELECT %(campaign)s, units.cell_id, units.building_id, units.household_id, units.person_id, units.unit, units.floor, units.room,
           units.care, CASE WHEN units.care THEN %(care_deadline)s ELSE %(deadline)s END, covering.user_id, NULL,
           'pending', NULL, NULL, '', '{{}}'::jsonb, 'grid', 0
    FROM units LEFT JOIN covering ON covering.cell_id = units.cell_id
    -- Only the units of the issuer's jurisdiction (accounts.scope.scope_codes; NULL: everywhere).
    WHERE %(prefixes)s::text[] IS NULL
       OR EXISTS (SELECT 1 FROM grids_area a WHERE a.id = units.cell_id AND a.code LIKE ANY(%(prefixes)s::text[]))
    RETURNING cell_id, care, worker_id
),
counted AS (
    INSERT INTO emergencies_cellprogress (campaign_id, cell_id, worker_id, total, care_total, reached, care_reached, nobody_home, needs_help, overdue)
    SELECT %(campaign)s, cell_id, min(worker_id), count(*), count(*) FILTER (WHERE care), 0, 0, 0, 0, 0 FROM made GROUP BY cell_id
    RETURNING total
)
SELECT COALESCE(sum(total), 0) FROM counted
"""


def issue_campaign(
    *, actor, zone: Zone, title: str, unit: str, deadline: datetime, care_deadline: datetime | None = None, instructions: str = "",
    health_questions: list[str] | None = None, now: datetime | None = None,
) -> Campaign:
    """Issue a campaign to a zone of a running emergency; its tasks go to the grid workers of their cells."""
    if not can(actor, ISSUE):
        raise PermissionDenied(_("Your role does not issue campaigns."))
    now = now or timezone.now()
    if not scoped(Zone.objects.all(), actor).filter(pk=zone.pk).exists() and not _zone_reaches(actor, zone):
        raise refuse("zone", _("No such zone in your jurisdiction."))
    if unit not in Unit.values:
        raise refuse("unit", _("The unit must be per household, per building or per person."))
    title = (title or "").strip()
    if not title:
        raise refuse("title", _("Give the campaign a title."))
    if deadline is None or timezone.is_naive(deadline) or deadline <= now:
        raise refuse("deadline", _("The deadline must be a moment in the future, with its time zone."))
    care_deadline = care_deadline or deadline
    health_questions = clean_questions(health_questions)
    if timezone.is_naive(care_deadline) or care_deadline > deadline or care_deadline <= now:
        raise refuse("care_deadline", _("The care-tagged residents' deadline must be in the future and not after the campaign's."))
    with transaction.atomic():
        # The emergency's row, locked: ending it waits for this campaign, or this campaign sees it ended.
        if not Emergency.objects.select_for_update().filter(pk=zone.emergency_id, status=EmergencyStatus.ACTIVE).exists():
            raise refuse("zone", _("The emergency has ended: no new campaigns."))
        campaign = Campaign.objects.create(
            emergency=zone.emergency, zone=zone, title=title[:200], instructions=(instructions or "")[:5000], unit=unit,
            deadline=deadline, care_deadline=care_deadline, issued_by=actor, issued_at=now, health_questions=health_questions,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                _GENERATE.format(rows=UNIT_ROWS[unit], covering=COVERING_WORKER),
                {"zone": zone.pk, "campaign": campaign.pk, "deadline": deadline, "care_deadline": care_deadline,
                 "prefixes": None if (codes := scope_codes(actor)) is None else [code + "%" for code in codes]},
            )
            campaign.task_count = int(cursor.fetchone()[0])
        Campaign.objects.filter(pk=campaign.pk).update(task_count=campaign.task_count)
    return campaign


def _zone_reaches(actor, zone: Zone) -> bool:
    """Street and community staff issue to the zones that lie in their jurisdiction (the zone's
    emergency is declared over the wider district): the zone must cover a building of theirs."""
    return scoped(Building.objects.all(), actor).filter(location__coveredby=zone.geometry).exists()

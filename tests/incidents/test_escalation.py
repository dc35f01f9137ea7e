"""The sweep carries overdue cases up the chain, set-based, once per level (in-process tests; the
real-worker tests are in test_escalation_celery.py)."""
from datetime import timedelta

import time_machine
from django.core import mail

from incidents import actions
from incidents.actions import escalate_overdue
from incidents.models import EmailState, Notification, NotificationKind, Status, TimelineEntry
from incidents.tasks import send_notification_emails

from .conftest import photo, shanghai

MONDAY = shanghai(2025, 3, 3, 10, 0)


def test_an_overdue_case_climbs_one_level_per_sweep_until_the_command_centre(world, file_case):
    with time_machine.travel(MONDAY, tick=False):
        incident = file_case()
        actions.register(incident, actor=world.grid_worker_a)
        actions.start(incident, actor=world.grid_worker_a)
    assert incident.deadline == shanghai(2025, 3, 4, 17, 30)

    # Not yet due: nothing moves.
    assert escalate_overdue(now=shanghai(2025, 3, 4, 17, 29)).escalated == 0

    result = escalate_overdue(now=shanghai(2025, 3, 4, 17, 31))
    assert result.escalated == 1 and result.by_level == {"grid": 1}
    incident.refresh_from_db()
    assert (incident.level, incident.area, incident.status) == ("community", world.community_1, Status.REGISTERED)
    assert incident.assignee is None
    assert incident.deadline == shanghai(2025, 3, 6, 17, 30)  # two working days from Tuesday evening

    # A second sweep at the same moment finds nothing more to do: once per level.
    assert escalate_overdue(now=shanghai(2025, 3, 4, 17, 32)).escalated == 0

    escalate_overdue(now=shanghai(2025, 3, 6, 17, 31))
    incident.refresh_from_db()
    assert (incident.level, incident.area) == ("street", world.street_1)
    escalate_overdue(now=shanghai(2025, 3, 11, 17, 31))
    incident.refresh_from_db()
    assert (incident.level, incident.area) == ("district", world.district)
    assert incident.escalations == 3

    steps = list(incident.timeline.filter(action="escalate").order_by("version").values_list("from_level", "to_level", "actor"))
    assert steps == [("grid", "community", None), ("community", "street", None), ("street", "district", None)]
    versions = list(incident.timeline.order_by("version").values_list("version", flat=True))
    assert versions == list(range(1, incident.version + 1))


def test_the_receiving_staff_are_notified_and_emailed(world, file_case):
    world.community_staff.email = "community@example.org"
    world.community_staff.save(update_fields=["email"])
    with time_machine.travel(MONDAY, tick=False):
        incident = file_case()
    result = escalate_overdue(now=MONDAY + timedelta(days=3))
    assert result.notifications == 1
    note = Notification.objects.get(incident=incident)
    assert (note.user, note.kind, note.email_state) == (world.community_staff, NotificationKind.ESCALATED, EmailState.PENDING)

    assert send_notification_emails() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["community@example.org"]
    assert f"#{incident.pk}" in mail.outbox[0].body
    # Idempotent: running the task again sends nothing twice.
    assert send_notification_emails() == 0
    assert len(mail.outbox) == 1


def test_handled_and_closed_cases_do_not_climb(world, file_case):
    with time_machine.travel(MONDAY, tick=False):
        handled = file_case()
        actions.register(handled, actor=world.grid_worker_a)
        actions.handle(handled, actor=world.grid_worker_a, photos=[photo()])
        rejected = file_case()
        actions.reject(rejected, actor=world.grid_worker_a, reason="无效")
        open_case = file_case()
    result = escalate_overdue(now=MONDAY + timedelta(days=10))
    assert result.escalated == 1
    open_case.refresh_from_db()
    assert open_case.level == "community"
    handled.refresh_from_db()
    assert handled.level == "grid"


def test_a_case_overdue_at_the_command_centre_is_flagged_to_dispatchers_once(world, file_case):
    world.dispatcher.email = "centre@example.org"
    world.dispatcher.save(update_fields=["email"])
    with time_machine.travel(MONDAY, tick=False):
        incident = file_case(reporter=world.dispatcher, source="hotline")
    first = escalate_overdue(now=MONDAY + timedelta(days=30))
    second = escalate_overdue(now=MONDAY + timedelta(days=31))
    assert (first.overdue_flagged, second.overdue_flagged) == (1, 0)
    assert Notification.objects.filter(incident=incident, kind=NotificationKind.OVERDUE, user=world.dispatcher).count() == 1
    incident.refresh_from_db()
    assert incident.level == "district" and incident.overdue_notified_at is not None


def test_a_sweep_in_batches_escalates_every_due_case_exactly_once(world, file_case):
    with time_machine.travel(MONDAY, tick=False):
        cases = [file_case() for _ in range(7)]
    result = escalate_overdue(now=MONDAY + timedelta(days=3), batch_size=3)
    assert result.escalated == 7 and result.batches == 3
    assert TimelineEntry.objects.filter(incident__in=cases, action="escalate").count() == 7
    assert Notification.objects.filter(incident__in=cases, kind="escalated").count() == 7

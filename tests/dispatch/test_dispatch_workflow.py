"""The command centre dispatches, departments accept, return, report back and ask for time; the
grid worker checks on site; the centre closes. Every act is on the case's timeline."""

from __future__ import annotations

import pytest
import time_machine

from dispatch import actions
from dispatch.models import Assignment, AssignmentStatus, ExtensionRequest, ExtensionStatus, Supervision
from incidents.actions import Conflict, Forbidden, InvalidInput, NotAllowed
from incidents.models import Incident, Notification, NotificationKind, Status, TimelineEntry

from .conftest import photo, shanghai
from incidents import actions as case_acts
from incidents.timeline import entry_text
from dispatch.shares import default_departments
from dispatch.kinds import CaseStatus, DispatchKind


def steps(incident) -> list[tuple[str, str]]:
    return list(TimelineEntry.objects.filter(incident=incident).order_by("version").values_list("action", "to_status"))


@time_machine.travel(shanghai(2025, 3, 3, 10, 0), tick=False)
def test_it_dispatches_a_registered_case_to_two_departments_with_one_deadline(world, hotline_case):
    incident = hotline_case()
    deadline = shanghai(2025, 3, 5, 17, 30)
    actions.dispatch(
        incident,
        actor=world.dispatcher,
        departments=[world.department, world.other_department],
        deadline=deadline,
        note="尽快处理",
    )
    assert incident.status == CaseStatus.DISPATCHED and incident.deadline == deadline
    shares = Assignment.objects.filter(incident=incident).order_by("department__code")
    assert [(s.department.code, s.status, s.deadline) for s in shares] == [
        ("SW", "pending", deadline),
        ("SZ", "pending", deadline),
    ]
    entry = incident.timeline.get(version=incident.version)
    # The act's sentence names both departments; the dispatcher's own words are kept apart, as written.
    assert entry.action == "dispatch" and entry.note == "尽快处理"
    assert "市政" in entry_text(entry) and "水务" in entry_text(entry) and entry_text(entry).endswith("尽快处理")
    assert Notification.objects.filter(user=world.department_handler, incident=incident, kind=DispatchKind.DISPATCHED).exists()
    assert Notification.objects.filter(user=world.other_department_handler, incident=incident).exists()


def test_a_deadline_in_the_past_or_no_department_is_refused_and_nothing_is_written(world, hotline_case):
    incident = hotline_case()
    with pytest.raises(InvalidInput) as error:
        actions.dispatch(incident, actor=world.dispatcher, departments=[])
    assert error.value.field == "departments"
    with pytest.raises(InvalidInput) as error:
        actions.dispatch(incident, actor=world.dispatcher, departments=[world.department], deadline=shanghai(2020, 1, 1, 9, 0))
    assert error.value.field == "deadline"
    assert Incident.objects.get(pk=incident.pk).status == Status.REGISTERED
    assert not Assignment.objects.filter(incident=incident).exists()


def test_only_a_registered_case_at_the_centre_can_be_dispatched(world, hotline_case, category):
    unregistered = hotline_case(registered=False)
    with pytest.raises(NotAllowed):
        actions.dispatch(unregistered, actor=world.dispatcher, departments=[world.department])
    from incidents.actions import report_incident
    from .conftest import inside

    at_grid, _ = report_incident(reporter=world.grid_worker_a, category=category("E0103"), location=inside(world.cell_a))
    case_acts.register(at_grid, actor=world.grid_worker_a)
    with pytest.raises(NotAllowed) as error:
        actions.dispatch(at_grid, actor=world.dispatcher, departments=[world.department])
    assert "command centre" in str(error.value.message) or "指挥中心" in str(error.value.message)
    with pytest.raises(Forbidden):
        actions.dispatch(hotline_case(), actor=world.street_staff, departments=[world.department])


def test_two_departments_accept_and_report_back_and_the_case_waits_for_verification(world, dispatched_case):
    incident = dispatched_case(departments=[world.department, world.other_department])
    actions.accept(incident, actor=world.department_handler)
    assert incident.status == Status.IN_PROGRESS
    with pytest.raises(InvalidInput) as error:
        actions.feedback(incident, actor=world.department_handler, note="已更换")
    assert error.value.field == "photos"
    actions.feedback(incident, actor=world.department_handler, note="已更换井盖", photos=[photo()])
    assert incident.status == Status.IN_PROGRESS  # 水务 has not reported yet
    actions.feedback(incident, actor=world.other_department_handler, note="管线已检查", photos=[photo()])
    assert incident.status == Status.HANDLED
    share = Assignment.objects.get(incident=incident, department=world.other_department)
    assert share.status == AssignmentStatus.HANDLED and share.accepted_at is not None and share.feedback == "管线已检查"
    assert incident.photos.filter(stage="after", entry__action="feedback").count() == 2
    assert Notification.objects.filter(user=world.dispatcher, incident=incident, kind=NotificationKind.HANDLED).exists()
    assert [a for a, _ in steps(incident)] == ["report", "register", "dispatch", "accept", "feedback", "feedback"]


def test_a_return_needs_a_reason_counts_against_the_department_and_goes_back_to_the_centre(world, dispatched_case):
    incident = dispatched_case()
    with pytest.raises(InvalidInput) as error:
        actions.return_case(incident, actor=world.department_handler, reason="  ")
    assert error.value.field == "note"
    actions.return_case(incident, actor=world.department_handler, reason="井盖属于水务公司")
    assert incident.status == Status.REGISTERED and incident.level == "district"
    share = Assignment.objects.get(incident=incident)
    assert (share.status, share.return_reason, share.returned_by) == ("returned", "井盖属于水务公司", world.department_handler)
    entry = incident.timeline.get(version=incident.version)
    assert entry.action == "return" and entry.note == "井盖属于水务公司" and "市政" in entry_text(entry)
    assert Notification.objects.filter(user=world.dispatcher, incident=incident, kind=DispatchKind.RETURNED).exists()

    # The centre re-dispatches to the right department; the return stays counted.
    actions.dispatch(incident, actor=world.dispatcher, departments=[world.other_department])
    assert incident.status == CaseStatus.DISPATCHED
    assert Assignment.objects.filter(incident=incident, department=world.department, status="returned").count() == 1
    assert Assignment.objects.get(incident=incident, department=world.other_department).status == "pending"


def test_one_of_two_departments_returning_leaves_the_case_with_the_other(world, dispatched_case):
    incident = dispatched_case(departments=[world.department, world.other_department])
    actions.accept(incident, actor=world.other_department_handler)
    actions.return_case(incident, actor=world.department_handler, reason="不归我们管")
    assert incident.status == Status.IN_PROGRESS


def test_a_department_cannot_act_twice_or_on_a_share_it_does_not_hold(world, dispatched_case):
    incident = dispatched_case()
    actions.accept(incident, actor=world.department_handler)
    with pytest.raises(Forbidden):
        actions.accept(incident, actor=world.department_handler)  # already accepted
    with pytest.raises(Forbidden):
        actions.return_case(incident, actor=world.other_department_handler, reason="不是我们的")


def test_two_dispatchers_dispatching_at_once_one_wins_the_other_gets_a_conflict(world, hotline_case):
    incident = hotline_case()
    first = Incident.objects.get(pk=incident.pk)
    second = Incident.objects.get(pk=incident.pk)
    actions.dispatch(first, actor=world.dispatcher, departments=[world.department])
    with pytest.raises(Conflict):
        actions.dispatch(second, actor=world.dispatcher, departments=[world.department], expected_version=second.version)
    with pytest.raises(NotAllowed):
        actions.dispatch(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, departments=[world.other_department])
    assert Assignment.objects.filter(incident=incident).count() == 1
    assert [a for a, _ in steps(incident)].count("dispatch") == 1


def test_a_stale_object_without_a_version_still_cannot_double_dispatch(world, hotline_case):
    incident = hotline_case()
    stale = Incident.objects.get(pk=incident.pk)
    actions.dispatch(incident, actor=world.dispatcher, departments=[world.department])
    with pytest.raises(Conflict):
        actions.dispatch(stale, actor=world.dispatcher, departments=[world.department])  # claims the version it read
    assert Assignment.objects.filter(incident=incident).count() == 1


@time_machine.travel(shanghai(2025, 3, 3, 10, 0), tick=False)
def test_an_extension_approved_moves_the_deadlines_and_a_refusal_needs_a_reason(world, dispatched_case):
    incident = dispatched_case()
    share = Assignment.objects.get(incident=incident)
    old = share.deadline
    actions.accept(incident, actor=world.department_handler)  # more time only once accepted
    with pytest.raises(InvalidInput) as error:
        actions.request_extension(incident, actor=world.department_handler, deadline=old, reason="配件需订购")
    assert error.value.field == "deadline"
    extension = actions.request_extension(
        incident, actor=world.department_handler, deadline="2025-03-20T17:30", reason="配件需订购"
    )
    assert extension.status == ExtensionStatus.PENDING and extension.previous_deadline == old
    with pytest.raises(NotAllowed):
        actions.request_extension(incident, actor=world.department_handler, deadline="2025-03-21T17:30", reason="再延")
    with pytest.raises(Forbidden):
        actions.decide_extension(extension, actor=world.department_handler, approve=True)
    actions.decide_extension(extension, actor=world.dispatcher, approve=True, note="同意")
    incident.refresh_from_db()
    share.refresh_from_db()
    assert share.deadline == incident.deadline == shanghai(2025, 3, 20, 17, 30)
    assert extension.status == ExtensionStatus.APPROVED

    second = actions.request_extension(incident, actor=world.department_handler, deadline="2025-04-01", reason="还需时间")
    with pytest.raises(InvalidInput):
        actions.decide_extension(second, actor=world.dispatcher, approve=False, note="")
    actions.decide_extension(second, actor=world.dispatcher, approve=False, note="时间已足够")
    share.refresh_from_db()
    assert share.deadline == shanghai(2025, 3, 20, 17, 30)
    assert ExtensionRequest.objects.get(pk=second.pk).status == ExtensionStatus.REFUSED
    assert [a for a, _ in steps(incident)][-4:] == [
        "request_extension",
        "approve_extension",
        "request_extension",
        "refuse_extension",
    ]


def test_supervising_presses_the_late_department_and_tells_its_handlers(world, dispatched_case):
    with time_machine.travel(shanghai(2025, 3, 3, 10, 0), tick=False):
        incident = dispatched_case(departments=[world.department])
        with pytest.raises(InvalidInput):
            actions.supervise(incident, actor=world.dispatcher)  # nobody is late yet
    with time_machine.travel(shanghai(2025, 3, 20, 10, 0), tick=False):
        made = actions.supervise(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, note="请今日处理")
    assert [(s.assignment.department, s.overdue) for s in made] == [(world.department, True)]
    assert Assignment.objects.get(incident=incident).supervisions == 1
    assert Supervision.objects.filter(assignment__incident=incident).count() == 1
    assert Notification.objects.filter(user=world.department_handler, incident=incident, kind=DispatchKind.SUPERVISED).exists()


def test_the_grid_worker_checks_on_site_and_the_centre_closes(world, dispatched_case):
    incident = dispatched_case()
    actions.feedback(incident, actor=world.department_handler, photos=[photo()])
    actions.request_verification(incident, actor=world.dispatcher)
    assert Notification.objects.filter(user=world.grid_worker_a, incident=incident, kind=NotificationKind.HANDLED).exists()
    with pytest.raises(Forbidden):
        case_acts.verify(incident, actor=world.grid_worker_b, passed=True)  # not their cell
    case_acts.verify(incident, actor=world.grid_worker_a, passed=True, note="现场已修复")
    case_acts.close(incident, actor=world.dispatcher)
    assert incident.status == Status.CLOSED and incident.closed_at is not None
    assert [a for a, _ in steps(incident)][-4:] == ["feedback", "request_verification", "verify", "close"]


def test_a_failed_check_sends_the_case_back_and_the_department_reworks_it(world, dispatched_case):
    incident = dispatched_case()
    actions.feedback(incident, actor=world.department_handler, photos=[photo()])
    case_acts.verify(incident, actor=world.grid_worker_a, passed=False, note="井盖仍松动")
    assert incident.status == Status.REWORK
    actions.feedback(incident, actor=world.department_handler, note="已加固", photos=[photo()])
    assert incident.status == Status.HANDLED
    share = Assignment.objects.get(incident=incident)
    assert share.reworks == 1 and share.status == AssignmentStatus.HANDLED
    case_acts.verify(incident, actor=world.dispatcher, passed=False, note="照片不清楚")
    actions.return_case(incident, actor=world.department_handler, reason="应由水务处理")
    assert incident.status == Status.REGISTERED
    assert Assignment.objects.get(incident=incident).reworks == 2


def test_a_category_nobody_owns_goes_to_the_street_office_of_its_ground(world, hotline_case):
    from dispatch.models import DepartmentCategory

    incident = hotline_case(code="E0404")  # neighbours' dispute: no department
    assert default_departments(incident.category) == []
    actions.dispatch_to_locality(incident, actor=world.dispatcher)
    assert (incident.level, incident.area, incident.status) == ("street", world.street_1, Status.REGISTERED)
    assert incident.timeline.get(version=incident.version).action == "to_locality"
    assert Notification.objects.filter(user=world.street_staff, incident=incident).exists()

    DepartmentCategory.objects.create(category=incident.category.parent, department=world.other_department)
    assert default_departments(incident.category) == [world.other_department]  # the major class's owner
    actions.set_default_departments(incident.category, [world.department])
    assert default_departments(incident.category) == [world.department]  # the minor class wins


def test_a_case_on_hold_leaves_the_clock_and_comes_back_with_a_fresh_deadline(world, hotline_case):
    incident = hotline_case()
    with pytest.raises(InvalidInput):
        actions.defer(incident, actor=world.dispatcher, reason="")
    actions.defer(incident, actor=world.dispatcher, reason="等待规划部门意见")
    assert incident.status == CaseStatus.DEFERRED
    with time_machine.travel(shanghai(2030, 1, 7, 9, 0), tick=False):
        actions.resume(incident, actor=world.dispatcher)
    assert incident.status == Status.REGISTERED and incident.deadline > shanghai(2030, 1, 7, 9, 0)


def test_a_case_the_centre_sends_down_is_withdrawn_from_its_departments_and_they_are_told(world, dispatched_case):
    from dispatch.queries import department_open_count
    from incidents.actions import send_down

    incident = dispatched_case(departments=[world.department, world.other_department])
    actions.accept(incident, actor=world.department_handler)
    assert department_open_count(world.department_handler) == 1
    send_down(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, reason="属地街道处理", to_level="street")
    shares = Assignment.objects.filter(incident=incident)
    assert {s.status for s in shares} == {AssignmentStatus.CANCELLED}
    assert all(s.closed_at is not None for s in shares)
    assert department_open_count(world.department_handler) == 0
    for handler in (world.department_handler, world.other_department_handler):
        assert Notification.objects.filter(user=handler, incident=incident, kind=DispatchKind.WITHDRAWN).exists()
    # A withdrawn share can no longer be acted on.
    with pytest.raises((NotAllowed, Forbidden)):
        actions.feedback(Incident.objects.get(pk=incident.pk), actor=world.department_handler, note="已处理")


def test_a_level_change_without_open_shares_tells_no_department(world, hotline_case):
    from incidents.actions import send_down

    incident = hotline_case()
    send_down(incident, actor=world.dispatcher, reason="属地街道处理", to_level="street")
    assert not Notification.objects.filter(incident=incident, kind=DispatchKind.WITHDRAWN).exists()

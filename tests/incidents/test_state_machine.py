"""One state machine: every act through one function, claimed on status and version, on the timeline."""
import pytest
import time_machine

from incidents import actions
from incidents.actions import Conflict, Forbidden, InvalidInput, NotAllowed
from incidents.models import Incident, Notification, NotificationKind, Status, TimelineEntry

from .conftest import photo, shanghai


def test_a_case_goes_from_report_to_close_and_every_step_is_on_the_timeline(world, file_case):
    worker = world.grid_worker_a
    incident = file_case()
    actions.register(incident, actor=worker)
    actions.assign(incident, actor=worker)
    actions.start(incident, actor=worker)
    actions.handle(incident, actor=worker, note="已清理", photos=[photo()])
    actions.verify(incident, actor=worker, passed=True)
    actions.close(incident, actor=worker)
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED and incident.closed_at is not None
    steps = list(TimelineEntry.objects.filter(incident=incident).order_by("version").values_list("version", "action", "to_status"))
    assert steps == [
        (1, "report", "reported"), (2, "register", "registered"), (3, "assign", "assigned"), (4, "start", "in_progress"),
        (5, "handle", "handled"), (6, "verify", "verified"), (7, "close", "closed"),
    ]
    assert incident.version == 7
    assert incident.photos.filter(stage="after", entry__action="handle").count() == 1


def test_a_failed_verification_sends_the_case_back_for_rework_with_the_reason(world, file_case):
    incident = file_case()
    for act in (actions.register, actions.start):
        act(incident, actor=world.grid_worker_a)
    actions.handle(incident, actor=world.grid_worker_a, photos=[photo()])
    with pytest.raises(InvalidInput):
        actions.verify(incident, actor=world.grid_worker_a, passed=False)  # no reason
    actions.verify(incident, actor=world.grid_worker_a, passed=False, note="还有垃圾")
    assert incident.status == Status.REWORK
    assert incident.timeline.get(version=incident.version).note == "还有垃圾"
    assert Notification.objects.filter(incident=incident, kind=NotificationKind.REWORK).exists() is False  # actor was the assignee


def test_an_action_not_allowed_from_the_current_status_is_refused_with_a_clear_message(world, file_case):
    incident = file_case()
    with pytest.raises(NotAllowed) as error:
        actions.close(incident, actor=world.grid_worker_a)
    assert "#%d" % incident.pk in error.value.message
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED and incident.version == 1


def test_a_stale_version_is_a_conflict(world, file_case):
    incident = file_case()
    with pytest.raises(Conflict):
        actions.register(incident, actor=world.grid_worker_a, expected_version=0)


def test_two_people_acting_on_the_same_case_at_once_one_wins_the_other_gets_a_conflict(world, file_case):
    incident = file_case()
    first = Incident.objects.get(pk=incident.pk)
    second = Incident.objects.get(pk=incident.pk)
    actions.register(first, actor=world.grid_worker_a)
    with pytest.raises(Conflict):
        actions.reject(second, actor=world.dispatcher, reason="重复")
    assert TimelineEntry.objects.filter(incident=incident).count() == 2
    assert Incident.objects.get(pk=incident.pk).status == Status.REGISTERED


def test_rejecting_needs_a_reason_and_tells_the_reporter(world, file_case):
    incident = file_case(reporter=world.community_staff)
    with pytest.raises(InvalidInput) as error:
        actions.reject(incident, actor=world.grid_worker_a, reason="  ")
    assert error.value.field == "note"
    actions.reject(incident, actor=world.grid_worker_a, reason="不属于城市管理问题")
    assert incident.status == Status.REJECTED
    assert Notification.objects.filter(user=world.community_staff, incident=incident, kind=NotificationKind.REJECTED).exists()


def test_only_whoever_holds_the_level_may_act(world, file_case):
    incident = file_case()
    with pytest.raises(Forbidden):
        actions.register(incident, actor=world.community_staff)  # held at grid level
    with pytest.raises(Forbidden):
        actions.register(incident, actor=world.grid_worker_b)  # another cell
    actions.register(incident, actor=world.dispatcher)  # the centre supervises every level


def test_a_grid_worker_settles_a_minor_case_at_grid_level_with_before_and_after_photos(world, file_case):
    incident = file_case(code="E0101")  # exposed rubbish: a minor matter
    with pytest.raises(InvalidInput) as error:
        actions.resolve_at_grid(incident, actor=world.grid_worker_a, after_photos=[photo()])
    assert error.value.field == "before_photos"
    actions.resolve_at_grid(incident, actor=world.grid_worker_a, before_photos=[photo()], after_photos=[photo()], note="已清理")
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED and incident.resolved_at_grid
    assert sorted(incident.photos.values_list("stage", flat=True)) == ["after", "before"]


def test_a_case_that_is_not_minor_cannot_be_settled_alone(world, file_case):
    incident = file_case(code="C0101")  # a missing manhole cover
    with pytest.raises(NotAllowed):
        actions.resolve_at_grid(incident, actor=world.grid_worker_a, before_photos=[photo()], after_photos=[photo()])


@time_machine.travel(shanghai(2025, 3, 3, 10, 0), tick=False)
def test_asking_for_help_moves_the_case_up_with_a_new_deadline_and_tells_the_community(world, file_case):
    incident = file_case()
    actions.register(incident, actor=world.grid_worker_a)
    actions.start(incident, actor=world.grid_worker_a)
    actions.request_help(incident, actor=world.grid_worker_a, reason="需要物业配合")
    assert (incident.level, incident.area) == ("community", world.community_1)
    assert incident.status == Status.REGISTERED and incident.assignee is None
    assert incident.deadline == shanghai(2025, 3, 5, 17, 30)  # two working days at the community
    assert incident.escalations == 1
    entry = incident.timeline.get(version=incident.version)
    assert (entry.action, entry.from_level, entry.to_level, entry.note) == ("request_help", "grid", "community", "需要物业配合")
    assert Notification.objects.filter(user=world.community_staff, incident=incident, kind=NotificationKind.HELP_REQUESTED).exists()


def test_the_receiving_level_may_send_the_case_back_down_with_a_reason(world, file_case):
    incident = file_case()
    actions.request_help(incident, actor=world.grid_worker_a, reason="需要协调")
    with pytest.raises(InvalidInput):
        actions.send_down(incident, actor=world.community_staff, reason="")
    actions.send_down(incident, actor=world.community_staff, reason="网格可自行处理")
    assert (incident.level, incident.area) == ("grid", world.cell_a)
    assert Notification.objects.filter(user=world.grid_worker_a, incident=incident, kind=NotificationKind.SENT_DOWN).exists()


def test_a_hotline_case_is_sent_down_from_the_centre_to_the_street(world, file_case):
    incident = file_case(reporter=world.dispatcher, source="hotline")
    actions.register(incident, actor=world.dispatcher)
    actions.send_down(incident, actor=world.dispatcher, reason="属地处理", to_level="street")
    assert (incident.level, incident.area, incident.status) == ("street", world.street_1, Status.REGISTERED)


def test_a_case_outside_every_cell_cannot_be_sent_down_to_a_cell(world, category):
    from django.contrib.gis.geos import Point

    # Just past the district's edge: outside every cell and area, within GPS error of the district.
    incident, _ = actions.report_incident(reporter=world.dispatcher, category=category(), location=Point(116.7143, 39.6036, srid=4326))
    with pytest.raises(InvalidInput) as error:
        actions.send_down(incident, actor=world.dispatcher, reason="x", to_level="grid")
    assert error.value.field == "to_level"


def test_a_duplicate_is_linked_to_the_first_case_of_its_chain_and_noted_on_both(world, file_case):
    first = file_case()
    second = file_case()
    third = file_case()
    actions.link_duplicate(second, actor=world.grid_worker_a, original=first)
    actions.link_duplicate(third, actor=world.grid_worker_a, original=second)
    third.refresh_from_db()
    assert third.status == Status.DUPLICATE and third.duplicate_of_id == first.pk
    assert list(first.timeline.filter(action="duplicate_linked").values_list("version", flat=True)) == [2, 3]
    with pytest.raises(InvalidInput):
        actions.link_duplicate(first, actor=world.grid_worker_a, original=third)


def test_information_can_be_added_to_an_open_case(world, file_case):
    incident = file_case()
    actions.add_info(incident, actor=world.community_staff, note="居民也反映了", photos=[photo()])
    assert incident.status == Status.REPORTED and incident.version == 2
    assert incident.photos.count() == 1


def test_the_detail_page_offers_only_the_actions_allowed_now(world, file_case):
    incident = file_case()
    offered = {act.name for act in actions.allowed_acts(world.grid_worker_a, incident)}
    assert {"register", "reject", "request_help", "add_info", "link_duplicate", "resolve_at_grid"} <= offered
    assert not offered & {"close", "verify", "send_down", "escalate"}
    assert {act.name for act in actions.allowed_acts(world.community_staff, incident)} == {"add_info"}

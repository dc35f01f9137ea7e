"""A need's life: recorded by the grid worker → claimed by a volunteer (or handed to a department
or supplier) → delivered → confirmed received; every act one history line in the reader's language."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from incidents.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from needs import actions, history
from needs.models import Fulfiller, NeedSource, NeedStatus

MONDAY_10 = timezone.make_aware(datetime(2026, 11, 30, 10, 0))


def test_a_grid_worker_records_a_need_with_the_grid_levels_deadline(world, homes, kinds):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                               description="两天没有蔬菜", now=MONDAY_10)
    assert need.status == NeedStatus.OPEN and need.level == "grid" and need.area == world.cell_a and need.cell == world.cell_a
    # One working day at the grid (the case machine's default limit): close of office on Tuesday.
    assert timezone.localtime(need.deadline) == timezone.make_aware(datetime(2026, 12, 1, 17, 30))


def test_a_medical_need_runs_on_urgent_hours_whatever_the_recorder_chose(world, homes, kinds):
    need = actions.record_need(household=homes.in_a, kind="medicine", urgency="normal", source=NeedSource.GRID_WORKER,
                               actor=world.grid_worker_a, now=MONDAY_10)
    assert need.urgency == "urgent"
    assert need.deadline == MONDAY_10 + timedelta(hours=2)  # 2 urgent hours at the grid


def test_a_grid_worker_cannot_record_for_a_household_outside_her_cells(world, homes, kinds):
    with pytest.raises(Forbidden):
        actions.record_need(household=homes.in_a2, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)


def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(world, homes, kinds):
    from needs.models import Need

    for kwargs, field in (
        ({"kind": "no-such-kind"}, "kind"), ({"kind": "food", "urgency": "whenever"}, "urgency"),
        ({"kind": "food", "description": "a\x00b"}, "description"), ({"kind": "food", "description": "x" * 501}, "description"),
    ):
        with pytest.raises(InvalidInput) as refused:
            actions.record_need(household=homes.in_a, source=NeedSource.GRID_WORKER, actor=world.grid_worker_a, **kwargs)
        assert refused.value.field == field
    assert not Need.objects.exists()


def test_the_same_outbox_item_sent_twice_records_one_need(world, homes, kinds):
    first = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a, client_id="c-1")
    again = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a, client_id="c-1")
    assert again.pk == first.pk


def test_a_volunteer_claims_delivers_and_the_grid_worker_confirms(world, homes, kinds, volunteer, other_volunteer):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    need = actions.claim_need(need=need, actor=volunteer)
    assert need.status == NeedStatus.CLAIMED and need.claimed_by == volunteer and need.fulfiller == Fulfiller.VOLUNTEER
    with pytest.raises((Conflict, NotAllowed, Forbidden)):
        actions.claim_need(need=need, actor=other_volunteer)
    with pytest.raises((NotAllowed, Forbidden)):
        actions.deliver_need(need=need, actor=other_volunteer)
    need = actions.deliver_need(need=need, actor=volunteer)
    assert need.status == NeedStatus.DELIVERED
    need = actions.confirm_received(need=need, actor=world.grid_worker_a)
    assert need.status == NeedStatus.CONFIRMED and need.settled_at is not None
    with translation.override("zh-hans"):
        texts = [line.text for line in history.lines(need)]
    assert texts[0].startswith("已登记") and len(texts) == 4, texts


def test_a_volunteer_of_another_community_can_neither_see_nor_claim(world, homes, kinds, far_volunteer):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    with pytest.raises(Forbidden):
        actions.claim_need(need=need, actor=far_volunteer)


def test_handed_to_a_department_only_that_department_delivers(world, homes, kinds):
    need = actions.record_need(household=homes.in_a, kind="medical_care", source=NeedSource.HOTLINE, actor=world.dispatcher)
    need = actions.hand_on_need(need=need, actor=world.community_staff, department=world.department)
    assert need.status == NeedStatus.CLAIMED and need.fulfiller == Fulfiller.DEPARTMENT
    with pytest.raises(Forbidden):
        actions.deliver_need(need=need, actor=world.other_department_handler)
    need = actions.deliver_need(need=need, actor=world.department_handler)
    assert need.status == NeedStatus.DELIVERED


def test_a_supplier_delivers_through_the_staff_who_handed_it_on(world, homes, kinds):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    with pytest.raises(InvalidInput):
        actions.hand_on_need(need=need, actor=world.community_staff, department=world.department, supplier="物美超市")
    need = actions.hand_on_need(need=need, actor=world.community_staff, supplier="物美超市")
    need = actions.deliver_need(need=need, actor=world.community_staff)
    with translation.override("zh-hans"):
        assert "物美超市" in history.lines(need)[1].text


def test_released_and_cancelled_needs_need_a_reason(world, homes, kinds, volunteer):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    need = actions.claim_need(need=need, actor=volunteer)
    with pytest.raises(InvalidInput):
        actions.release_need(need=need, actor=volunteer, reason=" ")
    need = actions.release_need(need=need, actor=volunteer, reason="车坏了")
    assert need.status == NeedStatus.OPEN and need.claimed_by is None and need.fulfiller == ""
    need = actions.cancel_need(need=need, actor=world.grid_worker_a, reason="家属已送达")
    assert need.status == NeedStatus.CANCELLED


def test_a_leader_reads_but_does_not_act(world, homes, kinds):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    with pytest.raises(NotAllowed):
        actions.cancel_need(need=need, actor=world.leader, reason="x")
    with pytest.raises(Forbidden):
        actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.leader)

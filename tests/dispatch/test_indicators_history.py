"""A closed period's figures do not move (docs/domain/indicators.md, "Which period a case is due in").

May 2025, played through the actions (so every deadline is set by the functions that set them and
kept in the history), then frozen on 2 June; the escalation sweep runs and the cases are worked on
into June; May's table is the same afterwards, and June is credited with what was done in June.

====  =====================================================  =======================================
case  in May                                                 later
====  =====================================================  =======================================
G     grid worker's report 6 May, registered; grid deadline  2 June: the sweep carries it up (a new
      passes the same day                                     deadline in June); closed in June
H1    hotline 10 May, dispatched, due 20 May: still open     June: extension approved, closed
H2    hotline 12 May, dispatched, due 16 May, closed 14 May  —
H3    hotline 28 May, dispatched, due 5 June                 closed 4 June, on time: June's
A     hotline 28 April, dispatched, due 30 April: open       carried over into May; closed 20 May
====  =====================================================  =======================================
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
import time_machine

from dispatch import actions
from dispatch import indicators
from dispatch.indicators import Period
from dispatch.models import ExtensionRequest
from incidents import actions as case_acts
from incidents.models import CaseDeadline, Category, Incident

from .conftest import inside, photo, shanghai
from accounts.models import Role
from tests.world import _user

MAY = Period(date(2025, 5, 1), date(2025, 5, 31))
JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))
APRIL = Period(date(2025, 4, 1), date(2025, 4, 30))


def _at(moment):
    return time_machine.travel(moment, tick=False)


def _hotline(world, when, deadline):
    with _at(when):
        incident, _created = case_acts.report_incident(
            reporter=world.dispatcher, category=Category.objects.get(code="C0102"), location=inside(world.cell_b), source="hotline"
        )
        case_acts.register(incident, actor=world.dispatcher)
        actions.dispatch(incident, actor=world.dispatcher, departments=[world.department], deadline=deadline)
        actions.accept(incident, actor=world.department_handler)
    return Incident.objects.get(pk=incident.pk)


def _finish(world, incident, when):
    with _at(when):
        incident = Incident.objects.get(pk=incident.pk)
        actions.feedback(incident, actor=world.department_handler, note="已处理", photos=[photo()])
        case_acts.verify(incident, actor=world.dispatcher, passed=True)
        case_acts.close(incident, actor=world.dispatcher)


def _figures(world, period, now):
    result = indicators.area_indicators(
        world.district.code, period, groups=["street", "cell", "worker", "category", "source"], exclude_deferred=True, now=now
    )
    return asdict(result.total), {name: [asdict(row) for row in rows] for name, rows in result.groups.items()}


def _departments(world, period, now):
    return [asdict(row) for row in indicators.department_indicators(period, area_code=world.district.code, exclude_deferred=True, now=now)]


@pytest.fixture
def may(world):
    cases = {"A": _hotline(world, shanghai(2025, 4, 28, 9), shanghai(2025, 4, 30, 17, 30))}
    with _at(shanghai(2025, 5, 6, 9)):
        grid_case, _created = case_acts.report_incident(
            reporter=world.grid_worker_a, category=Category.objects.get(code="E0101"), location=inside(world.cell_a), source="patrol"
        )
        case_acts.register(grid_case, actor=world.grid_worker_a)
    cases["G"] = Incident.objects.get(pk=grid_case.pk)
    cases["H1"] = _hotline(world, shanghai(2025, 5, 10, 9), shanghai(2025, 5, 20, 17, 30))
    cases["H2"] = _hotline(world, shanghai(2025, 5, 12, 9), shanghai(2025, 5, 16, 17, 30))
    _finish(world, cases["H2"], shanghai(2025, 5, 14, 10))
    cases["H3"] = _hotline(world, shanghai(2025, 5, 28, 9), shanghai(2025, 6, 5, 17, 30))
    _finish(world, cases["A"], shanghai(2025, 5, 20, 10))
    return cases


def test_may_counts_what_was_due_in_may_carry_over_included(world, may):
    total = indicators.area_indicators(world.district.code, MAY, exclude_deferred=True, now=shanghai(2025, 6, 2, 9)).total
    assert total.accepted == 4  # G H1 H2 H3 reported in May; A in April
    # Due in May: G (its grid deadline), H1 (20 May), H2 (closed 14 May, on time), and A, overdue
    # since 30 April and still open on 1 May. Not H3: due 5 June, though reported in May.
    assert (total.due, total.closed, total.closed_on_time, total.overdue) == (4, 2, 1, 3)
    april = indicators.area_indicators(world.district.code, APRIL, exclude_deferred=True, now=shanghai(2025, 6, 2, 9)).total
    assert (april.accepted, april.due, april.closed) == (1, 1, 0)  # A, due in April, closed only in May


def test_a_closed_period_does_not_move_when_the_sweep_and_later_acts_rewrite_deadlines(world, may):
    frozen = _figures(world, MAY, shanghai(2025, 6, 2, 9))
    frozen_departments = _departments(world, MAY, shanghai(2025, 6, 2, 9))
    # 2 June: the sweep carries G (overdue at grid level since 6 May) up with a deadline in June.
    result = case_acts.escalate_overdue(now=shanghai(2025, 6, 2, 10), workers=1)
    assert result.escalated >= 1
    grid_case = Incident.objects.get(pk=may["G"].pk)
    assert grid_case.level == "community" and grid_case.deadline > shanghai(2025, 6, 2, 10)
    assert grid_case.missed_deadline is not None and grid_case.missed_deadline < shanghai(2025, 5, 7)
    # June: H1's department asks for more time and gets it; then H1, H3 and G are closed.
    with _at(shanghai(2025, 6, 3, 9)):
        h1 = Incident.objects.get(pk=may["H1"].pk)
        extension = actions.request_extension(h1, actor=world.department_handler, deadline="2025-06-20T17:30", reason="等配件")
        actions.decide_extension(ExtensionRequest.objects.get(pk=extension.pk), actor=world.dispatcher, approve=True, note="同意")
    assert Incident.objects.get(pk=may["H1"].pk).deadline == shanghai(2025, 6, 20, 17, 30)
    _finish(world, may["H1"], shanghai(2025, 6, 10, 10))
    _finish(world, may["H3"], shanghai(2025, 6, 4, 10))
    with _at(shanghai(2025, 6, 5, 9)):
        grid_case = Incident.objects.get(pk=may["G"].pk)
        case_acts.handle(grid_case, actor=world.community_staff, note="已清理", photos=[photo()])
        # Checked and closed by a colleague of the community: not its reporter nor its handler.
        colleague = _user("community_1_colleague", Role.COMMUNITY, world.community_staff.area)
        case_acts.verify(Incident.objects.get(pk=grid_case.pk), actor=colleague, passed=True)
        case_acts.close(Incident.objects.get(pk=grid_case.pk), actor=colleague)
    assert _figures(world, MAY, shanghai(2025, 7, 1, 9)) == frozen
    assert _departments(world, MAY, shanghai(2025, 7, 1, 9)) == frozen_departments
    # June is credited with June's work: H3 due and closed on time; H1 and G carried over
    # (overdue since May) and closed in June, late.
    june = indicators.area_indicators(world.district.code, JUNE, exclude_deferred=True, now=shanghai(2025, 7, 1, 9)).total
    assert (june.accepted, june.due, june.closed, june.closed_on_time) == (0, 3, 3, 1)


def test_every_deadline_a_case_was_given_is_kept(world, may):
    case_acts.escalate_overdue(now=shanghai(2025, 6, 2, 10), workers=1)
    with _at(shanghai(2025, 6, 3, 9)):
        h1 = Incident.objects.get(pk=may["H1"].pk)
        extension = actions.request_extension(h1, actor=world.department_handler, deadline="2025-06-20T17:30", reason="等配件")
        actions.decide_extension(ExtensionRequest.objects.get(pk=extension.pk), actor=world.dispatcher, approve=True, note="同意")
    history = list(CaseDeadline.objects.filter(incident=may["H1"]).values_list("action", "level", "deadline"))
    assert [(action, level) for action, level, _deadline in history] == [
        ("report", "district"),
        ("dispatch", "district"),
        ("approve_extension", "district"),
    ]
    assert [deadline for _action, _level, deadline in history][1:] == [shanghai(2025, 5, 20, 17, 30), shanghai(2025, 6, 20, 17, 30)]
    # The extension came after 20 May had passed: the case keeps the deadline it missed.
    assert Incident.objects.get(pk=may["H1"].pk).missed_deadline == shanghai(2025, 5, 20, 17, 30)
    grid = list(CaseDeadline.objects.filter(incident=may["G"]).values_list("action", "level"))
    assert grid[0] == ("report", "grid") and grid[-1] == ("escalate", "community")

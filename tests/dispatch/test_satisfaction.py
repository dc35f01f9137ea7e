"""The satisfaction rate joins the evaluation: (满意 + 基本满意) ÷ verdicts given in the period, per
area, category and department (docs/domain/indicators.md)."""
from __future__ import annotations

import pytest
from django.utils import timezone

from dispatch import actions
from dispatch.indicators import Period, area_indicators, department_indicators
from incidents import actions as case_acts
from incidents.models import Incident

from .conftest import photo

from tests.dispatch.public_helpers import colleague_dispatcher

pytestmark = pytest.mark.django_db


def _closed_hotline_case(world, hotline_case, department=None):
    incident = hotline_case()
    if department is not None:
        actions.dispatch(incident, actor=world.dispatcher, departments=[department])
        actions.accept(Incident.objects.get(pk=incident.pk), actor=world.department_handler)
        actions.feedback(Incident.objects.get(pk=incident.pk), actor=world.department_handler, photos=[photo()])
    else:
        case_acts.handle(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, photos=[photo()])
    case_acts.verify(Incident.objects.get(pk=incident.pk), actor=world.grid_worker_a, passed=True)
    case_acts.close(Incident.objects.get(pk=incident.pk), actor=colleague_dispatcher(world))
    return Incident.objects.get(pk=incident.pk)


def test_satisfaction_counts_satisfied_and_basically_satisfied_over_verdicts_given(world, hotline_case):
    verdicts = ["satisfied", "basically", "unsatisfied", "satisfied"]
    cases = [_closed_hotline_case(world, hotline_case, world.department if i == 0 else None) for i in range(4)]
    for incident, value in zip(cases, verdicts):
        actions.give_verdict(incident, actor=world.dispatcher, value=value, reason="还没修好" if value == "unsatisfied" else "")
    _closed_hotline_case(world, hotline_case)  # closed without a verdict: not counted
    today = timezone.localdate()
    result = area_indicators(world.district.code, Period(today, today), groups=["street", "category"])
    assert result.total.verdicts == 4 and result.total.satisfaction_rate == 0.75
    [street] = [row for row in result.groups["street"] if row.verdicts]
    assert street.satisfaction_rate == 0.75
    [category] = [row for row in result.groups["category"] if row.verdicts]
    assert category.verdicts == 4
    departments = {row.name: row for row in department_indicators(Period(today, today), area_code=world.district.code)}
    assert departments["市政"].verdicts == 1 and departments["市政"].satisfaction_rate == 1.0
    assert all(row.satisfaction_rate is None for name, row in departments.items() if name != "市政")


def test_no_verdict_is_no_rate_never_zero(world):
    today = timezone.localdate()
    assert area_indicators(world.district.code, Period(today, today)).total.satisfaction_rate is None


def test_the_verdicts_are_read_once_for_every_table_of_the_evaluation(world, hotline_case, django_assert_num_queries):
    """The evaluation page asks for the total and five tables at once: one reading of the verdicts,
    not one per table (the rates are the same as counted table by table)."""
    from types import SimpleNamespace

    from dispatch import satisfaction

    incident = _closed_hotline_case(world, hotline_case, world.department)
    actions.give_verdict(incident, actor=world.dispatcher, value="basically")
    today = timezone.localdate()
    period = Period(today, today)
    code = world.district.code
    tables = {
        "total": [SimpleNamespace(key=code)],
        "street": [SimpleNamespace(key=incident.filed_area.code[:9])],
        "community": [SimpleNamespace(key=incident.filed_area.code[:12])],
        "cell": [SimpleNamespace(key=incident.filed_area.code[:15])],
        "category": [SimpleNamespace(key=str(incident.category_id))],
        "department": [SimpleNamespace(key=str(world.department.pk)), SimpleNamespace(key=str(world.other_department.pk))],
    }
    with django_assert_num_queries(1):
        satisfaction.attach(tables, period, code)
    assert [(row.verdicts, row.satisfaction_rate) for rows in tables.values() for row in rows] == [(1, 1.0)] * 6 + [(0, None)]

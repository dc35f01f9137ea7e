"""Dispatching (派遣) and correcting a dispatch (改派) send a case to departments with a deadline:
one rule checks what they send (dispatch.actions.inputs.checked_dispatch), so the two acts refuse
the same departments and deadlines with the same words, and a change to the rule reaches both."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Department
from dispatch import actions
from incidents.errors import InvalidInput

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def both_acts(world, hotline_case, dispatched_case):
    """(act, its case) for a dispatch of a registered case and a correction of a dispatched one."""
    return {
        "dispatch": (actions.dispatch, hotline_case()),
        "correct_dispatch": (actions.correct_dispatch, dispatched_case(departments=[world.department])),
    }


def _refusal(act, incident, **kwargs) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as refused:
        act(incident, **kwargs)
    return refused.value.field, str(refused.value)


def test_both_acts_refuse_a_department_that_takes_no_cases_alike(world, both_acts):
    closed = Department.objects.create(code="GB", name="已撤销科", active=False)
    answers = {name: _refusal(act, incident, actor=world.dispatcher, departments=[world.other_department, closed])
               for name, (act, incident) in both_acts.items()}
    assert answers["dispatch"] == answers["correct_dispatch"]
    assert answers["dispatch"][0] == "departments" and "已撤销科" in answers["dispatch"][1]


def test_both_acts_refuse_a_deadline_already_passed_alike(world, both_acts):
    past = timezone.now() - timedelta(hours=1)
    answers = {name: _refusal(act, incident, actor=world.dispatcher, departments=[world.other_department], deadline=past)
               for name, (act, incident) in both_acts.items()}
    assert answers["dispatch"] == answers["correct_dispatch"] and answers["dispatch"][0] == "deadline"


def test_both_acts_refuse_no_department_alike(world, both_acts):
    answers = {name: _refusal(act, incident, actor=world.dispatcher, departments=[])
               for name, (act, incident) in both_acts.items()}
    assert answers["dispatch"] == answers["correct_dispatch"] and answers["dispatch"][0] == "departments"


def _calls(path: str) -> dict[str, set[str]]:
    """{function defined in the module: names it calls}."""
    tree = ast.parse((ROOT / path).read_text())
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            found[node.name] = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
    return found


def test_the_checks_are_written_once_and_both_acts_call_them():
    rule_parts = {"chosen_departments", "dispatch_deadline"}
    for path, act in (("dispatch/actions/centre.py", "dispatch"), ("dispatch/actions/routed.py", "correct_dispatch")):
        calls = _calls(path)
        assert "checked_dispatch" in calls[act], f"{path}: {act} must check through inputs.checked_dispatch"
        assert not (calls[act] & (rule_parts | {"check"})), f"{path}: {act} repeats a check of the rule"
    callers = {name for name, called in _calls("dispatch/actions/inputs.py").items() if called & rule_parts}
    assert callers == {"checked_dispatch"}

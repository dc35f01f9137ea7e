"""The jurisdiction rule is written once (``accounts.scope._RULE``) and read two ways: in Python by
``scope_codes`` (the one scoping function) and as SQL by ``scope_condition_sql`` (where the user and
the row are found in one statement: a patrol's batch of points). Both give the same answers for
every role and the edge cases (a superuser, a deactivated user, somebody without an area, a grid
worker whose assignment ended or whose cell a redraw retired); a changed rule changes both at once;
and reading it in Python costs no more queries than before it was a table."""
from __future__ import annotations

from django.db import connection
from django.utils import timezone

from accounts import scope
from accounts.models import GridAssignment, Role, User
from accounts.scope import scope_codes, scope_condition_sql
from grids.models import Area
from incidents.models import Incident


def _in_scope_by_sql(user: User) -> set[str]:
    condition, params = scope_condition_sql("u", "a.code")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.code FROM grids_area a JOIN accounts_user u ON u.id = %(user)s WHERE {condition}",
                       {"user": user.pk, **params})
        return {row[0] for row in cursor.fetchall()}


def _in_scope_by_python(user: User, codes: list[str]) -> set[str]:
    allowed = scope_codes(user)
    return set(codes) if allowed is None else {code for code in codes if any(code.startswith(prefix) for prefix in allowed)}


def _people(world) -> dict[str, User]:
    people = dict(world.users())
    people["superuser"] = User.objects.create(username="scope_sql_root", role=world.leader.role, is_superuser=True)
    people["superuser grid worker"] = User.objects.create(username="scope_sql_root_worker", role=Role.GRID_WORKER,
                                                          area=world.community_1, is_superuser=True)
    people["inactive"] = User.objects.create(username="scope_sql_gone", role=world.community_staff.role,
                                             area=world.community_1, is_active=False)
    people["inactive superuser"] = User.objects.create(username="scope_sql_gone_root", role=world.leader.role,
                                                       is_superuser=True, is_active=False)
    people["no area"] = User.objects.create(username="scope_sql_nowhere", role=world.leader.role)
    return people


def _assert_both_agree(people: dict[str, User]) -> int:
    codes = list(Area.objects.values_list("code", flat=True))
    seeing = 0
    for name, user in people.items():
        user.refresh_from_db()
        expected = _in_scope_by_python(user, codes)
        assert _in_scope_by_sql(user) == expected, name
        seeing += bool(expected)
    return seeing


def test_the_sql_rule_answers_as_the_scoping_function_for_everyone(world):
    people = _people(world)
    assert {user.role for user in people.values()} == set(Role.values), "every role is compared"
    assert _assert_both_agree(people) >= 5, "most people see something: the comparison is not of empty sets"
    assert _in_scope_by_sql(people["superuser grid worker"]) == set(Area.objects.values_list("code", flat=True))
    assert _in_scope_by_sql(people["inactive superuser"]) == set() == _in_scope_by_sql(people["no area"])
    # A grid worker whose assignment ended sees that cell no more, in both.
    worker = world.grid_worker_a
    assert world.cell_a.code in _in_scope_by_sql(worker)
    GridAssignment.objects.filter(user=worker, cell=world.cell_a).update(ended_at=timezone.now())
    assert world.cell_a.code not in _in_scope_by_sql(worker)
    assert _assert_both_agree({"ended": worker}) == 0
    # Nor one whose cell a redraw retired while she still holds the assignment.
    other = world.grid_worker_b
    Area.objects.filter(pk=world.cell_b.pk).update(valid_to=timezone.now())
    assert GridAssignment.objects.active().filter(user=other, cell=world.cell_b).exists()
    assert world.cell_b.code not in _in_scope_by_sql(other)
    assert _assert_both_agree({"retired": other}) == 0


def test_a_changed_rule_changes_both_readings(world, monkeypatch):
    """Were the SQL written by hand again beside the table, this test would catch it: a different
    rule (grid workers see their community; community staff nothing; the rest their area) must come
    out of both readings alike."""
    people = _people(world)
    before = {name: _in_scope_by_sql(user) for name, user in people.items()}
    monkeypatch.setattr(scope, "_RULE", (
        scope._Branch(("is_active", frozenset({False})), scope._Nothing()),
        scope._Branch(("role", frozenset({Role.COMMUNITY.value})), scope._Nothing()),
        scope._Branch(None, scope._OwnRow("area", "code")),
    ))
    assert _assert_both_agree(people) >= 5
    assert world.community_1.code in _in_scope_by_sql(world.grid_worker_a)
    assert world.community_1.code not in before["grid_worker_a"]
    assert _in_scope_by_sql(world.community_staff) == set() != before["community_staff"]


def test_reading_the_rule_costs_no_more_queries_than_before(world, django_assert_num_queries):
    """What the console's every poll pays (dispatch/poll_cache.py asks ``scope_key`` each time): a
    dispatcher whose area is loaded pays nothing, one whose area is not yet loaded one query once;
    a grid worker one query for her cells; a superuser or a deactivated user nothing."""
    dispatcher = User.objects.select_related("area").get(pk=world.dispatcher.pk)
    with django_assert_num_queries(0):
        assert scope_codes(dispatcher) == [world.district.code]
        assert f"codes={world.district.code};" in scope.scope_key(dispatcher, Incident)  # dispatch/poll_cache.answer_key
    plain = User.objects.get(pk=world.dispatcher.pk)
    with django_assert_num_queries(1):
        scope_codes(plain)
        scope_codes(plain)  # the area stays loaded on the instance
    worker = User.objects.get(pk=world.grid_worker_a.pk)
    with django_assert_num_queries(1):
        assert scope_codes(worker) == [world.cell_a.code]
    root = User.objects.create(username="scope_sql_root_q", role=Role.GRID_WORKER, is_superuser=True)
    gone = User.objects.create(username="scope_sql_gone_q", role=Role.GRID_WORKER, is_active=False)
    with django_assert_num_queries(0):
        assert scope_codes(root) is None and scope_codes(gone) == []

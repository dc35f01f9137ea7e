"""The jurisdiction rule in SQL (``accounts.scope.scope_condition_sql``, used where the user and
the row are found in one statement: a patrol's batch of points) gives the same answers as the one
scoping function, ``scope_codes``, for every role, a superuser, an inactive user and a grid worker
whose assignment ended."""
from __future__ import annotations

from django.db import connection
from django.utils import timezone

from accounts.models import GridAssignment, User
from accounts.scope import scope_codes, scope_condition_sql
from grids.models import Area


def _in_scope_by_sql(user: User) -> set[str]:
    condition, params = scope_condition_sql("u", "a.code")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.code FROM grids_area a JOIN accounts_user u ON u.id = %(user)s WHERE {condition}",
                       {"user": user.pk, **params})
        return {row[0] for row in cursor.fetchall()}


def _in_scope_by_python(user: User, codes: list[str]) -> set[str]:
    allowed = scope_codes(user)
    return set(codes) if allowed is None else {code for code in codes if any(code.startswith(prefix) for prefix in allowed)}


def test_the_sql_rule_answers_as_the_scoping_function_for_everyone(world):
    codes = list(Area.objects.values_list("code", flat=True))
    users = dict(world.users())
    users["superuser"] = User.objects.create(username="scope_sql_root", role=world.leader.role, is_superuser=True)
    users["inactive"] = User.objects.create(username="scope_sql_gone", role=world.community_staff.role,
                                            area=world.community_1, is_active=False)
    checked = 0
    for name, user in users.items():
        user.refresh_from_db()
        expected = _in_scope_by_python(user, codes)
        assert _in_scope_by_sql(user) == expected, name
        checked += bool(expected)
    assert checked >= 5, "most people see something: the comparison is not of empty sets"
    # A grid worker whose assignment ended sees that cell no more, in both.
    worker = world.grid_worker_a
    assert world.cell_a.code in _in_scope_by_sql(worker)
    GridAssignment.objects.filter(user=worker, cell=world.cell_a).update(ended_at=timezone.now())
    assert world.cell_a.code not in _in_scope_by_sql(worker)
    assert _in_scope_by_sql(worker) == _in_scope_by_python(worker, codes)

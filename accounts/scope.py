"""The one function that decides what a user may see (docs/architecture.md#one-scoping-function).

A user answers for an area and sees its subtree; since every code is a path
(docs/domain/areas.md#codes), the subtree of an area is every code that starts with its code. A
grid worker sees exactly their assigned cells. That rule is written once, as the table ``_RULE``
below: ``scope_codes`` runs it for a user in Python and ``scope_condition_sql`` compiles the same
table to SQL for the one statement that must find the user and the row together (a patrol's batch
of points). Every queryset in a view, API endpoint or export goes through ``scoped``; what falls
outside is answered with 404 by the caller (``get_scoped_or_404``), never 403, so that nobody can
probe for records they may not see.

A model joins by declaring ``SCOPE_AREA_PATH``: the lookup path from the model to its area
("" for Area itself, "cell" for something filed in a cell). A model whose visibility depends on
more than its area (a department's dispatched cases) may also define a classmethod
``scope_extra(queryset, user)`` that narrows further, and a staticmethod ``scope_own(user)``
giving the rows that are the user's own wherever they lie (``Patrol``: her own patrols).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from django.db import DEFAULT_DB_ALIAS
from django.db.models import BooleanField, Exists, F, Func, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.http import Http404
from django.utils.translation import gettext as _

from .capabilities import Capability, roles_with
from .models import GridAssignment, User


# The jurisdiction rule, written once. Its branches are tried in order; the first whose condition
# on the user's own columns holds decides, and says where the user's code prefixes come from. Run
# in Python it is ``scope_codes``; compiled, ``scope_condition_sql``. Both read the same table, and
# a source of prefixes is a queryset whose SQL in the condition is Django's compilation of the very
# queryset Python runs, so the two cannot drift apart: a change here is a change to both.


class _Nothing:
    def codes(self, user) -> list[str]:
        return []

    def condition_sql(self, user: str, code: str, params: _Params) -> str:
        return "false"


class _Everything:
    def codes(self, user) -> None:
        return None

    def condition_sql(self, user: str, code: str, params: _Params) -> str:
        return "true"


@dataclass(frozen=True)
class _Rows:
    """Prefixes read from rows found by one of the user's columns: ``rows(key)`` is one queryset,
    run with the user's value of ``column`` in Python and given the column of the SQL's user row
    as ``key`` in SQL; ``code`` is the lookup of the code in those rows."""

    column: str
    rows: Callable[[Any], QuerySet]
    code: str

    def codes(self, user) -> list[str]:
        return sorted(self.rows(getattr(user, self.column)).values_list(self.code, flat=True))

    def condition_sql(self, user: str, code: str, params: _Params) -> str:
        rows = self.rows(RawSQL(f"{user}.{_column(self.column)}", ()))
        return params.compile(Exists(rows.filter(_starts_with(code, self.code))))


@dataclass(frozen=True)
class _OwnRow:
    """The one row a foreign key of the user points to (her area): in Python its code, from the row
    already loaded on the user (``select_related``) without a query, else by one query of the code
    alone, kept on the user object for the rest of the request; in SQL the row that key finds."""

    field: str
    code: str

    def codes(self, user) -> list[str]:
        key = User._meta.get_field(self.field)
        if key.is_cached(user):
            row = getattr(user, self.field)
            return [] if row is None else [getattr(row, self.code)]
        target = getattr(user, key.attname)
        if target is None:
            return []
        # Only the code, kept on the user for the request: loading her area loaded its boundary
        # (a real district's outline is hundreds of KB of geometry) on every console poll.
        memo = user.__dict__.setdefault("_scope_own_codes", {})
        if (self.field, target) not in memo:
            memo[(self.field, target)] = key.related_model._base_manager.filter(pk=target).values_list(self.code, flat=True).first()
        code = memo[(self.field, target)]
        return [] if code is None else [code]

    def condition_sql(self, user: str, code: str, params: _Params) -> str:
        key = User._meta.get_field(self.field)
        rows = key.related_model._base_manager.filter(**{key.target_field.attname: RawSQL(f"{user}.{key.column}", ())})
        return params.compile(Exists(rows.filter(_starts_with(code, self.code))))


def _assigned_cells(user_id):
    """A grid worker's assignments that have not ended, in cells not retired by a redraw."""
    return GridAssignment.objects.active().filter(user_id=user_id, cell__valid_to__isnull=True)


@dataclass(frozen=True)
class _Branch:
    when: tuple[str, frozenset] | None  # (a column of the user, the values it takes here); None: everyone left
    sees: _Nothing | _Everything | _Rows | _OwnRow


_RULE: tuple[_Branch, ...] = (
    # Nobody deactivated sees anything.
    _Branch(("is_active", frozenset({False})), _Nothing()),
    _Branch(("is_superuser", frozenset({True})), _Everything()),
    # A grid worker's jurisdiction is the cells they are assigned (their role WORK_CELLS), not their community.
    _Branch(("role", roles_with(Capability.WORK_CELLS)), _Rows("id", _assigned_cells, "cell__code")),
    # Anyone else: the subtree of the area they answer for (none without one).
    _Branch(None, _OwnRow("area", "code")),
)
assert _RULE[-1].when is None and all(branch.when is not None for branch in _RULE[:-1]), "the rule ends with its 'otherwise'"


def _applies(branch: _Branch, user) -> bool:
    return branch.when is None or getattr(user, branch.when[0]) in branch.when[1]


def scope_codes(user) -> list[str] | None:
    """Code prefixes the user may see; None means everything (superusers); [] means nothing.

    Costs what the branch that decides costs: no query for a superuser or a deactivated user, one
    for a grid worker (her cells), and for anyone else the loading of ``user.area`` (none once it is
    loaded on the instance)."""
    if not user or not user.is_authenticated:
        return []  # nobody signed in has no row to hold to the rule
    for branch in _RULE:
        if _applies(branch, user):
            return branch.sees.codes(user)
    raise AssertionError("unreachable: the rule ends with its 'otherwise'")


def scoped(queryset: QuerySet, user) -> QuerySet:
    model = queryset.model
    path = getattr(model, "SCOPE_AREA_PATH", None)
    if path is None:
        raise TypeError(f"{model.__name__} has no SCOPE_AREA_PATH: it cannot be shown to users")
    codes = scope_codes(user)
    if codes is not None:
        # A model may also declare ``scope_own(user) -> Q``: rows that are the user's own whatever
        # their area (a grid worker's patrols, after her cell was handed over).
        own = getattr(model, "scope_own", None)
        own = own(user) if own is not None and user and user.is_authenticated and user.is_active else None
        if not codes and own is None:
            return queryset.none()
        field = f"{path}__code" if path else "code"
        conditions = [Q(**{f"{field}__startswith": code}) for code in codes] + ([own] if own is not None else [])
        condition = conditions[0]
        for other in conditions[1:]:
            condition |= other
        queryset = queryset.filter(condition)
    extra = getattr(model, "scope_extra", None)
    if extra is not None:
        queryset = extra(queryset, user)
    return queryset


def scope_key(user, model) -> str:
    """A name for what ``scoped`` lets ``user`` see of ``model``: two users get the same name only when
    ``scoped`` gives them the same rows, so an answer computed for one may be kept for the other
    (the console's polls, dispatch/poll_cache.py). A model with ``scope_extra`` names what its
    narrowing depends on with ``scope_extra_key(user)``; one that does not is never shared (the
    user's own id): fail closed."""
    codes = scope_codes(user)
    name = "all" if codes is None else "codes=" + ",".join(codes) + ";"  # the ";" ends the list: no prefix collides
    if getattr(model, "scope_extra", None) is not None:
        extra_key = getattr(model, "scope_extra_key", None)
        name += "|" + (extra_key(user) if extra_key is not None else f"user={getattr(user, 'pk', None)}")
    return f"{model._meta.label}:{name}"


def get_scoped_or_404(queryset: QuerySet, user, **lookup) -> Model:
    try:
        return scoped(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(_("No such %(thing)s in your jurisdiction.") % {"thing": queryset.model._meta.verbose_name})


def scope_condition_sql(user: str, code: str) -> tuple[str, dict]:
    """The jurisdiction rule as an SQL condition, for the few statements that find the user and the
    row in one go (a patrol's batch of points answered in front of Django, incidents/hotpath.py):
    true when the area code ``code`` (an SQL expression) lies in the jurisdiction of the user row
    ``user`` (an alias with accounts_user's columns). Compiled from ``_RULE``, the table
    ``scope_codes`` runs: a ``CASE`` over its branches in their order, each branch's prefixes an
    ``EXISTS`` over the queryset Python runs. Answers the SQL and its parameters (psycopg's named
    style, every name starting with ``scope_``). ``code`` must not name the subqueries' tables
    unaliased (they take Django's subquery aliases, ``U0``…); tests/foundation/test_scope_sql.py
    holds the two to the same answers for every role."""
    params = _Params()
    cases, otherwise = [], "false"
    for branch in _RULE:
        sees = branch.sees.condition_sql(user, code, params)
        if branch.when is None:
            otherwise = sees
            break
        field, values = branch.when
        # A role is a TextChoices member, which psycopg would send by its name: send its value.
        plain = sorted(value.value if isinstance(value, Enum) else value for value in values)
        cases.append(f"WHEN {user}.{_column(field)} = ANY({params.add(plain)}) THEN {sees}")
    return f"(CASE {' '.join(cases)} ELSE {otherwise} END)", params.values


def _column(field: str) -> str:
    return User._meta.get_field(field).column


def _starts_with(code: str, lookup: str) -> Func:
    """``code`` (SQL) starts with the code at ``lookup``: the subtree test (docs/domain/areas.md#codes)."""
    return Func(RawSQL(code, ()), F(lookup), function="starts_with", output_field=BooleanField())


class _Params:
    """The parameters of a condition being compiled, renamed into psycopg's named style."""

    def __init__(self):
        self.values: dict[str, Any] = {}

    def add(self, value) -> str:
        name = f"scope_{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"

    def compile(self, expression) -> str:
        """Django's SQL for ``expression`` (a subquery), its aliases clear of an outer query's."""
        outer = Query(User)
        resolved = expression.resolve_expression(query=outer)
        sql, params = outer.get_compiler(DEFAULT_DB_ALIAS).compile(resolved)
        given = iter(params)
        # Django writes "%s" for each parameter and "%%" for a percent sign, as the named style does.
        return re.sub(r"%([%s])", lambda m: "%%" if m.group(1) == "%" else self.add(next(given)), sql)

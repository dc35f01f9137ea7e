"""The one function that decides what a user may see (docs/architecture.md#one-scoping-function).

A user answers for an area and sees its subtree; since every code is a path
(docs/domain/areas.md#codes), the subtree of an area is every code that starts with its code. A
grid worker sees exactly their assigned cells. Every queryset in a view, API endpoint or export
goes through ``scoped``; what falls outside is answered with 404 by the caller
(``get_scoped_or_404``), never 403, so that nobody can probe for records they may not see.

A model joins by declaring ``SCOPE_AREA_PATH``: the lookup path from the model to its area
("" for Area itself, "cell" for something filed in a cell). A model whose visibility depends on
more than its area (a department's dispatched cases) may also define a classmethod
``scope_extra(queryset, user)`` that narrows further, and a staticmethod ``scope_own(user)``
giving the rows that are the user's own wherever they lie (``Patrol``: her own patrols).
"""
from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .capabilities import Capability, role_can
from .models import GridAssignment


def scope_codes(user) -> list[str] | None:
    """Code prefixes the user may see; None means everything (superusers); [] means nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    if role_can(user, Capability.WORK_CELLS):
        # A grid worker's jurisdiction is the cells they are assigned (their role WORK_CELLS), not their community.
        return sorted(
            GridAssignment.objects.active().filter(user=user, cell__valid_to__isnull=True).values_list("cell__code", flat=True)
        )
    if user.area_id is None:
        return []
    return [user.area.code]


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
    """``scope_codes`` as an SQL condition, for the few statements that find the user and the row
    in one go (a patrol's batch of points answered in front of Django, incidents/hotpath.py):
    true when the area code ``code`` lies in the jurisdiction of the user row ``user`` (an alias of
    accounts_user). The same rule, branch by branch, as ``scope_codes`` above (nobody inactive; a
    superuser everywhere; a grid worker in her active assignments' current cells; anyone else in
    her area's subtree); tests/foundation/test_scope_sql.py holds the two to the same answers for
    every role. Answers the SQL and its parameters (psycopg's named style)."""
    from .capabilities import roles_with

    cell_roles = sorted(str(role) for role in roles_with(Capability.WORK_CELLS))
    sql = f"""({user}.is_active AND ({user}.is_superuser
        OR ({user}.role = ANY(%(scope_cell_roles)s) AND EXISTS (
            SELECT 1 FROM accounts_gridassignment scope_g JOIN grids_area scope_a ON scope_a.id = scope_g.cell_id
            WHERE scope_g.user_id = {user}.id AND scope_g.ended_at IS NULL AND scope_a.valid_to IS NULL
            AND starts_with({code}, scope_a.code)))
        OR (NOT {user}.role = ANY(%(scope_cell_roles)s) AND EXISTS (
            SELECT 1 FROM grids_area scope_a WHERE scope_a.id = {user}.area_id AND starts_with({code}, scope_a.code)))))"""
    return sql, {"scope_cell_roles": cell_roles}

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


def get_scoped_or_404(queryset: QuerySet, user, **lookup) -> Model:
    try:
        return scoped(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(_("No such %(thing)s in your jurisdiction.") % {"thing": queryset.model._meta.verbose_name})

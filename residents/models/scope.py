"""Who may see resident records at all: the base of every record model (residents.policy)."""
from __future__ import annotations

class RecordScope:
    """Resident records are shown only to roles whose work needs them (residents.policy)."""

    @classmethod
    def scope_extra(cls, queryset, user):
        from ..policy import can_see_records

        return queryset if can_see_records(user) else queryset.none()

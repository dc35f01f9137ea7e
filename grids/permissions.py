"""Who may redraw and import boundaries: whoever ``can`` EDIT_BOUNDARIES (accounts.capabilities)."""
from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.capabilities import Capability, can


def can_edit_boundaries(user) -> bool:
    return can(user, Capability.EDIT_BOUNDARIES)


class CanEditBoundaries(BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_edit_boundaries(request.user)

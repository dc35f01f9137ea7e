"""Who may redraw and import boundaries: GIS administrators and superusers."""
from __future__ import annotations

from rest_framework.permissions import BasePermission

GIS_ADMIN_ROLE = "gis_admin"


def can_edit_boundaries(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or getattr(user, "role", None) == GIS_ADMIN_ROLE))


class CanEditBoundaries(BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_edit_boundaries(request.user)

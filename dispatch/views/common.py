"""What the dispatch pages share: who may open the console, where a case page leads back to,
whether the caller asked for JSON, the map's tiles."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.capabilities import Capability, can, role_can


def map_settings() -> dict:
    return {"tile_url": settings.GRIDGOV_TILE_URL, "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION}


def require_centre(user) -> None:
    if not can(user, Capability.RUN_COMMAND_CENTRE):
        raise PermissionDenied


def desk_url(user) -> str:
    """Where a case page leads back to: the department's inbox or the console."""
    return reverse("dispatch:inbox") if role_can(user, Capability.WORK_DEPARTMENT_SHARES) else reverse("dispatch:console")


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")

"""Navigation: each app registers its pages in AppConfig.ready() with ``register_nav``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.http import HttpRequest

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: frozenset[str] | None  # None: everyone signed in
    order: int
    # badge(request) -> int | None: a count shown beside the label (unread, waiting …).
    badge: Callable[[HttpRequest], int | None] | None = None


_NAV: dict[str, NavItem] = {}


def register_nav(url_name: str, label, *, roles=None, order: int = 50, badge=None) -> None:
    _NAV[url_name] = NavItem(url_name, label, frozenset(roles) if roles is not None else None, order, badge)


register_nav("home", _("Home"), order=0)
register_nav("grids:map", _("Map"), order=10)


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in sorted(_NAV.values(), key=lambda i: (i.order, i.url_name)):
        if item.roles is not None and user.role not in item.roles and not user.is_superuser:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = item.badge(request) if item.badge else None
        items.append({"url": url, "label": item.label, "active": request.path == url, "badge": badge})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "active": False})
    return {"nav_items": items}

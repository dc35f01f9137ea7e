"""Navigation: each app registers its pages in AppConfig.ready() with ``register_nav``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.http import HttpRequest

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.capabilities import Capability, can


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    # Who the item is listed for (accounts.capabilities): those who ``can`` do ``capability``
    # (None: everyone signed in), except those who also ``can`` do ``unless`` (they reach the
    # page from another item).
    capability: Capability | None
    order: int
    # badge(request) -> int | None: a count shown beside the label (unread, waiting …).
    badge: Callable[[HttpRequest], int | None] | None = None
    unless: Capability | None = None
    # Kept on the phone by the service worker (gridgov/offline.py), so that it opens with no signal.
    offline: bool = False
    # Also in the bar at the bottom of a phone's screen (< 600 px), one tap away on every page;
    # "primary": the bar's main button (the report).
    phone_bar: bool | str = False

    def listed_for(self, user) -> bool:
        if user.is_superuser:
            return True  # a superuser's menu lists every page
        if self.capability is not None and not can(user, self.capability):
            return False
        return self.unless is None or not can(user, self.unless)


_NAV: dict[str, NavItem] = {}


def register_nav(
    url_name: str, label, *, capability: Capability | None = None, unless: Capability | None = None, order: int = 50, badge=None,
    offline: bool = False, phone_bar: bool | str = False,
) -> None:
    _NAV[url_name] = NavItem(
        url_name, label, Capability(capability) if capability else None, order, badge, Capability(unless) if unless else None,
        offline, phone_bar,
    )


register_nav("home", _("Home"), order=0, offline=True, phone_bar=True)
register_nav("grids:map", _("Map"), order=10)


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": [], "offline_pages": [], "phone_bar": []}
    items = []
    offline = [reverse("offline-outbox")]
    bar = []
    for item in sorted(_NAV.values(), key=lambda i: (i.order, i.url_name)):
        if not item.listed_for(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = item.badge(request) if item.badge else None
        if item.offline:
            offline.append(url)
        entry = {"url": url, "label": item.label, "active": request.path == url, "badge": badge, "name": item.url_name,
                 "primary": item.phone_bar == "primary"}
        items.append(entry)
        if item.phone_bar:
            bar.append(entry)
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "active": False})
    # A bar of home alone is no help: it is shown when it holds the user's work.
    return {"nav_items": items, "offline_pages": offline, "phone_bar": bar if len(bar) > 1 else []}

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles that see it; None = everyone signed in). Apps add pages as they land.
NAVIGATION = [
    ("home", _("Home"), None),
    ("grids:map", _("Map"), None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, roles in NAVIGATION:
        if roles is not None and user.role not in roles and not user.is_superuser:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path == url})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "active": False})
    return {"nav_items": items}

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.models import GridAssignment, Role
from accounts.scope import scoped

from .models import Area, Level


@login_required
def map_page(request):
    """The hierarchy on a map: the user's top areas first, drill down by clicking."""
    user = request.user
    visible = scoped(Area.objects.current(), user)
    if user.role == Role.GRID_WORKER:
        start_level = Level.GRID
        start_codes = list(GridAssignment.objects.active().filter(user=user).values_list("cell__code", flat=True))
    elif user.area_id:
        start_level = user.area.level
        start_codes = [user.area.code]
    else:
        top = visible.order_by("code").first()
        start_level = top.level if top else Level.DISTRICT
        start_codes = [top.code] if top else []
    return render(
        request,
        "grids/map.html",
        {
            "start_codes": start_codes,
            "start_level": start_level,
            "tile_url": settings.GRIDGOV_TILE_URL,
            "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
        },
    )

"""A local geocoder for Open311 filings that give an address instead of a position.

GeoReport v2 lets a client file with ``address_string`` or ``address_id`` and no lat/long. No
outside geocoder is reached: the address is looked up in the district's own registers — the
residents' building registry (a building's code is its ``address_id``, its address the string)
and the names of the current areas (a community or a cell named as the place). Only the
client's district is searched. Not found: a 400 naming the address.
"""
from __future__ import annotations

import re

from django.contrib.gis.geos import Point
from django.db.models import Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from grids.models import Area
from residents.models import Building

from .formats import Open311Error

_SPACE = re.compile(r"[\s,，、]+")


def _normal(text: str) -> str:
    return _SPACE.sub("", text or "").lower()


def _buildings(district_code: str):
    return Building.objects.filter(cell__code__startswith=district_code).annotate(
        squeezed=Replace("address", Value(" "), Value(""))
    )


def resolve(district_code: str, *, address_string: str = "", address_id: str = "") -> tuple[Point, str]:
    """(position, the address as registered) of an address in the district, or Open311Error 400.

    1. ``address_id``: a building code of the registry.
    2. ``address_string``: a building whose address is the string (spaces and commas ignored),
       else the one building whose address the string contains or that contains the string,
       else a current area of that name.
    """
    if address_id:
        building = _buildings(district_code).filter(code=address_id.strip()).first()
        if building is None:
            raise Open311Error(400, _("address_id “%(id)s” is not a building of the district's registry; give lat and long.")
                               % {"id": address_id[:60]})
        return building.location, building.address
    wanted = _normal(address_string)
    if not wanted:
        raise Open311Error(400, _("lat and long, address_string or address_id are required: say where the problem is."))
    buildings = _buildings(district_code)
    exact = [b for b in buildings.filter(squeezed__iexact=wanted)[:2]]
    if len(exact) == 1:
        return exact[0].location, exact[0].address
    near = list(buildings.filter(squeezed__icontains=wanted)[:2]) or [
        b for b in buildings.only("address", "location", "code")[:5000] if _normal(b.address) and _normal(b.address) in wanted
    ][:2]
    if len(near) == 1:
        return near[0].location, near[0].address
    area = Area.objects.current().filter(code__startswith=district_code, name=address_string.strip()).order_by("-level").first()
    if area is not None:
        point = area.boundary.point_on_surface
        return Point(point.x, point.y, srid=4326), area.name
    raise Open311Error(
        400,
        _("The address “%(address)s” is not in the district's register of buildings and areas; give lat and long.")
        % {"address": address_string[:120]},
    )

"""Vector tiles of the boundaries: rendered by PostGIS, small, cached per revision, refreshed by a publish."""
from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import LineString

from grids.actions import publish_draft, split_draft_cell, start_draft
from grids.models import Area

from .conftest import draft_cell_of, interior_cell


def tile_of(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def fetch(client, level: str, z: int, lng: float, lat: float, **params):
    x, y = tile_of(lng, lat, z)
    return client.get(f"/api/v1/tiles/{level}/{z}/{x}/{y}.mvt", params)


def codes_in(response, level: str) -> set[str]:
    decoded = mapbox_vector_tile.decode(response.content)
    return {f["properties"]["code"] for f in decoded.get(level, {}).get("features", [])}


def centre(area: Area) -> tuple[float, float]:
    point = area.boundary.point_on_surface
    return point.x, point.y


def test_a_cell_tile_holds_the_cells_with_codes_and_names(world, api_as):
    response = fetch(api_as(world.grid_worker_a), "grid", 16, *centre(world.cell_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    features = decoded["grid"]["features"]
    by_code = {f["properties"]["code"]: f for f in features}
    # Public geography, not scoped: the grid worker's tile shows their neighbours' cells too.
    assert world.cell_a.code in by_code and world.cell_a2.code in by_code
    assert by_code[world.cell_a.code]["properties"]["name"] == world.cell_a.name
    assert by_code[world.cell_a.code]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_each_tier_shows_from_its_own_zoom_and_tiles_stay_small(world, api_as):
    client = api_as(world.dispatcher)
    lng, lat = centre(world.cell_a)
    assert fetch(client, "grid", 13, lng, lat).content == b""  # too many cells to draw at city zoom
    assert codes_in(fetch(client, "street", 12, lng, lat), "street") >= {world.street_1.code}
    assert codes_in(fetch(client, "district", 6, lng, lat), "district") == {world.district.code}
    for level, z in [("district", 10), ("street", 12), ("community", 13), ("grid", 14), ("grid", 15), ("grid", 18)]:
        response = fetch(client, level, z, lng, lat)
        assert len(response.content) <= 500_000
        assert codes_in(response, level), (level, z)
    # A z14 cell tile leaves the names out; the cell still carries its code.
    decoded = mapbox_vector_tile.decode(fetch(client, "grid", 14, lng, lat).content)
    assert "name" not in decoded["grid"]["features"][0]["properties"]


def test_a_repeated_tile_comes_from_the_cache_until_a_publish_replaces_it(world, api_as):
    client = api_as(world.dispatcher)
    cell = interior_cell(world.community_1)
    lng, lat = centre(cell)
    first = fetch(client, "grid", 16, lng, lat)
    again = fetch(client, "grid", 16, lng, lat)
    assert (first["X-Tile-Cache"], again["X-Tile-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert client.get(first.wsgi_request.path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    x0, y0, x1, y1 = cell.boundary.extent
    line = LineString(((x0 + x1) / 2, y1 + 0.0002), ((x0 + x1) / 2, y0 - 0.0002), srid=4326)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=line, actor=world.gis_admin)
    result = publish_draft(draft=draft, actor=world.gis_admin, reason="split")

    after = fetch(client, "grid", 16, lng, lat)
    assert after["X-Tile-Cache"] == "miss" and after["ETag"] != first["ETag"]
    codes = codes_in(after, "grid")
    assert cell.code not in codes and {a.code for a in result.areas} <= codes
    # The map as it was keeps drawing the old cell.
    past = fetch(client, "grid", 16, lng, lat, as_of=cell.valid_from.isoformat())
    assert cell.code in codes_in(past, "grid")


@pytest.mark.parametrize("path", ["/api/v1/tiles/planet/10/1/1.mvt", "/api/v1/tiles/grid/10/5000/1.mvt"])
def test_an_impossible_tile_is_404(world, api_as, path):
    assert api_as(world.dispatcher).get(path).status_code == 404


def test_tiles_need_a_signed_in_user(world, api_as):
    assert fetch(api_as(None), "grid", 16, *centre(world.cell_a)).status_code in (401, 403)

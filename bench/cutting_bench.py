"""Cutting a district into cells (issue 16): a 33.6 km² district, cut into street offices and
communities as the demo does, then every community into ~100 m cells by ``grids.cutting`` — the
planning (shapely) and the publish (create_areas: containment, overlaps, coverage in PostGIS) —
timed together, inside a transaction that is rolled back, so the bench's data set is untouched.

    .venv/bin/python -m bench.cutting_bench      # alone, on DATABASE_URL (rolled back)
"""
from __future__ import annotations

import math
import time

TARGET = "33.6 km² district into cells <= 60 s"
AREA_KM2 = 33.6
CODE = "889901"  # far from the generated districts' codes and places
CENTRE = (117.50, 40.60)


def boundary():
    """An irregular octagon of 33.6 km² (WGS-84), far from the generated data set."""
    from pyproj import Transformer
    from shapely.geometry import Polygon

    epsg = 32650
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    back = Transformer.from_crs(epsg, 4326, always_xy=True)
    cx, cy = forward.transform(*CENTRE)
    radii = [1.0, 0.85, 1.1, 0.9, 1.05, 0.8, 1.0, 0.95]
    points = [(math.cos(2 * math.pi * k / 8) * r, math.sin(2 * math.pi * k / 8) * r) for k, r in enumerate(radii)]
    unit = Polygon(points)
    scale = math.sqrt(AREA_KM2 * 1e6 / unit.area)
    return Polygon([back.transform(cx + x * scale, cy + y * scale) for x, y in points])


def cut() -> dict:
    from django.contrib.gis.geos import GEOSGeometry
    from django.db import transaction

    from grids.actions import AreaSpec, create_areas, start_revision
    from grids.cutting import communities_to_cut, cut_parts, plan_cells, publish_cells
    from grids.models import Area, Level

    with transaction.atomic():
        revision = start_revision(reason="bench: cutting")
        district = create_areas(
            [AreaSpec(code=CODE, name="基准区", level=Level.DISTRICT, boundary=GEOSGeometry(boundary().wkt, srid=4326))], revision=revision
        ).areas[0]
        started = time.perf_counter()
        for street in cut_parts(district, count=13):
            cut_parts(street)
        parts_s = time.perf_counter() - started
        communities = communities_to_cut(CODE)
        started = time.perf_counter()
        plans = plan_cells(communities)
        planned_s = time.perf_counter() - started
        publish_cells(plans, reason="bench: cells")
        cells_s = time.perf_counter() - started
        cells = Area.objects.current().subtree(CODE).filter(level=Level.GRID)
        count = cells.count()
        mean = sum(cells.values_list("area_m2", flat=True)) / count
        transaction.set_rollback(True)
    return {"area_km2": district.area_m2 / 1e6, "communities": len(communities), "cells": count, "mean_m2": mean,
            "parts_s": parts_s, "plan_s": planned_s, "cells_s": cells_s}


def measure(bench) -> None:
    from bench.harness import Row

    result = cut()
    bench.add(Row(
        "district cut into cells", median_ms=round(result["cells_s"] * 1000), n=result["cells"], target=TARGET,
        met=result["cells_s"] <= 60,
        note=f"{result['area_km2']:.1f} km², {result['communities']} communities → {result['cells']} cells of "
             f"{result['mean_m2']:,.0f} m² mean: {result['cells_s']:.1f} s (planning {result['plan_s']:.1f} s, the rest "
             f"checking and writing in PostGIS); street offices and communities cut first in {result['parts_s']:.1f} s",
    ))


if __name__ == "__main__":
    import django

    django.setup()
    print(cut())

"""The offline base map (grids/base_layer.py, docs/maps.md): how long one district's layer takes
to build uncached, and how many bytes it is, raw and gzipped (what a phone downloads once and the
service worker keeps). Measured for the district with the most communities in the data set, and
for every district at once (what a superuser's map loads).

    .venv/bin/python -m bench.base_layer_bench      # alone, on DATABASE_URL
"""
from __future__ import annotations

import gzip
import json
import os
import statistics
import time

TARGET = "one district <= 200 KB gzipped, built uncached <= 1 s"
RUNS = 5


def _measure(prefixes):
    from grids.base_layer import base_layer

    times, body, features = [], b"", 0
    for _ in range(RUNS):
        started = time.perf_counter()
        layer = base_layer(prefixes)
        body = json.dumps(layer, ensure_ascii=False, separators=(",", ":")).encode()
        times.append(time.perf_counter() - started)
        features = len(layer["features"])
    return {"median_ms": round(statistics.median(times) * 1000, 1), "features": features, "bytes": len(body),
            "gzip_bytes": len(gzip.compress(body))}


def measure_all() -> dict:
    from django.db.models import Count

    from grids.models import Area, Level

    busiest = (
        Area.objects.current().filter(level=Level.COMMUNITY).values("code").annotate(n=Count("pk"))
    )
    districts: dict[str, int] = {}
    for row in busiest:
        districts[row["code"][:6]] = districts.get(row["code"][:6], 0) + 1
    district = max(districts, key=districts.get) if districts else ""
    return {"district": district, "one": _measure([district]), "every": _measure(None), "load": os.getloadavg()[0]}


def measure(bench) -> None:
    from bench.harness import Row

    result = measure_all()
    one, every = result["one"], result["every"]
    bench.add(Row(
        "offline base map", median_ms=one["median_ms"], n=RUNS, target=TARGET,
        met=one["gzip_bytes"] <= 200_000 and one["median_ms"] <= 1000,
        note=f"district {result['district']}: {one['features']} street offices and communities, {one['bytes']:,} B "
             f"({one['gzip_bytes']:,} B gzipped) in {one['median_ms']} ms; every district: {every['features']} areas, "
             f"{every['bytes']:,} B ({every['gzip_bytes']:,} B gzipped) in {every['median_ms']} ms; load average "
             f"{result['load']:.1f}",
    ))


if __name__ == "__main__":
    import django

    django.setup()
    print(measure_all())

"""What the day's ramp means: headroom against two real sizes, and for a city too big for the
machine, which resource stops it and how many machines it would take — from the figures
measured at the largest load held. Pure functions (tests/foundation/test_day_bench.py).

Sizing rule: each resource's CPU (web = gunicorn, worker = Celery worker and beat, database = the
PostgreSQL backends serving this database) grows in proportion to the workers, as measured at
the step held (cores used ÷ workers); a host is planned at ``PLANNED_UTILISATION`` of its cores
so that a p95 measured near saturation is not what production runs at. Web and Celery hosts are
added side by side (they are stateless); the database is one primary, so it is given as the
cores that primary needs (reads can move to a standby: docs/scaling.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import mix

DONGCHENG = {"name": "Dongcheng", "grids": 1593, "workers": 350}
CITY = {"name": "a city of 20,000 grid workers", "grids": 140_000, "workers": 20_000}
PLANNED_UTILISATION = 0.7
RESOURCES = ("web", "worker", "db")
LABELS = {"web": "web (gunicorn)", "worker": "Celery worker + beat", "db": "database (PostgreSQL)"}


@dataclass
class Sizing:
    workers: int
    cores_needed: dict[str, float]
    stops: str  # the resource that needs the most cores
    web_hosts: int
    worker_hosts: int
    db_cores: int
    holds_on_one_machine: bool


def headroom(held_workers: int, size: dict) -> float:
    return held_workers / size["workers"]


def size_for(workers: int, *, held_workers: int, cpu_cores: dict[str, float], host_cores: int) -> Sizing:
    """The machines ``workers`` grid workers need, from the CPU measured at ``held_workers``."""
    if held_workers <= 0:
        raise ValueError("no load was held: nothing to size from")
    needed = {r: cpu_cores.get(r, 0.0) / held_workers * workers for r in RESOURCES}
    per_host = host_cores * PLANNED_UTILISATION
    stops = max(RESOURCES, key=lambda r: needed[r])
    return Sizing(
        workers=workers, cores_needed={r: round(v, 2) for r, v in needed.items()}, stops=stops,
        web_hosts=max(1, math.ceil(needed["web"] / per_host)), worker_hosts=max(1, math.ceil(needed["worker"] / per_host)),
        db_cores=max(1, math.ceil(needed["db"] / PLANNED_UTILISATION)),
        holds_on_one_machine=workers <= held_workers,
    )


def cpu_bound_workers(step: dict, *, host_cores: int) -> int:
    """Grid workers one machine of ``host_cores`` would carry at ``PLANNED_UTILISATION`` of its CPU,
    from what the server side (web, worker, database; not the load generator, which production
    does not run) spent per worker in ``step``. A figure that a loaded, shared machine's latencies
    cannot give: it assumes the CPU is the server's alone."""
    spent = sum(step["cpu_cores"].get(r, 0.0) for r in RESOURCES)
    return int(host_cores * PLANNED_UTILISATION / spent * step["workers"]) if spent > 0 else 0


def summary(held: dict | None, broken: dict | None, *, host_cores: int, measured: dict | None = None,
            worker_cores: float | None = None) -> dict:
    """The report's conclusions from the largest step held and the first step not held.

    ``measured`` is the step whose CPU sizes the city when none was held for the whole hold (the
    largest ramp step held, else the first): the sizing then says it comes from a step not held.
    ``worker_cores``: Celery's cores averaged over the whole run — the sweep ticks once a minute,
    so a step shorter than that sees it or not."""
    basis = held or measured
    if basis is not None and worker_cores is not None:
        basis = {**basis, "cpu_cores": {**basis["cpu_cores"], "worker": worker_cores}}
    out = {
        "held_workers": held["workers"] if held else 0,
        "held_seconds": held["seconds"] if held else None,
        "broke_first": broken["reasons"] if broken else [],
        "broke_at_workers": broken["workers"] if broken else None,
        "dongcheng_headroom": round(headroom(held["workers"], DONGCHENG), 2) if held else 0.0,
        "city_headroom": round(headroom(held["workers"], CITY), 3) if held else 0.0,
        "city": None, "sized_from": None, "cpu_bound_workers": None, "cpu_bound_dongcheng_headroom": None,
    }
    if basis is not None and sum(basis["cpu_cores"].get(r, 0.0) for r in RESOURCES) > 0:
        city = size_for(CITY["workers"], held_workers=basis["workers"], cpu_cores=basis["cpu_cores"], host_cores=host_cores)
        city.holds_on_one_machine = bool(held) and CITY["workers"] <= held["workers"]
        capacity = cpu_bound_workers(basis, host_cores=host_cores)
        offered = sum(f.get("offered_per_s", 0.0) for f in basis.get("kinds", {}).values())
        natural = mix.per_worker_rps() * basis["workers"]
        out.update(city=city.__dict__, sized_from=f"{'held' if held else 'not confirmed'} step of {basis['workers']:,} workers",
                   cpu_bound_workers=capacity, cpu_bound_dongcheng_headroom=round(capacity / DONGCHENG["workers"], 1),
                   # the rare kinds' floor (bench/day/mix.py) is extra load: at a small step it makes the
                   # CPU per worker too high, and every figure sized from it a lower bound
                   floor_share=round(max(0.0, 1 - natural / offered), 3) if offered else 0.0)
    return out


def lines(result: dict) -> list[str]:
    """The conclusions as sentences for the table's foot."""
    s = result["summary"]
    out = [f"largest load held: {s['held_workers']:,} grid workers"
           + (f" for {s['held_seconds']} s" if s.get("held_seconds") else "")
           + f" = {s['dongcheng_headroom']}× Dongcheng ({DONGCHENG['workers']} supervisors, {DONGCHENG['grids']:,} grids),"
           f" {s['city_headroom']}× a city of {CITY['workers']:,} workers on {CITY['grids']:,} cells"]
    if s["broke_first"]:
        at = f"{s['broke_at_workers']:,}" if s.get("broke_at_workers") else "?"
        out.append(f"what broke first (at {at} workers): " + "; ".join(s["broke_first"][:3]))
    if s.get("cpu_bound_workers"):
        out.append(f"CPU-bound estimate from the {s['sized_from']}: one {result['host_cores']}-core machine whose CPU is the server's "
                   f"alone carries ≈ {s['cpu_bound_workers']:,} workers at {PLANNED_UTILISATION:.0%} CPU "
                   f"(≈ {s['cpu_bound_dongcheng_headroom']}× Dongcheng)"
                   + (f"; the rare kinds' floor is {s['floor_share']:.0%} of that step's requests, so this is a lower bound"
                      if s.get("floor_share", 0) >= 0.1 else ""))
    city = s.get("city")
    if city:
        if city["holds_on_one_machine"]:
            out.append("the city holds on this machine")
        else:
            needed = city["cores_needed"]
            out.append(
                f"the city needs ≈ {needed['web']:.1f} web cores, {needed['worker']:.1f} Celery cores, {needed['db']:.1f} database "
                f"cores at this machine's speed; {LABELS[city['stops']]} stops it first: {city['web_hosts']} web hosts and "
                f"{city['worker_hosts']} Celery host(s) of {result['host_cores']} cores at {PLANNED_UTILISATION:.0%}, a database "
                f"primary of ≥ {city['db_cores']} cores (sized from the {s['sized_from']})"
            )
    return out

"""Make a test cluster's database ready: migrate it and build the test world; print what the
tests need (tokens, a point in a cell) as one JSON line. Run as a separate process with
DATABASE_URL pointing at the cluster: ``python -m tests.scale.seed``."""
from __future__ import annotations

import json

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts import tokens
    from tests.world import ensure_world

    world = ensure_world()
    point = world.cell_a.boundary.point_on_surface
    print(json.dumps({
        "worker_token": tokens.issue(world.grid_worker_a).key,
        "leader_token": tokens.issue(world.leader).key,
        "lat": round(point.y, 6), "lng": round(point.x, 6),
        "district": world.district.code,
    }))


if __name__ == "__main__":
    main()

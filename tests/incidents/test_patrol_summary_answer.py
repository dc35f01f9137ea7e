"""A patrol's summary answers with a track PostgreSQL writes as JSON (issue 18 item 2): the same
answer as when Python read the points row by row, for a patrol whose points are kept and for
one whose day was dropped, and still only to those whose jurisdiction holds the patrol."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from grids.models import Area, AreaFragment, Level
from incidents import actions
from incidents.actions import patrol_days
from incidents.models import Patrol
from incidents.serializers import _area, _when, incident_summary, patrol_data

from .conftest import inside


def _walk(world, start, cell, count, step_m=1.0):
    origin = inside(cell)
    return [{"id": str(uuid.uuid4()), "at": (start + timedelta(seconds=10 * i)).isoformat(),
             "lat": origin.y + i * step_m / 111_000.0, "lng": origin.x + (i % 3) * step_m / 85_000.0, "accuracy": 8}
            for i in range(count)]


def _previous_answer(patrol_id: int) -> bytes:
    """The summary as the API answered it before (incidents.queries and serializers of 4e5a546):
    the points read as rows, the track a list of [lat, lng] encoded by DRF's JSON renderer."""
    patrol = Patrol.objects.select_related("worker", "cell").get(pk=patrol_id)
    first = patrol_days.first_kept_day()
    outside = 0
    if patrol.track is not None and (first is None or patrol.started_at < patrol_days.day_start(first)):
        fragments = AreaFragment.objects.filter(level=Level.GRID, geom__intersects=patrol.track).values("area_id")
        cells = list(Area.objects.current().filter(pk__in=fragments).defer("boundary").order_by("code"))
        track = [(round(y, 6), round(x, 6)) for x, y in patrol.track.coords]
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT round(ST_Y(location)::numeric, 6)::float8, round(ST_X(location)::numeric, 6)::float8, cell_id, "
                           "outside_own_cells FROM incidents_patrolpoint WHERE patrol_id = %s AND at >= %s ORDER BY at",
                           [patrol.pk, patrol.started_at - timedelta(days=1)])
            rows = cursor.fetchall()
        track = [(lat, lng) for lat, lng, _cell, _outside in rows[:5000]]
        outside = sum(1 for *_rest, flagged in rows if flagged)
        cells = list(Area.objects.filter(pk__in={cell for _la, _ln, cell, _o in rows if cell is not None}).order_by("code"))
    end = patrol.ended_at or timezone.now()
    data = patrol_data(patrol)
    data.update(
        duration_s=int((end - patrol.started_at).total_seconds()),
        points=patrol.point_count,
        points_outside_own_cells=outside,
        cells_covered=[_area(cell) for cell in cells],
        checkins=[{"at": _when(c.at), "lat": c.location.y, "lng": c.location.x,
                   "cell": _area(c.cell), "note": c.note, "outside_own_cells": c.outside_own_cells}
                  for c in patrol.checkins.select_related("cell")],
        findings=[incident_summary(i) for i in patrol.findings.select_related("category").order_by("created_at")],
        track=track,
    )
    return JSONRenderer().render(data)


def test_a_finished_patrol_answers_as_before_with_its_track_from_the_database(world, api_as, file_case):
    worker = api_as(world.grid_worker_a)
    start = timezone.now() - timedelta(minutes=40)
    patrol, _ = actions.start_patrol(worker=world.grid_worker_a, now=start)
    # Her own cell, then one she does not answer for (those points are marked outside her cells).
    actions.record_points(patrol, actor=world.grid_worker_a, points=_walk(world, start + timedelta(minutes=1), world.cell_a, 25))
    actions.record_points(patrol, actor=world.grid_worker_a, points=_walk(world, start + timedelta(minutes=6), world.cell_a2, 5))
    point = inside(world.cell_a)
    assert worker.post(f"/api/v1/patrols/{patrol.pk}/checkins/", {"lat": point.y, "lng": point.x, "note": "东门"},
                       format="json").status_code == 201
    file_case(patrol=patrol)
    ended = worker.post(f"/api/v1/patrols/{patrol.pk}/end/", {}, format="json")
    assert ended.status_code == 200

    answer = api_as(world.community_staff).get(f"/api/v1/patrols/{patrol.pk}/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    previous = _previous_answer(patrol.pk)
    assert answer.json() == json.loads(previous)
    # The same bytes: PostGIS writes the numbers as Python did (a whole number would read 40, not
    # 40.0: the same value to any JSON reader; no coordinate here is one).
    assert answer.content == previous
    body = answer.json()
    assert len(body["track"]) == 30 and body["points_outside_own_cells"] == 5
    assert [c["code"] for c in body["cells_covered"]] == sorted([world.cell_a.code, world.cell_a2.code])
    # The end's answer is the same summary.
    assert ended.json() == body


def test_a_patrol_whose_day_was_dropped_answers_its_kept_line_as_before(world, api_as, settings):
    settings.GRIDGOV_PATROL_POINT_DAYS = 2
    old = timezone.now() - timedelta(days=5)
    patrol_days.ensure_days(timezone.localdate(old), timezone.localdate(old))
    patrol, _ = actions.start_patrol(worker=world.grid_worker_a, now=old)
    actions.record_points(patrol, actor=world.grid_worker_a, points=_walk(world, old + timedelta(minutes=1), world.cell_a, 20, step_m=2),
                          now=old)
    actions.end_patrol(patrol, actor=world.grid_worker_a, now=old + timedelta(hours=1))
    assert timezone.localdate(old).isoformat() in patrol_days.keep_days()["dropped"]

    answer = api_as(world.grid_worker_a).get(f"/api/v1/patrols/{patrol.pk}/")
    assert answer.status_code == 200
    assert answer.json() == json.loads(_previous_answer(patrol.pk))
    assert len(answer.json()["track"]) >= 2 and answer.json()["cells_covered"][0]["code"] == world.cell_a.code


def test_another_jurisdictions_patrol_is_a_404_and_says_nothing_of_it(world, api_as):
    patrol, _ = actions.start_patrol(worker=world.grid_worker_b)  # community 2, in street 2
    actions.record_points(patrol, actor=world.grid_worker_b, points=_walk(world, timezone.now() - timedelta(minutes=2), world.cell_b, 3))
    for outsider in (world.community_staff, world.street_staff, world.grid_worker_a):
        answer = api_as(outsider).get(f"/api/v1/patrols/{patrol.pk}/")
        assert answer.status_code == 404 and "track" not in answer.json()
    # Its own worker and the district see it, as before.
    assert api_as(world.grid_worker_b).get(f"/api/v1/patrols/{patrol.pk}/").status_code == 200
    assert len(api_as(world.dispatcher).get(f"/api/v1/patrols/{patrol.pk}/").json()["track"]) == 3

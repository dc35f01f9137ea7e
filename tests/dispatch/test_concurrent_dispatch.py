"""Two dispatchers press "dispatch" on the same case at the same moment, in two real database
sessions: one succeeds, the other is told somebody else got there first; never a double dispatch."""

from __future__ import annotations

import threading

from django.db import connection

from dispatch import actions
from dispatch.models import Assignment
from incidents.actions import Conflict, report_incident
from incidents.models import Category, Incident, TimelineEntry

from .conftest import inside
from incidents import actions as case_acts


def test_two_dispatchers_at_the_same_moment_one_wins_and_one_gets_a_conflict(committed_world):
    world = committed_world
    incident, _ = report_incident(
        reporter=world.dispatcher, category=Category.objects.get(code="C0102"), location=inside(world.cell_a), source="hotline"
    )
    case_acts.register(incident, actor=world.dispatcher)
    ready = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def dispatcher_at_a_screen(department):
        try:
            seen = Incident.objects.get(pk=incident.pk)  # both read the registered case
            ready.wait()
            actions.dispatch(seen, actor=world.dispatcher, departments=[department], expected_version=seen.version)
            outcomes.append("dispatched")
        except Conflict as conflict:
            outcomes.append("conflict")
            assert str(incident.pk) in conflict.message
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dispatcher_at_a_screen, args=(department,))
        for department in (world.department, world.other_department)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["conflict", "dispatched"]
    assert Assignment.objects.filter(incident=incident).count() == 1
    assert TimelineEntry.objects.filter(incident=incident, action="dispatch").count() == 1

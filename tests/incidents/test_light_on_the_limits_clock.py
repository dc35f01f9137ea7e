"""The traffic light turns yellow when 75 % of the limit is used on the limit's own clock: office
time for working hours and days (a weekend or a holiday does not use the limit up), continuous time
for urgent hours. Lists compute the same in SQL; rows without a stored ``warn_at`` keep the
wall-clock share."""
from datetime import timedelta

import time_machine

from incidents import actions, clock
from incidents.actions import escalate_overdue
from incidents.models import Category, Clock, Incident, TimeLimit

from .conftest import shanghai

FRIDAY_4PM = shanghai(2025, 3, 7, 16, 0)


def _limit(code: str, level: str, kind: str, amount) -> None:
    TimeLimit.objects.update_or_create(
        category=Category.objects.get(code=code), level=level, condition="normal", defaults={"clock": kind, "amount": amount}
    )
    clock.clear_cache()


def _light(incident: Incident, at) -> str:
    incident.refresh_from_db()
    return clock.light(
        status=incident.status, deadline=incident.deadline, started=incident.deadline_started_at, warn_at=incident.warn_at, now=at
    )


def _listed(api_as, user, at, light: str) -> set[int]:
    with time_machine.travel(at, tick=False):
        response = api_as(user).get("/api/v1/incidents/", {"light": light, "page_size": 200})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_working_hours_case_filed_on_friday_afternoon_stays_green_over_the_weekend(world, file_case, api_as):
    _limit("E0103", "grid", Clock.WORKING_HOURS, 8)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        incident = file_case(code="E0103")
    # 1.5 office hours on Friday, 3 on Monday morning, 3.5 after lunch: due Monday 17:00; 75 % (6 h)
    # is used at 15:00 on Monday.
    assert incident.deadline == shanghai(2025, 3, 10, 17, 0)
    assert incident.warn_at == shanghai(2025, 3, 10, 15, 0)

    sunday_night = shanghai(2025, 3, 9, 23, 30)  # past 75 % of the wall-clock time, no office hour used
    monday_morning = shanghai(2025, 3, 10, 10, 0)
    monday_late = shanghai(2025, 3, 10, 16, 0)
    overdue = shanghai(2025, 3, 10, 17, 1)
    assert [_light(incident, at) for at in (sunday_night, monday_morning, monday_late, overdue)] == [
        "green", "green", "yellow", "red",
    ]
    # The list computes it in SQL, and its filter agrees.
    worker = world.grid_worker_a
    assert incident.pk in _listed(api_as, worker, sunday_night, "green")
    assert incident.pk not in _listed(api_as, worker, sunday_night, "yellow")
    assert incident.pk in _listed(api_as, worker, monday_morning, "green")
    assert incident.pk in _listed(api_as, worker, monday_late, "yellow")
    assert incident.pk not in _listed(api_as, worker, monday_late, "green")
    assert incident.pk in _listed(api_as, worker, overdue, "red")
    with time_machine.travel(monday_morning, tick=False):
        detail = api_as(worker).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert detail["light"] == "green"


def test_a_working_days_limit_stays_green_through_the_national_day_holidays(world, file_case, api_as):
    # Dirty roads (a minor matter, starting at the grid) have 1 working day at grid level. Filed on
    # Monday 30 September 2024: 1–7 October are holidays, so the day counted is Tuesday 8 October,
    # due at its close.
    with time_machine.travel(shanghai(2024, 9, 30, 10, 0), tick=False):
        incident = file_case(code="E0103")
    assert incident.deadline == shanghai(2024, 10, 8, 17, 30)
    # 75 % of that day's 7 office hours: 5.25 h after 9:00 on the 8th, lunch excluded.
    assert incident.warn_at == shanghai(2024, 10, 8, 15, 45)
    for day in range(1, 8):
        assert _light(incident, shanghai(2024, 10, day, 12, 0)) == "green", f"1 October + {day - 1} days"
    assert _light(incident, shanghai(2024, 10, 8, 10, 0)) == "green"
    assert _light(incident, shanghai(2024, 10, 8, 16, 0)) == "yellow"
    assert _light(incident, shanghai(2024, 10, 8, 17, 31)) == "red"
    # The wall clock would have shown yellow since 6 October; the list does not.
    assert incident.pk in _listed(api_as, world.grid_worker_a, shanghai(2024, 10, 7, 12, 0), "green")


def test_escalation_gives_the_new_level_its_own_yellow_moment(world, file_case):
    with time_machine.travel(shanghai(2025, 3, 3, 10, 0), tick=False):
        incident = file_case(code="E0103")
        actions.register(incident, actor=world.grid_worker_a)
    assert incident.deadline == shanghai(2025, 3, 4, 17, 30)
    escalated_at = shanghai(2025, 3, 4, 17, 31)
    assert escalate_overdue(now=escalated_at).escalated == 1
    incident.refresh_from_db()
    assert incident.level == "community"
    # Two working days at the community, Wednesday and Thursday: yellow after 10.5 of their 14
    # office hours, Thursday 14:00.
    assert incident.deadline == shanghai(2025, 3, 6, 17, 30)
    assert incident.warn_at == shanghai(2025, 3, 6, 14, 0)
    assert (incident.deadline, incident.warn_at) == clock.due_for(incident.category_id, "community", "normal", escalated_at)
    assert _light(incident, shanghai(2025, 3, 6, 10, 0)) == "green"  # the wall clock said yellow from 5:30
    assert _light(incident, shanghai(2025, 3, 6, 14, 30)) == "yellow"


def test_a_case_without_a_stored_yellow_moment_falls_back_to_the_wall_clock_share(world, file_case, api_as):
    with time_machine.travel(FRIDAY_4PM, tick=False):
        incident = file_case(code="E0103")
    # As a row written before the column existed: 4 hours from 10:00, yellow from 13:00.
    Incident.objects.filter(pk=incident.pk).update(
        warn_at=None, deadline_started_at=shanghai(2025, 3, 10, 10, 0), deadline=shanghai(2025, 3, 10, 14, 0)
    )
    assert _light(incident, shanghai(2025, 3, 10, 12, 59)) == "green"
    assert _light(incident, shanghai(2025, 3, 10, 13, 0)) == "yellow"
    assert incident.pk in _listed(api_as, world.grid_worker_a, shanghai(2025, 3, 10, 12, 59), "green")
    assert incident.pk in _listed(api_as, world.grid_worker_a, shanghai(2025, 3, 10, 13, 0), "yellow")


def test_a_chosen_deadline_turns_yellow_where_the_limit_would(db):
    # The same (deadline, warn_at) whether it comes from a limit or is typed in as the same moment.
    for kind, amount in ((Clock.URGENT_HOURS, 4), (Clock.WORKING_HOURS, 8), (Clock.WORKING_HOURS, 2.5), (Clock.WORKING_DAYS, 3)):
        for start in (FRIDAY_4PM, shanghai(2025, 3, 10, 11, 30), shanghai(2024, 9, 30, 22, 0)):
            due = clock.due_after(start, kind, amount)
            assert clock.due_by(start, due.deadline, kind) == due, (kind, amount, start)
            assert start < due.warn_at < due.deadline

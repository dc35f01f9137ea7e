"""Deadlines on the three clocks, on a working calendar with Chinese holidays and make-up days."""
from datetime import date, timedelta

from incidents import clock
from incidents.models import Clock, WorkingCalendar

from .conftest import shanghai


def test_it_knows_national_day_and_the_make_up_saturday_from_chinese_calendar(db):
    assert not clock.is_workday(date(2024, 10, 1))  # National Day, a Tuesday
    assert clock.is_workday(date(2024, 10, 12))  # a Saturday worked in exchange (调休)
    assert not clock.is_workday(date(2024, 10, 13))  # an ordinary Sunday
    assert clock.is_workday(date(2024, 10, 14))


def test_working_days_skip_the_golden_week(db):
    # Reported Friday 27 September 2024, 2 working days: Sunday the 29th is a make-up working day
    # (the first), Monday the 30th the second.
    deadline = clock.add_time(shanghai(2024, 9, 27, 10, 0), Clock.WORKING_DAYS, 2)
    assert deadline == shanghai(2024, 9, 30, 17, 30)
    # Reported on the 30th, 1 working day: 1–7 October are holidays, so Tuesday 8 October.
    deadline = clock.add_time(shanghai(2024, 9, 30, 10, 0), Clock.WORKING_DAYS, 1)
    assert deadline == shanghai(2024, 10, 8, 17, 30)


def test_working_hours_count_office_time_only(db):
    # Monday 11:00 + 3 working hours: 1 h before lunch, 2 h after 13:30.
    assert clock.add_time(shanghai(2025, 3, 3, 11, 0), Clock.WORKING_HOURS, 3) == shanghai(2025, 3, 3, 15, 30)
    # Friday 17:00 + 1 working hour: half an hour on Friday, half on Monday morning.
    assert clock.add_time(shanghai(2025, 3, 7, 17, 0), Clock.WORKING_HOURS, 1) == shanghai(2025, 3, 10, 9, 30)
    # Reported at night: the clock starts at the next opening.
    assert clock.add_time(shanghai(2025, 3, 3, 22, 0), Clock.WORKING_HOURS, 2) == shanghai(2025, 3, 4, 11, 0)


def test_urgent_hours_run_through_nights_and_holidays(db):
    start = shanghai(2024, 10, 1, 23, 0)
    assert clock.add_time(start, Clock.URGENT_HOURS, 2) == start + timedelta(hours=2)


def test_a_year_the_package_does_not_know_follows_the_weekday_rule_and_the_table(db):
    # 2031 is beyond chinese-calendar's data: no crash, Monday–Friday work …
    assert clock.is_workday(date(2031, 1, 6))  # a Monday
    assert not clock.is_workday(date(2031, 1, 4))  # a Saturday
    assert clock.add_time(shanghai(2031, 1, 3, 10, 0), Clock.WORKING_DAYS, 1) == shanghai(2031, 1, 6, 17, 30)
    # … until an administrator enters that year's holidays and make-up days.
    WorkingCalendar.objects.create(date=date(2031, 1, 6), is_workday=False, name="元旦")
    WorkingCalendar.objects.create(date=date(2031, 1, 4), is_workday=True, name="元旦调休")
    assert not clock.is_workday(date(2031, 1, 6))
    assert clock.is_workday(date(2031, 1, 4))
    assert clock.add_time(shanghai(2031, 1, 3, 10, 0), Clock.WORKING_DAYS, 1) == shanghai(2031, 1, 4, 17, 30)


def test_the_table_is_seeded_from_the_package_for_the_years_it_knows(db):
    assert WorkingCalendar.objects.filter(date=date(2024, 10, 1), is_workday=False, name="国庆节").exists()
    assert WorkingCalendar.objects.filter(date__year=2004).exists()
    assert WorkingCalendar.objects.filter(date__year=2026).exists()


def test_the_light_turns_yellow_at_three_quarters_and_red_when_overdue(db, settings):
    start = shanghai(2025, 3, 3, 9, 0)
    deadline = start + timedelta(hours=4)
    assert clock.light(status="registered", deadline=deadline, started=start, now=start + timedelta(hours=2)) == "green"
    assert clock.light(status="registered", deadline=deadline, started=start, now=start + timedelta(hours=3)) == "yellow"
    assert clock.light(status="registered", deadline=deadline, started=start, now=start + timedelta(hours=5)) == "red"
    assert clock.light(status="closed", deadline=deadline, started=start, now=start + timedelta(hours=5)) is None
    settings.GRIDGOV_LIGHT_YELLOW_SHARE = 0.5
    assert clock.light(status="registered", deadline=deadline, started=start, now=start + timedelta(hours=2)) == "yellow"


def test_syncing_from_the_package_keeps_the_days_an_administrator_typed_in(db):
    from io import StringIO

    from django.core.management import call_command

    WorkingCalendar.objects.filter(date=date(2024, 10, 1)).update(is_workday=True, name="本区特殊安排", from_package=False)
    out = StringIO()
    call_command("sync_working_calendar", stdout=out)
    assert "2026" in out.getvalue()
    kept = WorkingCalendar.objects.get(date=date(2024, 10, 1))
    assert kept.is_workday and kept.name == "本区特殊安排"
    assert WorkingCalendar.objects.get(date=date(2024, 10, 2)).from_package

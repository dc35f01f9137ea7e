"""`as_of`: a bare date means the end of that day in the district's time zone; the history map
draws that day's areas with labels and says so when nothing existed then."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from grids.queries import parse_moment


def test_a_bare_date_means_the_end_of_that_day_in_shanghai():
    moment = parse_moment("2026-12-03")
    local = timezone.localtime(moment, timezone.get_default_timezone())
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2026, 12, 3, 23, 59)
    assert local.utcoffset() == timedelta(hours=8)
    # A date and time keeps its own meaning; a naive one is read in the district's zone.
    assert timezone.localtime(parse_moment("2026-12-03T08:00")).hour == 8
    assert parse_moment("2026-02-30") is None and parse_moment("yesterday") is None


def test_todays_date_shows_todays_areas_and_their_labels(world, api_as):
    today = timezone.localdate().isoformat()
    client = api_as(world.dispatcher)
    areas = client.get("/api/v1/areas/", {"parent": world.community_1.code, "as_of": today})
    assert areas.status_code == 200 and len(areas.json()["features"]) > 0
    labels = client.get("/api/v1/areas/labels/", {"parent": world.district.code, "as_of": today})
    assert labels.status_code == 200
    assert {c["code"] for c in labels.json()["children"]} == {world.street_1.code, world.street_2.code}


def test_the_map_of_a_day_before_any_boundary_says_nothing_existed_then(world, client):
    client.force_login(world.dispatcher)
    page = client.get("/map/", {"as_of": "2020-01-01"}).content.decode()
    assert 'data-nothing-then="1"' in page
    assert "2020-01-01" in page and "尚未发布" in page
    today = client.get("/map/", {"as_of": timezone.localdate().isoformat()}).content.decode()
    assert 'data-nothing-then=""' in today and "结束时" in today

"""The heavy reads come from a streaming hot standby, a browser that wrote reads its own writes,
and reads fall back to the primary when the standby is behind or gone — with real clusters.

Which database answered is seen from what the page shows: the standby's replay is paused, so a
report just filed exists on the primary only; its status page (a public page, read from the
standby) is "not found" there and found on the primary.
"""
from __future__ import annotations

import pytest
import requests

from tests.waiting import wait_for

from .phone import file_as_resident, health

pytestmark = [pytest.mark.scale, pytest.mark.scale_slow]

HEALTH_TOKEN = "scale-test-health-token"


def serve(app_server, pair, **settings):
    return app_server({
        "DATABASE_URL": pair.primary.url(), "GRIDGOV_REPLICA_URL": pair.standby.url(), "GRIDGOV_HEALTH_TOKEN": HEALTH_TOKEN,
        "GRIDGOV_REPLICA_CHECK_SECONDS": "0", "GRIDGOV_DB_CONN_MAX_AGE": "60",
        # The tests poll a status link until the standby has the case: not an attacker guessing links.
        "GRIDGOV_PUBLIC_TOKEN_MISSES_PER_IP": "1000",
        **{f"GRIDGOV_REPLICA_{name.upper()}": str(value) for name, value in settings.items()},
    })


def latest_case_number(pair) -> str:
    return pair.primary.query("SELECT number FROM incidents_incident ORDER BY id DESC LIMIT 1")[0][0]


def test_a_public_page_is_read_from_the_standby_and_the_resident_who_filed_reads_it_from_the_primary(pair_factory, app_server):
    pair = pair_factory()
    server = serve(app_server, pair, max_lag_seconds=600)
    pair.pause_replay()
    resident = requests.Session()
    case_page = file_as_resident(resident, server, pair.facts)

    # Somebody else opens the link: the standby has not replayed the report yet.
    assert requests.get(server.url(case_page), timeout=30).status_code == 404
    # The resident who just filed it reads from the primary (the write left a cookie).
    mine = resident.get(server.url(case_page), timeout=30)
    assert mine.status_code == 200 and latest_case_number(pair) in mine.text

    replica = health(server, HEALTH_TOKEN)["checks"]["replica"]
    assert replica["serving_reads"] is True and replica["lag_seconds"] >= 0

    pair.standby.query("SELECT pg_wal_replay_resume()")
    wait_for(lambda: requests.get(server.url(case_page), timeout=30).status_code == 200,
             what="the standby to replay the report and serve its page")


def test_reads_fall_back_to_the_primary_when_the_standby_lags_past_the_limit(pair_factory, app_server):
    pair = pair_factory()
    server = serve(app_server, pair, max_lag_seconds=1)
    pair.pause_replay()
    case_page = file_as_resident(requests.Session(), server, pair.facts)

    def lagging():
        replica = health(server, HEALTH_TOKEN)["checks"]["replica"]
        return replica if replica["lag_seconds"] is not None and replica["lag_seconds"] > 1 else None

    replica = wait_for(lagging, timeout=30, what="/healthz to show the standby more than 1 s behind")
    assert replica["ok"] is False and replica["serving_reads"] is False and "behind" in replica["error"]
    # A reader who never wrote gets the page from the primary: the standby is too far behind.
    assert requests.get(server.url(case_page), timeout=30).status_code == 200
    # Anybody (the load balancer) sees that the standby does not serve, not why.
    assert requests.get(server.url("/healthz"), timeout=30).json()["checks"]["replica"] == {"ok": False}


def test_reads_fall_back_to_the_primary_when_the_standby_is_down(pair_factory, app_server):
    pair = pair_factory()
    server = serve(app_server, pair, max_lag_seconds=600)
    case_page = file_as_resident(requests.Session(), server, pair.facts)
    wait_for(lambda: requests.get(server.url(case_page), timeout=30).status_code == 200, what="the standby to serve the page")

    pair.standby.kill()
    page = requests.get(server.url(case_page), timeout=30)
    assert page.status_code == 200 and latest_case_number(pair) in page.text
    assert page.elapsed.total_seconds() < 5, "a dead standby must not hold the request"
    replica = health(server, HEALTH_TOKEN)["checks"]["replica"]
    assert replica["ok"] is False and replica["error"]

"""Failover without loss: the primary is SIGKILLed in the middle of a stream of reports from
phones, the synchronous standby is promoted, and the same app server carries on through libpq's
host list (``host=a,b`` with ``target_session_attrs=read-write``).

Every report that was answered with a success is on the new primary; a report that got an
error is sent again by its phone's outbox with the same client id, and none is filed twice.
"""
from __future__ import annotations

import threading
import time

import pytest

from tests.waiting import wait_for

from .phone import Phone, report

pytestmark = [pytest.mark.scale, pytest.mark.scale_slow]

PHONES = 4
BEFORE_KILL = 24
AFTER_RECOVERY = 24


def test_a_primary_killed_mid_stream_loses_no_answered_report_and_files_none_twice(pair_factory, app_server):
    pair = pair_factory(synchronous=True)
    wait_for(lambda: pair.primary.query("SELECT sync_state FROM pg_stat_replication", dbname="postgres") == [("sync",)],
             what="the standby to be the primary's synchronous standby")
    hosts = f"127.0.0.1:{pair.primary.port},127.0.0.1:{pair.standby.port}"
    server = app_server({
        "DATABASE_URL": f"postgis://postgres@{hosts}/gridgov?target_session_attrs=read-write&connect_timeout=2",
        # Kept connections, as in production: each web worker must notice its connection died.
        "GRIDGOV_DB_CONN_MAX_AGE": "60",
    })
    stop = threading.Event()
    phones = [Phone(server, pair.facts, stop) for _ in range(PHONES)]
    for phone in phones:
        phone.start()
    try:
        def answered() -> int:
            return sum(len(phone.answered) for phone in phones)

        wait_for(lambda: answered() >= BEFORE_KILL, timeout=120, what="the phones' first reports to be answered")
        pair.primary.kill()
        killed_at = time.monotonic()
        at_kill = answered()
        pair.standby.promote()
        wait_for(lambda: answered() >= at_kill + AFTER_RECOVERY, timeout=180,
                 what="reports to be answered again after the standby's promotion")
    finally:
        stop.set()
        for phone in phones:
            phone.join(timeout=60)
    # What is still in an outbox is sent until answered, as the phone would.
    for phone in phones:
        if phone.pending is not None:
            wait_for(lambda: 200 <= report(server, pair.facts, phone.pending).status_code < 300, timeout=60,
                     what="the last report of an outbox to be answered")
            phone.answered.append((phone.pending, time.monotonic()))

    answered_ids = [str(client_id) for phone in phones for client_id, _ in phone.answered]
    sent_ids = {str(client_id) for phone in phones for client_id in phone.sent}
    filed = dict(pair.standby.query(
        "SELECT client_id::text, count(*) FROM incidents_incident WHERE client_id = ANY(%s::uuid[]) GROUP BY client_id",
        [sorted(sent_ids)],
    ))
    assert sorted(filed) == sorted(set(answered_ids)) == sorted(sent_ids), "every report sent is filed"
    assert set(filed.values()) == {1}, f"filed twice: {[k for k, v in filed.items() if v > 1]}"
    assert sum(phone.errors for phone in phones) > 0, "the kill came in the middle of the stream"
    assert any(at > killed_at for phone in phones for _, at in phone.answered), "the app served again after the failover"
    assert server.process.poll() is None, "the same app server, reconnected"
    assert pair.standby.query("SELECT pg_is_in_recovery()")[0][0] is False

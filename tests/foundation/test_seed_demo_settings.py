"""``seed_demo`` commits without waiting for the flush, but only its own parts: the setting lasts
each part's transaction and no longer on the connection (behind a transaction pooler a session
setting would make another client's commits unflushed). Committed: a test's own transaction would
keep the setting until its end."""
from __future__ import annotations

import pytest
from django.db import connection

from gridgov.management.commands.seed_demo import unflushed_commit


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_demo_part_commits_unflushed_and_the_connection_is_itself_again_after():
    before = _synchronous_commit()
    assert before != "off"
    with unflushed_commit():
        assert connection.in_atomic_block
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == before
    with pytest.raises(RuntimeError):
        with unflushed_commit():
            raise RuntimeError("a part failed")
    assert _synchronous_commit() == before

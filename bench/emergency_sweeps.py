"""The overdue sweeps of emergencies (issue 17's last figure): tasks and needs under the case
sweep's budget, 100,000 due in < 10 s each (bench/run.py's case sweep: 100,000 due of 1,000,000).

Called by bench/emergency_bench.py once the million-task campaign exists:

* tasks: 100,000 pending tasks of the million-task campaign are made due (the rest stay ahead),
  then ``escalate_overdue_tasks`` moves them to the community (one notification per campaign and
  community to its staff);
* needs: 200,000 open needs (four per household), half of them due, then ``escalate_overdue_needs``
  moves the due ones (a history line and a notification to the community's staff each).

Each sweep is timed on the wall clock and by the CPU time of this process and of the database
backends (pg_stat_statements is not assumed: the backends' CPU is read from /proc when the
database runs on this machine).
"""
from __future__ import annotations

import os
import time
from datetime import timedelta

DUE_TASKS = 100_000
NEEDS = 200_000


def _db_cpu_seconds(connection) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (utime + stime from /proc), or
    None when the database runs elsewhere. Only this backend: the server is shared with other jobs,
    so the sweeps run on this one connection (workers=1)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_cpu(connection, work):
    """(result, wall s, this process's CPU s, database backends' CPU s or None)."""
    db_before, cpu_before, started = _db_cpu_seconds(connection), time.process_time(), time.perf_counter()
    result = work()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    db_after = _db_cpu_seconds(connection)
    db = None if db_before is None or db_after is None else max(0.0, db_after - db_before)
    return result, wall, cpu, db


def community_staff(district):
    """One community staff member per community: the people a climbing task or need is told to."""
    from accounts.models import Role, User
    from grids.models import Area

    communities = Area.objects.current().filter(level="community", code__startswith=district.code)
    existing = set(User.objects.filter(username__startswith="bench_community_").values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=f"bench_community_{c.code}", role=Role.COMMUNITY, area=c, email=f"c{c.code}@example.org")
        for c in communities if f"bench_community_{c.code}" not in existing
    ])


def measure_sweeps(connection, big, now) -> dict:
    from emergencies.actions.escalation import escalate_overdue_tasks
    from incidents.models import Notification
    from needs.models import NeedKind
    from needs.seeds import ensure_kinds
    from needs.sweep import escalate_overdue_needs

    community_staff(big.emergency.area)
    due_at = now - timedelta(minutes=5)
    with connection.cursor() as cursor:
        # The campaign is new each run (bench/emergency_bench.py empties the tables): all at the grid, none due yet.
        cursor.execute(
            "UPDATE emergencies_task SET deadline = %s WHERE id IN (SELECT id FROM emergencies_task WHERE campaign_id = %s "
            "AND outcome = 'pending' ORDER BY id LIMIT %s)", [due_at, big.pk, DUE_TASKS])
        cursor.execute("ANALYZE emergencies_task")
    Notification.objects.filter(incident__isnull=True).delete()
    tasks_moved, wall, cpu, db = timed_cpu(connection, lambda: escalate_overdue_tasks(now=now, workers=1))
    tasks = {"due": DUE_TASKS, "of": big.task_count, "escalated": tasks_moved, "wall_s": round(wall, 2), "cpu_s_bench": round(cpu, 2),
             "cpu_s_db": None if db is None else round(db, 2),
             "notifications": Notification.objects.filter(kind="tasks_escalated").count()}

    ensure_kinds()
    kind_ids = list(NeedKind.objects.filter(medical=False).values_list("id", flat=True))[:4]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM needs_needevent; DELETE FROM needs_need")
        cursor.execute(
            """
            INSERT INTO needs_need (household_id, cell_id, emergency_id, kind_id, urgency, description, source, status, level, area_id,
                                    deadline, warn_at, deadline_started_at, escalations, fulfiller, supplier, created_at, version,
                                    client_id)
            SELECT h.id, h.cell_id, %(emergency)s, (%(kinds)s::int[])[k], 'normal', '', 'grid', 'open', 'grid', h.cell_id,
                   CASE WHEN (h.id + k) %% 2 = 0 THEN %(due)s ELSE %(later)s END, %(due)s, %(due)s, 0, '', '', %(due)s, 1, ''
            FROM residents_household h, generate_series(1, 4) AS k
            ORDER BY h.id, k LIMIT %(needs)s
            """,
            {"emergency": big.emergency_id, "kinds": kind_ids, "due": due_at, "later": now + timedelta(days=2), "needs": NEEDS},
        )
        cursor.execute("ANALYZE needs_need")
        cursor.execute("SELECT count(*) FILTER (WHERE deadline < %s), count(*) FROM needs_need", [now])
        due_needs, all_needs = cursor.fetchone()
    result, wall, cpu, db = timed_cpu(connection, lambda: escalate_overdue_needs(now=now, workers=1))
    needs = {"due": due_needs, "of": all_needs, "escalated": result.escalated, "history": result.history_entries,
             "notifications": result.notifications, "wall_s": round(wall, 2), "cpu_s_bench": round(cpu, 2),
             "cpu_s_db": None if db is None else round(db, 2)}
    return {"task_sweep": tasks, "need_sweep": needs, "budget_s": 10}

"""Benchmark of emergencies (issue 17): declaring and issuing over 50,000 households, the progress
dashboard of a 1,000,000-task campaign, a grid worker's task list, recording an outcome.

    .venv/bin/python bench/emergency_bench.py            # ~16,700 cells, ~50,000 households
    .venv/bin/python bench/emergency_bench.py --keep     # reuse the areas and people generated before

Targets: declare + issue a household campaign over 50,000 households ≤ 10 s; the dashboard
(``/api/v1/emergencies/campaigns/<id>/progress/`` at community level, as the district's dispatcher)
of a 1,000,000-task campaign p95 ≤ 500 ms; a grid worker's task list (``/api/v1/emergencies/tasks/``)
p95 ≤ 200 ms; recording an outcome ≥ 0.3× a trivial token-authenticated POST (both through Django's
test client in this process, so the ratio compares the views, not the network).

It works in a database of its own (``<name>_bench_emergency``), with the areas and people of
bench/residents_bench.py (3 households a cell). The 1,000,000-task campaign is the 50,000-household
campaign's tasks copied 20 times into one campaign (and its counters summed), in SQL. Then the
overdue sweeps of tasks and needs (bench/emergency_sweeps.py: 100,000 due each, ≤ 10 s like the case
sweep). Next to the wall times it reports CPU: of this process (the view) and of the database
backend serving it, per request and per sweep, since the machine is shared and loaded.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.emergency_sweeps import measure_sweeps, timed_cpu  # noqa: E402
from bench.residents_data import DISTRICT, ensure_database, generate_areas, generate_people, percentiles  # noqa: E402

CELLS = 16_800


def database_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'gridgov'}_bench_emergency"
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + name)), name


def samples(client, method: str, url_for, repeat: int, body=None) -> list[float]:
    out = []
    for i in range(repeat):
        extra = {} if body is None else {"data": json.dumps(body(i)), "content_type": "application/json"}
        started = time.perf_counter()
        response = getattr(client, method)(url_for(i), **extra)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 300, (url_for(i), response.status_code, response.content[:300])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    admin_url, url, name = database_url(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/gridgov"))
    ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ.setdefault("GRIDGOV_AXES_ENABLED", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import GridAssignment, Role, User
    from accounts.tokens import issue
    from emergencies.actions.campaigns import issue_campaign
    from emergencies.actions.declaring import declare_emergency
    from emergencies.models import Campaign, Task
    from grids.models import Area

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    out = sys.stderr
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM residents_household")
        present = cursor.fetchone()[0]
    if not (args.keep and present):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE emergencies_emergency, residents_persontag, residents_person, residents_household, residents_dwelling, "
                           "residents_building, accounts_gridassignment, grids_areafragment CASCADE")
            cursor.execute("UPDATE accounts_user SET area_id = NULL")
            for level in ("grid", "community", "street", "district"):
                cursor.execute("DELETE FROM grids_area WHERE level = %s", [level])
        generate_areas(CELLS, out)
        generate_people(out)
    with connection.cursor() as cursor:
        # A kept database holds the last run's million tasks: the ORM's cascade would load them all.
        cursor.execute("TRUNCATE emergencies_emergency, needs_need, incidents_notification CASCADE")
    district = Area.objects.get(code=DISTRICT, valid_to__isnull=True)
    dispatcher, _ = User.objects.update_or_create(username="bench_dispatcher", defaults={"role": Role.DISPATCHER, "area": district})
    community = Area.objects.filter(level="community", parent__parent=district).order_by("code").first()
    worker, _ = User.objects.update_or_create(username="bench_worker", defaults={"role": Role.GRID_WORKER, "area": community})
    cells = list(Area.objects.filter(level="grid", parent=community, valid_to__isnull=True).order_by("code")[:7])
    for cell in cells:
        GridAssignment.objects.get_or_create(user=worker, cell=cell, ended_at=None)
    streets = list(Area.objects.filter(level="street", parent=district, valid_to__isnull=True).values_list("code", flat=True))
    now = timezone.now()

    def declare_and_issue():
        emergency = declare_emergency(actor=dispatcher, kind="epidemic", title="基准", area=district,
                                      zones=[{"name": "全区", "measure": "lockdown", "areas": streets}])
        return issue_campaign(actor=dispatcher, zone=emergency.zones.get(), title="逐户", unit="household",
                              deadline=now + timedelta(days=2), care_deadline=now + timedelta(days=1))

    campaign, declare_seconds, declare_cpu, declare_db_cpu = timed_cpu(connection, declare_and_issue)
    out.write(f"declare + issue: {campaign.task_count} tasks in {declare_seconds:.2f} s\n")

    # The million-task campaign: the same tasks 20 times over, counters summed (SQL, not measured).
    big = Campaign.objects.create(emergency=campaign.emergency, zone=campaign.zone, title="百万", unit="household",
                                  deadline=campaign.deadline, care_deadline=campaign.care_deadline, issued_by=dispatcher)
    copies = max(1, round(1_000_000 / max(campaign.task_count, 1)))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO emergencies_task (campaign_id, cell_id, building_id, household_id, person_id, unit_label, floor, room, care, deadline, "
            "worker_id, assignee_id, outcome, outcome_at, outcome_by_id, note, answers, level, escalations) "
            "SELECT %s, cell_id, building_id, household_id, person_id, unit_label, floor, room, care, deadline, worker_id, NULL, "
            "CASE WHEN random() < 0.3 THEN 'done' ELSE 'pending' END, NULL, NULL, '', '{}', 'grid', 0 "
            "FROM emergencies_task, generate_series(1, %s) WHERE campaign_id = %s",
            [big.pk, copies, campaign.pk],
        )
        cursor.execute(
            "INSERT INTO emergencies_cellprogress (campaign_id, cell_id, total, care_total, reached, care_reached, nobody_home, needs_help, overdue) "
            "SELECT %s, cell_id, count(*), count(*) FILTER (WHERE care), count(*) FILTER (WHERE outcome = 'done'), "
            "count(*) FILTER (WHERE care AND outcome = 'done'), 0, 0, 0 FROM emergencies_task WHERE campaign_id = %s GROUP BY cell_id",
            [big.pk, big.pk],
        )
        cursor.execute("ANALYZE emergencies_task")
        cursor.execute("ANALYZE emergencies_cellprogress")
    big_tasks = Task.objects.filter(campaign=big).count()
    Campaign.objects.filter(pk=big.pk).update(task_count=big_tasks)
    big.task_count = big_tasks
    out.write(f"million-task campaign: {big_tasks} tasks\n")

    centre = APIClient()
    centre.credentials(HTTP_AUTHORIZATION=f"Token {issue(dispatcher).key}")
    phone = APIClient()
    phone.credentials(HTTP_AUTHORIZATION=f"Token {issue(worker).key}")
    dashboard = samples(centre, "get", lambda i: f"/api/v1/emergencies/campaigns/{big.pk}/progress/?level=community", args.repeat)
    tasks = samples(phone, "get", lambda i: "/api/v1/emergencies/tasks/", args.repeat)
    mine = list(Task.objects.filter(campaign=campaign, worker=worker).values_list("pk", flat=True))
    outcome = samples(phone, "post", lambda i: f"/api/v1/emergencies/tasks/{mine[i % len(mine)]}/outcome/", args.repeat * 5,
                      body=lambda i: {"outcome": "done", "client_id": str(uuid.uuid4())})
    trivial = _trivial_post(phone, args.repeat * 5)
    cpu_outcome = _cpu_per_request(connection, lambda i: phone.post(
        f"/api/v1/emergencies/tasks/{mine[i % len(mine)]}/outcome/",
        data=json.dumps({"outcome": "done" if i % 2 else "nobody_home", "client_id": str(uuid.uuid4())}), content_type="application/json"),
        args.repeat * 5)
    cpu_trivial = _trivial_post(phone, args.repeat * 5, cpu=connection)
    cpu_dashboard = _cpu_per_request(connection, lambda i: centre.get(f"/api/v1/emergencies/campaigns/{big.pk}/progress/?level=community"),
                                     args.repeat)
    sweeps = measure_sweeps(connection, big, timezone.now() + timedelta(minutes=1))
    tasks_of_worker = Task.objects.filter(worker=worker, campaign=big).count() + len(mine)
    with os.popen("uptime") as uptime:
        load = uptime.read().strip()
    results = {
        "households": campaign.task_count,
        "declare_and_issue_s": round(declare_seconds, 2),
        "declare_and_issue_cpu_s": {"bench": round(declare_cpu, 2), "db": None if declare_db_cpu is None else round(declare_db_cpu, 2)},
        "dashboard_1m": {"tasks": big_tasks, **percentiles(dashboard)},
        "worker_task_list": {"tasks_listed": tasks_of_worker, **percentiles(tasks)},
        "outcome_post": percentiles(outcome),
        "trivial_token_post": percentiles(trivial),
        "outcome_vs_trivial": round(sorted(trivial)[len(trivial) // 2] / sorted(outcome)[len(outcome) // 2], 2),
        "cpu_ms_per_request": {"outcome_post": cpu_outcome, "trivial_token_post": cpu_trivial, "dashboard_1m": cpu_dashboard},
        **sweeps,
        "uptime": load,
        "targets": {"declare_and_issue_s": 10, "dashboard_p95_ms": 500, "task_list_p95_ms": 200, "outcome_vs_trivial": 0.3,
                    "sweep_s": 10},
    }
    document = json.dumps(results, ensure_ascii=False, indent=2)
    print(document)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "emergency.json").write_text(document)


def _cpu_per_request(connection, request, repeat: int) -> dict:
    """CPU milliseconds per request: this process (the view) and the database backends."""
    def run():
        for i in range(repeat):
            assert request(i).status_code < 300

    _, wall, cpu, db = timed_cpu(connection, run)
    return {"n": repeat, "wall_ms": round(wall * 1000 / repeat, 1), "web_cpu_ms": round(cpu * 1000 / repeat, 1),
            "db_cpu_ms": None if db is None else round(db * 1000 / repeat, 1)}


def _trivial_post(client, repeat: int, cpu=None):
    """The baseline: the trivial token-authenticated DRF POST of bench/urls.py, through the same
    client; its wall times, or with ``cpu`` (the connection) its CPU per request."""
    from django.test import override_settings
    from django.urls import clear_url_caches

    def post(i):
        return client.post("/bench/trivial-auth/", data=json.dumps({"outcome": "done", "client_id": str(uuid.uuid4())}),
                           content_type="application/json")

    with override_settings(ROOT_URLCONF="bench.urls"):
        clear_url_caches()
        if cpu is None:
            out = samples(client, "post", lambda i: "/bench/trivial-auth/", repeat,
                          body=lambda i: {"outcome": "done", "client_id": str(uuid.uuid4())})
        else:
            out = _cpu_per_request(cpu, post, repeat)
    clear_url_caches()
    return out


if __name__ == "__main__":
    main()

"""CPU per console poll, in-process: the intake pulse and the queue as a district's seats ask them.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=…/<bench db> python bench/day/poll_cpu.py [--seats 10 --rounds 30]

Each round every seat asks once (one poll interval); between rounds one case change is counted,
so every round computes afresh — the worst case for the shared answer, where every interval sees
a write. Measured through Django's full middleware stack (the test client, signed in by session):
the Python CPU of this process (time.process_time) and the database backend's CPU (/proc, the
server runs on this machine). Run from another checkout (cd /work/main; python …/poll_cpu.py) it
measures that checkout's code: the figures before the shared answer.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the checkout measured is the one we are in
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.day.proc import process_seconds  # noqa: E402
from bench.harness import session_cookie  # noqa: E402
from grids.models import Area, Level  # noqa: E402

URLS = {"intake": "/dispatch/intake.json", "queue": "/dispatch/queue.json"}


def seats(count: int) -> list[Client]:
    district = Area.objects.current().filter(level=Level.DISTRICT).order_by("code").first()
    clients = []
    for n in range(count):
        user, _created = User.objects.get_or_create(
            username=f"bench_poll_d{n}", defaults={"role": "dispatcher", "area": district, "first_name": f"poll {n}"}
        )
        client = Client(HTTP_HOST="localhost")
        name, _eq, key = session_cookie(user.username).partition("=")  # as the day's sessions are made
        client.cookies[name] = key
        clients.append(client)
    return clients


def count_a_change() -> None:
    try:
        from incidents.changes import note_case_change
    except ImportError:  # the checkout before the shared answer keeps nothing
        return
    note_case_change()


def measure(clients, url: str, rounds: int, conditional: bool) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    etags: dict[int, str] = {}
    statuses: dict[int, int] = {}
    sent = 0
    for client in clients:  # warm: sessions, translations, plans
        client.get(url)
    web0, db0, wall0 = time.process_time(), process_seconds(backend), time.perf_counter()
    for _round in range(rounds):
        count_a_change()
        for n, client in enumerate(clients):
            headers = {"HTTP_IF_NONE_MATCH": etags[n]} if conditional and n in etags else {}
            answer = client.get(url, **headers)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            sent += len(answer.content)
            if answer.has_header("ETag"):
                etags[n] = answer["ETag"]
    polls = rounds * len(clients)
    web, db, wall = time.process_time() - web0, process_seconds(backend) - db0, time.perf_counter() - wall0
    return {"web_ms": 1000 * web / polls, "db_ms": 1000 * db / polls, "wall_ms": 1000 * wall / polls,
            "bytes": sent / polls, "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seats", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    clients = seats(args.seats)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}  load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}  "
          f"checkout {os.getcwd()}  {args.seats} seats × {args.rounds} rounds")
    for kind, url in URLS.items():
        for conditional in (False, True):
            found = measure(clients, url, args.rounds, conditional)
            label = f"{kind}{' + If-None-Match' if conditional else ''}"
            print(f"{label:24} web {found['web_ms']:6.2f} ms  db {found['db_ms']:5.2f} ms  wall {found['wall_ms']:6.2f} ms  "
                  f"{found['bytes']:8.0f} B/poll  {found['statuses']}")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

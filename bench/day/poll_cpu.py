"""CPU per console poll, in-process: the intake pulse and the queue as a district's seats ask them.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=…/<bench db> python bench/day/poll_cpu.py \
        [--seats 10 --rounds 30 --changes every|none --via wsgi|client]

Each round every seat asks once (one poll interval). With ``--changes every`` (the default) one
case change is counted between rounds, so every round computes afresh — the worst case for the
shared answer, where every interval sees a write; with ``none`` the answer of the first round is
served to the others while it is fresh (rounds follow each other faster than the interval), what
the hot path in front of Django (dispatch/hotpath.py) serves. ``--via wsgi`` (the default) sends
each poll through the WSGI application gunicorn serves (bench/wsgi.py: the hot paths, then
Django's handler, its request signals and middleware), as raw WSGI calls signed in by a session
cookie; ``--via client`` through Django's test client (the middleware, but not the hot paths, and
the test client's own bookkeeping). Measured: the Python CPU of this process (time.process_time)
and the database backend's CPU (/proc, the server runs on this machine). Run from another checkout
(cd /work/main; python …/poll_cpu.py) it measures that checkout's code: the figures before.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the checkout measured is the one we are in
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
# One database connection for the whole run: its backend's CPU is what is read.
os.environ.setdefault("GRIDGOV_DB_CONN_MAX_AGE", "3600")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.day.proc import process_seconds  # noqa: E402
from bench.harness import session_cookie  # noqa: E402
from grids.models import Area, Level  # noqa: E402

URLS = {"intake": "/dispatch/intake.json", "queue": "/dispatch/queue.json"}


class Answer:
    def __init__(self, status: int, headers: dict, content: bytes):
        self.status_code, self.headers, self.content = status, headers, content

    def has_header(self, name: str) -> bool:
        return name in self.headers

    def __getitem__(self, name: str) -> str:
        return self.headers[name]


class WsgiSeat:
    """A console seat calling the WSGI application directly, as gunicorn would: the environ of a
    browser's fetch with the session cookie."""

    def __init__(self, application, cookie: str):
        self.application, self.cookie = application, cookie

    def get(self, url: str, **headers) -> Answer:
        path, _q, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "localhost",
            "SERVER_PORT": "8000", "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "HTTP_COOKIE": self.cookie,
            "HTTP_ACCEPT": "application/json", **headers,
        }
        answer = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

        chunks = self.application(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return Answer(answer["status"], answer["headers"], body)


def seats(count: int, via: str) -> list:
    district = Area.objects.current().filter(level=Level.DISTRICT).order_by("code").first()
    application = None
    if via == "wsgi":
        from bench.wsgi import application  # the checkout's own stack, hot paths included
    clients = []
    for n in range(count):
        user, _created = User.objects.get_or_create(
            username=f"bench_poll_d{n}", defaults={"role": "dispatcher", "area": district, "first_name": f"poll {n}"}
        )
        cookie = session_cookie(user.username)  # as the day's sessions are made
        if application is not None:
            clients.append(WsgiSeat(application, cookie))
            continue
        client = Client(HTTP_HOST="localhost")
        name, _eq, key = cookie.partition("=")
        client.cookies[name] = key
        clients.append(client)
    return clients


def count_a_change() -> None:
    try:
        from incidents.changes import note_case_change
    except ImportError:  # the checkout before the shared answer keeps nothing
        return
    note_case_change()


def measure(clients, url: str, rounds: int, conditional: bool, changes: bool) -> dict:
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
        if changes:
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
    parser.add_argument("--changes", choices=("every", "none"), default="every",
                        help="count a case change before every round (each computes afresh), or never")
    parser.add_argument("--via", choices=("wsgi", "client"), default="wsgi",
                        help="the WSGI application with its hot paths, or Django's test client")
    args = parser.parse_args()
    clients = seats(args.seats, args.via)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}  load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}  "
          f"checkout {os.getcwd()}  {args.seats} seats × {args.rounds} rounds  via {args.via}  changes {args.changes}")
    for kind, url in URLS.items():
        for conditional in (False, True):
            found = measure(clients, url, args.rounds, conditional, args.changes == "every")
            label = f"{kind}{' + If-None-Match' if conditional else ''}"
            print(f"{label:24} web {found['web_ms']:6.2f} ms  db {found['db_ms']:5.2f} ms  wall {found['wall_ms']:6.2f} ms  "
                  f"{found['bytes']:8.0f} B/poll  {found['statuses']}")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

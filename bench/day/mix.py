"""The simulated day's mix: every request kind's rate per grid worker, from the field's figures.

Everything scales with one number, the grid workers on duty: the other people (dispatchers,
department handlers, leaders, dispatch systems, map viewers) are counted per grid worker, so
"N workers" is a whole district's or city's traffic at the morning peak, when every worker is on
patrol at once (the conservative case: in a real day patrols are spread over 8 hours).

Where the figures come from (docs/scaling.md, "A simulated day", says the same in prose):

* a worker on patrol sends her track every 30 s: a batch of 3 points (a point every 10 s) —
  issue 18's city figure, 20,000 workers × a point every 10 s = 2,000 points/s;
* reports: Fuzhou's 3,000 valid cases a day over ~1,000 patrolling workers — 3 per worker in an
  8-hour day, half with a photo (the phone resizes it: ≈ 300 KB);
* a check-in per cell entered: a worker walks ~7 cells a day (140,000 cells ÷ 20,000 workers),
  about one an hour;
* on-site checks (核查): one per case closed, as many as reports;
* the phone's home page: opened twice an hour, each with ~10 map tiles;
* the command centre: Dongcheng's 350 supervisors were served by about ten dispatcher seats —
  one per 35 workers. A console polls the intake every second and the queue every 5 s
  (dispatch/views/console.py), opens each case about twice and acts on it three times
  (register, dispatch, close: its timeline), and pans the map (about one tile a minute);
* department handlers: one per 50 workers, the inbox every minute;
* dispatch systems (the 12345 hotline, the city's apps): one point lookup per worker an hour;
* leaders: one per 100 workers, a dashboard twice an hour;
* the escalation sweep: Celery beat, every minute (incidents/tasks.py) — not a request.

Every kind also runs at least ``FLOOR_PER_S`` (once every 5 s) whatever the workers, so that a
rare kind (dashboards) has a p95 to judge at every step; the floor is added load, stated in the
report as the offered rate.
"""
from __future__ import annotations

from dataclasses import dataclass

HOUR = 3600.0
DISPATCHER_PER_WORKERS = 35
HANDLER_PER_WORKERS = 50
LEADER_PER_WORKERS = 100
REPORTS_PER_WORKER_HOUR = 3 / 8
FLOOR_PER_S = 0.2


@dataclass(frozen=True)
class Kind:
    name: str
    who: str  # worker, dispatcher, handler, leader, system
    per_worker_hour: float
    description: str


KINDS: tuple[Kind, ...] = (
    Kind("points", "worker", 120.0, "POST /api/v1/patrols/<id>/points/: 3 track points every 30 s"),
    Kind("report", "worker", REPORTS_PER_WORKER_HOUR / 2, "POST /api/v1/incidents/ (JSON, no photo)"),
    Kind("report_photo", "worker", REPORTS_PER_WORKER_HOUR / 2, "POST /api/v1/incidents/ (multipart, a ≈300 KB photo)"),
    Kind("checkin", "worker", 1.0, "POST /api/v1/patrols/<id>/checkins/"),
    Kind("onsite_check", "worker", REPORTS_PER_WORKER_HOUR, "POST /api/v1/incidents/<id>/add_info/ on a case of her cell"),
    Kind("home", "worker", 2.0, "GET / (the phone's home page, session)"),
    Kind("tile", "worker", 2.0 * 10 + 60.0 / DISPATCHER_PER_WORKERS, "GET /api/v1/tiles/<level>/<z>/<x>/<y>.mvt"),
    Kind("intake", "dispatcher", HOUR / 1 / DISPATCHER_PER_WORKERS, "GET /dispatch/intake.json every 1 s per console"),
    Kind("queue", "dispatcher", HOUR / 5 / DISPATCHER_PER_WORKERS, "GET /dispatch/queue.json every 5 s per console"),
    Kind("case_open", "dispatcher", REPORTS_PER_WORKER_HOUR * 2, "GET /api/v1/dispatch/incidents/<id>/"),
    Kind("case_act", "dispatcher", REPORTS_PER_WORKER_HOUR * 3, "POST /api/v1/dispatch/incidents/<id>/add_info/"),
    Kind("inbox", "handler", 60.0 / HANDLER_PER_WORKERS, "GET /api/v1/dispatch/inbox/ every minute per handler"),
    Kind("lookup", "system", 1.0, "GET /api/v1/areas/lookup/?lat=…&lng=…"),
    Kind("dashboard", "leader", 2.0 / LEADER_PER_WORKERS, "GET /api/v1/indicators/?area=<district> (the default period: this month)"),
)
KIND_NAMES = tuple(k.name for k in KINDS)


def rates(workers: int, *, floor: float = FLOOR_PER_S) -> dict[str, float]:
    """Requests per second of each kind for ``workers`` grid workers on duty."""
    if workers < 0:
        raise ValueError("workers must be ≥ 0")
    return {k.name: max(k.per_worker_hour * workers / HOUR, floor) for k in KINDS}


def people(workers: int) -> dict[str, int]:
    """How many of each kind of person ``workers`` grid workers come with (at least one each)."""
    return {
        "worker": max(1, workers),
        "dispatcher": max(1, round(workers / DISPATCHER_PER_WORKERS)),
        "handler": max(1, round(workers / HANDLER_PER_WORKERS)),
        "leader": max(1, round(workers / LEADER_PER_WORKERS)),
    }


def per_worker_rps() -> float:
    """All kinds together, per grid worker (without the floor)."""
    return sum(k.per_worker_hour for k in KINDS) / HOUR

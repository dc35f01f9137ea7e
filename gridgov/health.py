"""GET /healthz: the state of the database, Redis and the Celery workers (503 when one is down).

Anybody (the load balancer) learns which check is down; only operators learn the details —
the PostGIS version, the workers' host names, error messages with addresses and ports, which
help an attacker more than a load balancer: signed-in staff, or a monitor that sends
``X-Health-Token`` equal to ``GRIDGOV_HEALTH_TOKEN``.

With a standby configured (gridgov/replica), ``replica`` tells its lag and whether it serves
reads now. It does not make the answer 503: the primary carries every read without it.
"""
from __future__ import annotations

import hmac

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridgov.replica import standby


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            (postgis,) = cursor.fetchone()
        return {"ok": True, "postgis": postgis}
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and we say which
        return {"ok": False, "error": str(exc).strip()[:200]}


def _redis() -> dict:
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}


def _celery(redis_ok: bool) -> dict:
    if not redis_ok:
        return {"ok": False, "error": "broker unreachable"}
    from gridgov.celery import app

    try:
        # A connection of its own, from the settings of this request, not the app's pool.
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection_:
            replies = app.control.ping(timeout=1.0, connection=connection_) or []
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}
    workers = sorted(name for reply in replies for name in reply)
    return {"ok": bool(workers), "workers": workers} if workers else {"ok": False, "error": "no worker answered"}


def _replica() -> dict:
    measured = standby.remember(standby.measure())
    lag = None if measured.lag_seconds is None else round(measured.lag_seconds, 3)
    answer = {"ok": measured.serving_reads, "serving_reads": measured.serving_reads, "lag_seconds": lag}
    if measured.reason:
        answer["error"] = measured.reason
    return answer


def _operator(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    expected = getattr(settings, "GRIDGOV_HEALTH_TOKEN", "")
    given = request.META.get("HTTP_X_HEALTH_TOKEN", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_GET
def healthz(request):
    database = _database()
    redis_state = _redis()
    celery_state = _celery(redis_state["ok"])
    checks = {"database": database, "redis": redis_state, "celery": celery_state}
    healthy = all(check["ok"] for check in checks.values())
    if standby.configured():
        checks["replica"] = _replica()
    if not _operator(request):
        checks = {name: {"ok": check["ok"]} for name, check in checks.items()}
    return JsonResponse({"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503)

"""GET /healthz tells an operator which of database, Redis and Celery is down."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.celery
ROOT = Path(__file__).resolve().parents[2]


def test_all_green_with_a_real_worker_on_real_redis(celery_worker_process, settings):
    settings.GRIDGOV_HEALTH_TOKEN = "monitor-secret"
    response = Client().get("/healthz", HTTP_X_HEALTH_TOKEN="monitor-secret")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["postgis"].startswith("3.")
    assert any(name.startswith("gridgov-test-") for name in body["checks"]["celery"]["workers"])
    anonymous = Client().get("/healthz").json()
    assert anonymous == {"status": "ok", "checks": {"database": {"ok": True}, "redis": {"ok": True}, "celery": {"ok": True}}}


def test_503_naming_celery_when_no_worker_answers():
    # Ping goes to every worker on the broker, and parallel test processes run workers of their
    # own: ask from a separate process whose broker is a Redis database where no worker listens
    # (a separate process, because kombu keeps its reply queue per process).
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15"
    env = {**os.environ, "CELERY_BROKER_URL": broker, "REDIS_URL": broker}
    env["GRIDGOV_HEALTH_TOKEN"] = "monitor-secret"
    code = ("from django.test import Client; r = Client().get('/healthz', HTTP_X_HEALTH_TOKEN='monitor-secret'); "
            "print(r.status_code); print(r.content.decode())")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503", result.stdout + result.stderr
    checks = json.loads(body)["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is True
    assert checks["celery"] == {"ok": False, "error": "no worker answered"}


def test_503_naming_redis_when_the_broker_is_unreachable(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["celery"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True

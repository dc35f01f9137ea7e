"""Production mode refuses to start without a secret and passes Django's deployment checks."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-production-secret-for-the-test-only-" + "x" * 20
RESIDENT_KEYS = "k1:" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
PRODUCTION = {
    "GRIDGOV_PRODUCTION": "1",
    "GRIDGOV_SECRET_KEY": STRONG_KEY,
    "GRIDGOV_ALLOWED_HOSTS": "grid.example.cn",
    "GRIDGOV_RESIDENT_KEYS": RESIDENT_KEYS,
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Nothing of the test process's own set-up leaks in (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", **{k: v for k, v in PRODUCTION.items() if k != "GRIDGOV_SECRET_KEY"})
    assert result.returncode != 0
    assert "GRIDGOV_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    result = run_manage("check", **{**PRODUCTION, "GRIDGOV_SECRET_KEY": "gridgov-development-only-not-a-secret"})
    assert result.returncode != 0


def test_check_deploy_is_clean_in_production():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_demo_password_is_refused_in_production():
    result = run_manage(
        "shell", "-c",
        "from django.contrib.auth.password_validation import validate_password as v\n"
        "try:\n    v('gridgov-demo')\nexcept Exception as e:\n    print('REFUSED', e)",
        **PRODUCTION,
    )
    assert "REFUSED" in result.stdout, result.stdout + result.stderr

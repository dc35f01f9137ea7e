"""Shared fixtures. The world (district, cells, personas) is built once per test database and
kept across tests by pytest-django's per-test rollback; a transactional test flushes it, and the
next test that asks for it rebuilds it (about a second)."""
from __future__ import annotations

import os
import subprocess
import tempfile
import sys
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from .world import World, ensure_world

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--scale-slow", action="store_true", default=False,
                     help="also run the tests marked scale_slow (their own PostgreSQL clusters and servers): make test-scale")


def pytest_collection_modifyitems(config, items):
    """The scale_slow tests run only with --scale-slow (`make test-scale`); the normal suite
    deselects them (reported as deselected, never as skipped or passed)."""
    if config.getoption("--scale-slow"):
        return
    slow = [item for item in items if item.get_closest_marker("scale_slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("scale_slow")]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_world()


@pytest.fixture
def world(db) -> World:
    return ensure_world()


@pytest.fixture
def committed_world(transactional_db) -> World:
    """The world in committed rows, for tests whose other processes (Celery, a live server) must see it."""
    return ensure_world()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Categories, time limits, the calendar and the kinds of need come from data migrations; a
    transactional test flushes them, so put them back when missing (one query when present)."""
    from incidents import clock, routing
    from incidents.models import Category
    from incidents.seeds import ensure_reference_data

    names = set(request.fixturenames)
    if names & {"transactional_db", "committed_world", "celery_worker_process", "live_server"}:
        request.getfixturevalue("transactional_db")
    elif names & {"db", "world"}:
        request.getfixturevalue("db")
    else:
        names = set()
    if names and not Category.objects.filter(code="E0405").exists():
        ensure_reference_data()
    if names:
        # The kinds of need come from needs' data migration too, and a flush empties them as well.
        from needs.models import NeedKind
        from needs.seeds import KINDS, ensure_kinds

        if NeedKind.objects.count() < len(KINDS):
            ensure_kinds()
    clock.clear_cache()
    routing.clear_cache()
    if names:
        # Coverage kept per community (accounts.coverage) from another test's rolled-back rows.
        from accounts.coverage import forget_all

        forget_all()
    yield
    clock.clear_cache()
    routing.clear_cache()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Uploaded photos and files go to the test's own folder, never into var/media; so do the
    # uploads waiting for the photo worker (a test that moves the clock and sweeps must not
    # remove another test's).
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GRIDGOV_PENDING_PHOTO_ROOT = tmp_path / "pending-photos"


@pytest.fixture
def photos_left_pending():
    """Filed photos stay pending (no worker runs): for tests of what is shown until processed."""
    return True


@pytest.fixture(autouse=True)
def _photo_worker_in_process(request, monkeypatch):
    """The photo worker's part (incidents.actions.photo_queue), run in the test's own process
    right where the filing hands the photo on, so a filing's photos are processed when the test
    looks at them. Tests with a real Celery worker (``celery_worker_process``) keep the real
    hand-over; ``photos_left_pending`` leaves them pending."""
    names = set(request.fixturenames)
    if names & {"celery_worker_process", "photos_left_pending"}:
        return
    from incidents.actions import photo_queue

    monkeypatch.setattr(photo_queue, "enqueue", photo_queue.process_pending_photo)


@pytest.fixture(autouse=True)
def _no_login_lockout_between_tests(settings):
    settings.AXES_ENABLED = False


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        from accounts.tokens import issue

        client.credentials(HTTP_AUTHORIZATION=f"Token {issue(user).key}")
    return client


@pytest.fixture
def api_as():
    return api_client_for


@pytest.fixture
def celery_worker_process(committed_world, settings):
    """A real Celery worker in its own process, on real Redis, against the test database.

    Each xdist worker gets its own queue name so parallel test processes never take each
    other's tasks.
    """
    from django.db import connection

    queue = f"gridgov-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["GRIDGOV_CELERY_QUEUE"] = queue
    env["GRIDGOV_DB_CONN_MAX_AGE"] = "0"
    # The test's own folders: the worker reads the uploads the test filed and stores beside it.
    env["GRIDGOV_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env["GRIDGOV_PENDING_PHOTO_ROOT"] = str(settings.GRIDGOV_PENDING_PHOTO_ROOT)
    hostname = f"{queue}@%h"
    # A file, not a pipe: a pipe nobody reads fills up and stalls the worker.
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gridgov", "worker", "-Q", queue, "-n", hostname, "--pool", "solo", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    from gridgov.celery import app

    app.conf.task_default_queue = queue
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            replies = app.control.ping(destination=[hostname.replace("%h", os.uname().nodename)], timeout=0.5)
            if replies:
                break
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{Path(log.name).read_text()}")
        else:
            raise RuntimeError(f"Celery worker did not answer within 60 s:\n{Path(log.name).read_text()}")
        yield process
    finally:
        app.conf.task_default_queue = "gridgov"
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

"""The web import runs in a real Celery worker (real Redis, test database) and reports its progress."""
from __future__ import annotations

import io

import pytest

from residents.models import ImportJob, ImportStatus, Person

from tests.waiting import wait_for

from .test_import import family, xlsx

pytestmark = pytest.mark.celery


def test_a_worker_checks_then_imports_the_uploaded_file(committed_world, celery_worker_process, client):
    world = committed_world
    client.force_login(world.community_staff)
    upload = io.BytesIO(xlsx(family(world.cell_a, household="CEL-1", first_sequence=601)))
    upload.name = "居民.xlsx"
    response = client.post("/residents/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/residents/import/{job.pk}/"
    wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).exists(), what="the check")
    assert Person.objects.count() == 0  # a check writes nothing
    client.post(f"/residents/import/{job.pk}/confirm/")
    wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.DONE).exists(), what="the import")
    assert Person.objects.filter(household__number="CEL-1").count() == 3
    state = client.get(f"/residents/import/{job.pk}/status/").json()
    assert state["status"] == "done" and state["summary"]["people"] == 3

"""PIPL's minimal retention: a configurable number of days after a need is settled (or its
emergency ends), the job forgets whose need it was; the figures stay; running it twice is harmless."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from needs import actions, counting
from needs.models import Need, NeedEvent, NeedSource
from needs.retention import anonymise_due_needs
from tests.waiting import wait_for


def _settled(world, homes, *, reason="家属已送达"):
    need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                               description="王奶奶需要米面")
    return actions.cancel_need(need=need, actor=world.grid_worker_a, reason=reason)


def test_a_settled_need_is_anonymised_after_the_configured_days_once(world, homes, kinds, settings):
    settings.GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS = 10
    need = _settled(world, homes)
    running = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                                  description="还在等")
    assert anonymise_due_needs(now=timezone.now() + timedelta(days=9)) == 0
    assert anonymise_due_needs(now=timezone.now() + timedelta(days=11)) == 1
    need.refresh_from_db()
    assert need.household is None and need.description == "" and need.anonymised_at is not None
    assert not NeedEvent.objects.filter(need=need).exclude(note="").exists()
    assert need.kind.code == "food" and need.cell == world.cell_a  # the figures keep what they count
    assert anonymise_due_needs(now=timezone.now() + timedelta(days=12)) == 0  # idempotent
    running.refresh_from_db()
    assert running.household == homes.in_a and running.description == "还在等"


def test_an_emergencys_needs_are_anonymised_the_configured_days_after_it_ends_even_if_open(world, homes, kinds, settings):
    from emergencies.models import Emergency

    settings.GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS = 5
    emergency = Emergency.objects.create(kind="epidemic", title="测试疫情", area=world.community_1, declared_by=world.dispatcher)
    need = actions.record_need(household=homes.in_a, kind="medicine", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                               description="胰岛素", emergency=emergency)
    assert anonymise_due_needs(now=timezone.now() + timedelta(days=60)) == 0  # still running: kept
    ended = timezone.now()
    Emergency.objects.filter(pk=emergency.pk).update(status="ended", ends_at=ended)
    assert anonymise_due_needs(now=ended + timedelta(days=4)) == 0
    assert anonymise_due_needs(now=ended + timedelta(days=6)) == 1
    need.refresh_from_db()
    assert need.household is None and need.description == "" and need.emergency_id == emergency.pk
    assert [row.open for row in counting.open_by_kind(world.community_1, emergency)] == [1]


def test_the_beat_job_runs_in_a_real_worker_and_twice_is_harmless(committed_world, celery_worker_process, settings):
    from needs.seeds import ensure_kinds
    from needs.tasks import anonymise_needs
    from tests.residents.conftest import make_household

    ensure_kinds()
    household = make_household(committed_world.cell_a)
    need = actions.record_need(household=household, kind="food", source=NeedSource.GRID_WORKER, actor=committed_world.grid_worker_a,
                               description="米")
    actions.cancel_need(need=need, actor=committed_world.grid_worker_a, reason="重复")
    moment = timezone.now() + timedelta(days=settings.GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS + 1)
    anonymise_needs.delay(now=moment.isoformat())
    wait_for(lambda: Need.objects.filter(pk=need.pk, anonymised_at=moment).exists(), what="the worker's anonymisation")
    # A second run (beat fires again) finds nothing left: the first moment stays.
    anonymise_needs.delay(now=(moment + timedelta(hours=1)).isoformat())
    canary = actions.record_need(household=household, kind="food", source=NeedSource.GRID_WORKER, actor=committed_world.grid_worker_a)
    actions.cancel_need(need=canary, actor=committed_world.grid_worker_a, reason="重复", now=moment - timedelta(days=100))
    anonymise_needs.delay(now=(moment + timedelta(hours=2)).isoformat())
    wait_for(lambda: Need.objects.filter(pk=canary.pk, anonymised_at__isnull=False).exists(), what="the canary")
    assert Need.objects.get(pk=need.pk).anonymised_at == moment and Need.objects.get(pk=need.pk).description == ""

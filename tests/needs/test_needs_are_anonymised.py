"""PIPL's minimal retention: a configurable number of days after a need is settled (or its
emergency ends), the job forgets whose need it was; the figures stay; running it twice is harmless."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from needs import actions, counting
from needs.models import Need, NeedEvent, NeedSource
from needs.retention import anonymise_due_needs


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

"""A hotline need's caller's number: its own encrypted field (never the description), moved out of
the descriptions the hotline wrote before, and forgotten with the need (docs/needs.md#the-hotline)."""
from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from needs import actions
from needs.models import Need, NeedSource
from needs.phones import AAD_CALLER_PHONE, phone_hashes
from needs.retention import anonymise_due_needs
from residents import privacy

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("needs.migrations.0005_need_caller_phone")


def _need(world, household, description, source=NeedSource.HOTLINE):
    """A need as it was stored before the field existed (the description as written then)."""
    actor = world.dispatcher if source == NeedSource.HOTLINE else world.grid_worker_a
    need = actions.record_need(household=household, kind="food", source=source, actor=actor)
    Need.objects.filter(pk=need.pk).update(description=description)
    return need


def test_the_migration_moves_only_the_prefix_the_hotline_wrote(world, homes):
    moved = _need(world, homes.in_b, "☎ 13812345678｜楼上老人发烧\n家里没有药")
    bare = _need(world, homes.in_b, "☎ 01065551234")
    untouched = {
        "grid worker's": _need(world, homes.in_a, "☎ 13812345678｜邻居说的", source=NeedSource.GRID_WORKER),
        "no space": _need(world, homes.in_b, "☎13812345678｜发烧"),
        "not first": _need(world, homes.in_b, "请回电 ☎ 13812345678"),
        "letters": _need(world, homes.in_b, "☎ 1381234567x｜发烧"),
        "empty rest": _need(world, homes.in_b, "☎ 13812345678｜"),
        "too short": _need(world, homes.in_b, "☎ 1234｜四位"),
        "the other bar": _need(world, homes.in_b, "☎ 13812345678|发烧"),
    }
    before = {name: Need.objects.get(pk=need.pk).description for name, need in untouched.items()}
    MIGRATION.move_numbers_out(django_apps, None)
    MIGRATION.move_numbers_out(django_apps, None)  # run again: nothing moves twice
    moved.refresh_from_db()
    assert moved.description == "楼上老人发烧\n家里没有药"
    assert privacy.decrypt(moved.caller_phone_enc, AAD_CALLER_PHONE) == "13812345678"
    assert moved.caller_phone_hash in phone_hashes("13812345678")
    bare.refresh_from_db()
    assert bare.description == "" and privacy.decrypt(bare.caller_phone_enc, AAD_CALLER_PHONE) == "01065551234"
    for name, need in untouched.items():
        need.refresh_from_db()
        assert (need.description, need.caller_phone_enc) == (before[name], ""), name


def test_the_migration_can_be_rolled_back_to_the_old_form(world, homes):
    need = _need(world, homes.in_b, "☎ 13812345678｜发烧")
    MIGRATION.move_numbers_out(django_apps, None)
    MIGRATION.put_numbers_back(django_apps, None)
    need.refresh_from_db()
    assert (need.description, need.caller_phone_enc, need.caller_phone_hash) == ("☎ 13812345678｜发烧", "", "")


def test_the_number_goes_with_the_need_when_it_is_anonymised(world, homes, settings):
    settings.GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS = 10
    need = actions.record_need(household=homes.in_b, kind="food", source=NeedSource.HOTLINE, actor=world.dispatcher,
                               description="老人发烧", caller_phone="13812345678")
    assert need.caller_phone_enc and need.caller_phone_hash
    actions.cancel_need(need=need, actor=world.dispatcher, reason="家属已送")
    assert anonymise_due_needs(now=timezone.now() + timedelta(days=11)) == 1
    need.refresh_from_db()
    assert (need.caller_phone_enc, need.caller_phone_hash, need.description) == ("", "", "")
    assert not Need.objects.filter(caller_phone_hash__in=phone_hashes("13812345678")).exists()  # nor found again


def test_the_number_is_stored_normalised_and_shown_as_the_reader_may(world, homes):
    need = actions.record_need(household=homes.in_b, kind="food", source=NeedSource.HOTLINE, actor=world.dispatcher,
                               caller_phone="+86 138-1234-5678")
    from needs.queries import row

    assert row(need, world.grid_worker_b, full_caller_phone=True).caller_phone == "13812345678"
    assert row(need, world.grid_worker_b).caller_phone == "138****5678"
    assert row(need, world.leader, full_caller_phone=True).caller_phone == ""

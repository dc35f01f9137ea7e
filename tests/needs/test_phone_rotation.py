"""Rotating the residents' keys re-encrypts and re-hashes the needs app's numbers too: once the
old key is dropped, a volunteer still signs in with his number and the hotline still reads and
finds its callers (residents.rotation; docs/needs.md#volunteers)."""
from __future__ import annotations

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from needs import actions
from needs.hotline import find_households
from needs.models import Need, NeedSource, Volunteer
from needs.phones import AAD_CALLER_PHONE, AAD_VOLUNTEER_PHONE
from residents import privacy
from residents.actions import rotate_keys

pytestmark = pytest.mark.django_db

K1 = "k1:" + base64.b64encode(b"1" * 32).decode()
K2 = "k2:" + base64.b64encode(b"2" * 32).decode()
PHONE, SECRET, CALLER = "13700005678", "a-long-pass-phrase-9", "13912348765"


def _registered_and_a_call(world, homes):
    volunteer = actions.register_volunteer(name="王志愿", phone=PHONE, password=SECRET, community=world.community_1)
    actions.verify_volunteer(volunteer=volunteer, actor=world.community_staff)
    need = actions.record_need(household=homes.in_b, kind="food", source=NeedSource.HOTLINE, actor=world.dispatcher,
                               caller_phone=CALLER)
    return volunteer, need


def test_after_rotation_the_old_key_can_go_and_the_volunteer_still_signs_in(world, homes, monkeypatch):
    monkeypatch.setenv(privacy.ENV_NAME, K1)
    volunteer, need = _registered_and_a_call(world, homes)
    old = (volunteer.phone_enc, volunteer.phone_hash, need.caller_phone_enc, need.caller_phone_hash)
    assert old[0].startswith("k1$") and old[2].startswith("k1$")

    monkeypatch.setenv(privacy.ENV_NAME, f"{K2},{K1}")
    assert Client().login(username=PHONE, password=SECRET), "found under the older key while the rotation runs"
    call_command("rotate_resident_keys", verbosity=0)
    volunteer.refresh_from_db()
    need.refresh_from_db()
    assert volunteer.phone_enc.startswith("k2$") and need.caller_phone_enc.startswith("k2$")
    assert volunteer.phone_hash != old[1] and need.caller_phone_hash != old[3]  # re-hashed, not only re-encrypted

    monkeypatch.setenv(privacy.ENV_NAME, K2)  # the old key dropped
    assert Client().login(username=PHONE, password=SECRET)
    assert Client().post("/accounts/login/", {"username": PHONE, "password": SECRET}).status_code == 302
    assert privacy.decrypt(volunteer.phone_enc, AAD_VOLUNTEER_PHONE) == PHONE
    assert privacy.decrypt(need.caller_phone_enc, AAD_CALLER_PHONE) == CALLER
    assert [h.pk for h in find_households(world.dispatcher, CALLER, by_number=True)] == [homes.in_b.pk]
    client = Client()
    client.force_login(world.grid_worker_b)
    assert f'href="tel:{CALLER}"' in client.get(f"/needs/{need.pk}/").content.decode()


def test_the_rotation_reports_the_numbers_and_runs_again_harmlessly(world, homes, monkeypatch):
    monkeypatch.setenv(privacy.ENV_NAME, K1)
    _registered_and_a_call(world, homes)
    monkeypatch.setenv(privacy.ENV_NAME, f"{K2},{K1}")
    report = io.StringIO()
    call_command("rotate_resident_keys", check=True, stdout=report)
    assert "1 volunteers' phones" in report.getvalue() and "1 hotline callers' phones" in report.getvalue()
    parts: dict[str, int] = {}
    rotate_keys(on_part=lambda label, count: parts.__setitem__(label, count))
    assert parts == {"hotline callers' phones": 1, "volunteers' phones": 1}
    rotate_keys(on_part=lambda label, count: parts.__setitem__(label, count))
    assert parts == {"hotline callers' phones": 0, "volunteers' phones": 0}


def test_a_key_dropped_too_early_stops_the_rotation_with_nothing_half_done(world, homes, monkeypatch):
    monkeypatch.setenv(privacy.ENV_NAME, K1)
    volunteer, need = _registered_and_a_call(world, homes)
    monkeypatch.setenv(privacy.ENV_NAME, K2)
    with pytest.raises(CommandError):
        call_command("rotate_resident_keys", verbosity=0)
    assert Volunteer.objects.get(pk=volunteer.pk).phone_enc == volunteer.phone_enc
    assert Need.objects.get(pk=need.pk).caller_phone_enc == need.caller_phone_enc
    monkeypatch.setenv(privacy.ENV_NAME, f"{K2},{K1}")
    call_command("rotate_resident_keys", verbosity=0)
    assert Volunteer.objects.get(pk=volunteer.pk).phone_enc.startswith("k2$")

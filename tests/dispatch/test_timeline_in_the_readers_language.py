"""A case's timeline and notifications read in the reader's language, whoever wrote them and in
which language: the act's sentence is rendered at read time, the actor's own words as written."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from dispatch import actions
from incidents.models import Notification, TimelineEntry
from incidents.timeline import entry_text, notification_text

pytestmark = pytest.mark.django_db


def _returned_case(world, dispatched_case):
    incident = dispatched_case(departments=[world.department])
    # Written while the dispatcher's page was in English: nothing of that language is stored.
    with translation.override("en"):
        actions.return_case(incident, actor=world.department_handler, reason="井盖属于水务公司")
    return incident


def _reading_in(client, language: str):
    # The language switch's cookie: the product is Chinese unless the reader chose otherwise.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _timeline(api_as, user, incident, language: str) -> dict[str, dict]:
    answer = _reading_in(api_as(user), language).get(f"/api/v1/incidents/{incident.pk}/")
    assert answer.status_code == 200
    return {entry["action"]: entry for entry in answer.json()["timeline"]}


def test_an_english_reader_reads_the_centres_acts_in_english(world, dispatched_case, api_as):
    incident = _returned_case(world, dispatched_case)
    entries = _timeline(api_as, world.dispatcher, incident, "en")
    assert entries["dispatch"]["text"].startswith("Dispatched to 市政")  # the department's name is data
    assert "due" in entries["dispatch"]["text"] and "派遣" not in entries["dispatch"]["text"]
    assert entries["return"]["text"] == "Returned by 市政."
    assert entries["return"]["note"] == "井盖属于水务公司"  # her own words, as she wrote them


def test_a_chinese_reader_reads_the_same_entries_in_chinese(world, dispatched_case, api_as):
    incident = _returned_case(world, dispatched_case)
    entries = _timeline(api_as, world.dispatcher, incident, "zh-hans")
    assert entries["dispatch"]["text"].startswith("派遣至 市政，期限")
    assert entries["return"]["text"] == "市政 退回。"
    assert entries["return"]["note"] == "井盖属于水务公司"


def test_the_case_pages_and_the_inbox_render_for_the_reader(world, dispatched_case, client):
    incident = _returned_case(world, dispatched_case)
    client.force_login(world.dispatcher)
    english = _reading_in(client, "en").get(f"/dispatch/case/{incident.pk}/").content.decode()
    assert "Returned by 市政. 井盖属于水务公司" in english and "退回：" not in english
    chinese = _reading_in(client, "zh-hans").get(f"/incidents/{incident.pk}/").content.decode()
    assert "市政 退回。井盖属于水务公司" in chinese
    notification = Notification.objects.get(user=world.dispatcher, incident=incident, kind="returned")
    with translation.override("en"):
        assert notification_text(notification) == "Returned by 市政. 井盖属于水务公司"
    with translation.override("zh-hans"):
        assert notification_text(notification) == "市政 退回。井盖属于水务公司"
    inbox = _reading_in(client, "en").get("/incidents/notifications/").content.decode()
    assert "Returned by 市政. 井盖属于水务公司" in inbox


def test_rows_written_before_as_whole_sentences_are_split_by_the_migration(world, hotline_case):
    from importlib import import_module

    migration = import_module("dispatch.migrations.0006_timeline_text_to_params")
    incident = hotline_case()
    deadline = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    old = TimelineEntry.objects.create(
        incident=incident, version=99, action="dispatch", from_status="registered", to_status="dispatched",
        to_level="district", note=f"派遣至 市政、水务，期限 {deadline:%Y-%m-%d %H:%M}。 尽快处理",
    )
    unknown = TimelineEntry.objects.create(
        incident=incident, version=100, action="return", from_status="dispatched", to_status="registered",
        to_level="district", note="something nobody wrote in this form",
    )

    from django.apps import apps

    migration.forwards(apps, None)
    old.refresh_from_db()
    unknown.refresh_from_db()
    assert old.note == "尽快处理"
    assert old.params["departments"] == {"names": ["市政", "水务"]}
    with translation.override("en"):
        assert entry_text(old) == f"Dispatched to 市政, 水务, due {deadline:%Y-%m-%d %H:%M}. 尽快处理"
    assert unknown.params == {} and unknown.note == "something nobody wrote in this form"

"""Categories and departments have a Chinese and an English name, shown by the viewer's language:
pages, the API, Open311's service list; the built-in classes come with their English names."""
from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.utils import translation

from accounts.models import Department
from incidents.models import Category


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_built_in_classes_have_english_names_and_show_them_to_english_readers(world):
    cover = Category.objects.get(code="C0101")
    assert cover.name == "井盖缺失或破损" and cover.name_en == "Manhole cover missing or broken"
    with translation.override("en"):
        assert cover.label == "Manhole cover missing or broken"
        assert str(cover) == "Public facilities · Manhole cover missing or broken"
    with translation.override("zh-hans"):
        assert str(cover) == "公用设施 · 井盖缺失或破损"


def test_a_department_without_an_english_name_shows_its_chinese_one(world):
    department = Department.objects.create(code="XF", name="消防")
    with translation.override("en"):
        assert department.label == "消防"
    department.name_en = "Fire brigade"
    with translation.override("en"):
        assert str(department) == "Fire brigade"


def test_open311_lists_the_services_in_the_viewers_language(world):
    chinese = {s["service_code"]: s for s in Client().get("/open311/v2/services.json").json()}
    assert chinese["C0101"]["service_name"] == "井盖缺失或破损" and chinese["C0101"]["group"] == "公用设施"
    services = {s["service_code"]: s for s in english(Client()).get("/open311/v2/services.json").json()}
    assert services["C0101"]["service_name"] == "Manhole cover missing or broken"
    assert services["C0101"]["group"] == "Public facilities"


def test_the_category_api_and_the_console_follow_the_language(world, client):
    Department.objects.filter(pk=world.department.pk).update(name_en="Municipal works")
    client.force_login(world.dispatcher)
    english(client)
    console = client.get("/dispatch/").content.decode()
    assert "Municipal works" in console
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "市政" in client.get("/dispatch/").content.decode()


def test_the_category_list_of_the_report_form_is_in_english_for_english_readers(world, client):
    client.force_login(world.grid_worker_a)
    english(client)
    body = client.get("/api/v1/incidents/categories/").content.decode()
    assert "Exposed rubbish" in body and "暴露垃圾" not in body

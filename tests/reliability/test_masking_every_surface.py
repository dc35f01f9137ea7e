"""Masking that cannot be undone by combination, over *every* surface (issue 13): for every role
(and anonymous, and a superuser), every route of the URL configuration that answers a GET —
pages, API lists and details, exports, Open311, and for staff the whole admin (every changelist,
and the change page of every object the record touches) — is fetched with the objects inside the
role's jurisdiction; everything shown is put together, and the full ID number and every phone of
the record, and the caller's phone of a case, must keep at least 1,000 candidates.

``test_masking_combination.py`` counts the candidates (its docstring says how); this test makes
the evidence complete: the routes come from ``get_resolver()`` through the permission matrix, so
a new page or endpoint that shows a field is in the count the moment it is routed.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.admin import site
from django.test import Client
from django.utils import timezone

from incidents.models import Incident
from residents import actions as resident_actions
from tests.residents.conftest import valid_id

from .matrix import INSIDE_PLACE
from .test_masking_combination import MIN_CANDIDATES, document_candidates, id_candidates, phone_candidates
from .matrix_routes import ADMIN_ROUTES, READABLE_ROUTES, _get, _resolve_values, _url
from .test_permission_matrix import places  # noqa: F401 - places: fixture

BIRTH = dt.date(1975, 8, 19)
ID_NUMBER = valid_id(birth=BIRTH, sequence=219)  # a man
PHONES = ["13987654321", "01065559876"]
CALLER_PHONE = "13700001234"


@pytest.fixture(scope="module")
def sealed(places, django_db_blocker):  # noqa: F811
    """The matrix's person of place A given real identifiers; its case a hotline call with a contact."""
    with django_db_blocker.unblock():
        person = places.get("person", "A")
        resident_actions.update_person(actor=places.world.community_staff, person=person, changes={
            "id_number": ID_NUMBER, "phones": PHONES, "birth_date": BIRTH, "gender": "male"})
        incident = places.get("incident", "A")
        Incident.objects.filter(pk=incident.pk).update(source="hotline", contact=f"赵六 {CALLER_PHONE} zhao@example.com")
        return person


def _admin_urls(places, persona) -> list[str]:  # noqa: F811
    """Every changelist, and the change page of each object of place A the admin registers."""
    objects = {}
    for kind in ("person", "household", "building", "incident", "visit"):
        thing = places.get(kind, "A")
        objects[(thing._meta.app_label, thing._meta.model_name)] = thing.pk
    urls = []
    for model in site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        urls.append(f"/admin/{app}/{name}/")
        if (app, name) in objects:
            urls += [f"/admin/{app}/{name}/{objects[(app, name)]}/change/", f"/admin/{app}/{name}/{objects[(app, name)]}/history/"]
    from residents.models import ChangeHistory

    for row in ChangeHistory.objects.filter(person=places.get("person", "A"))[:3]:
        urls.append(f"/admin/residents/changehistory/{row.pk}/change/")
    return urls


PERSONAS = [*INSIDE_PLACE, None, "superuser"]


@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_no_role_can_narrow_a_number_below_1000_candidates_from_everything_it_is_shown(
    persona, places, sealed, django_user_model,  # noqa: F811
):
    client = Client(raise_request_exception=False)
    user = None
    if persona == "superuser":
        user = django_user_model.objects.filter(username="combination_root").first() or django_user_model.objects.create_superuser(
            "combination_root", "root@example.com", "x-very-long-password-1")
    elif persona is not None:
        user = getattr(places.world, persona)
    if user is not None:
        client.force_login(user)
    texts, fetched = [], 0
    for route in READABLE_ROUTES:
        try:
            values, query = _resolve_values(route, places, "A", user)
        except LookupError as exc:
            pytest.fail(str(exc))
        answer = _get(client, _url(route, values, query))
        assert answer.status != 500, (route.id, answer.error)
        if answer.status < 300:
            fetched += 1
            texts.append(answer.text)
    if user is not None and user.is_staff:
        for url in _admin_urls(places, persona):
            answer = _get(client, url)
            assert answer.status != 500, (url, answer.error)
            texts.append(answer.text if answer.status < 300 else "")
    evidence = "\n".join(texts)
    # The xlsx exports are XML: their cells' text is in the evidence already; entities would hide digits.
    evidence = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), evidence)
    today = timezone.localdate()

    assert id_candidates(ID_NUMBER, BIRTH, "male", evidence, today) >= MIN_CANDIDATES, persona
    assert document_candidates(ID_NUMBER, evidence) >= MIN_CANDIDATES
    for phone in (*PHONES, CALLER_PHONE):
        assert phone_candidates(phone, evidence) >= MIN_CANDIDATES, (persona, phone)
    assert fetched > 0


@pytest.mark.parametrize("persona", ["grid_worker_a", "community_staff", "dispatcher"])
def test_the_walk_sees_the_record_where_the_role_works_with_it(persona, places, sealed):  # noqa: F811
    # Not a vacuous pass: the masked number, a masked phone and the year of birth are in what these roles see.
    client = Client(raise_request_exception=False)
    client.force_login(getattr(places.world, persona))
    seen = "\n".join(_get(client, f"/residents/people/{sealed.pk}/").text for _ in range(1))
    assert ID_NUMBER[:6] + "*" * 12 in seen and "139****4321" in seen and "1975" in seen

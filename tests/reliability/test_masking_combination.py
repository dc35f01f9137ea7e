"""Masking that cannot be undone by combination (issue 13, item 1).

The attack: the mask of an ID number kept the region and the last four; the eight hidden
digits are the birth date, shown beside it in lists, records, the export and the admin — so the
full number could be written down without a reveal. Here every surface a role is shown without a
reveal (API lists and details, pages, the masked export, the admin, caller contacts) is fetched
for every role, all of it is put together, and for each record the full ID and phone numbers
that are still possible are counted from what was shown: never fewer than 1,000.

How the candidates are counted (the attacker's knowledge, taken generously):
* ID number = region (6) · birth date (8) · sequence (3) · check character. The region is taken
  as known whatever the mask shows (it follows from the registered address). Every 18-character
  run of digits, X and * that agrees with the number fixes the characters it shows.
* The birth date: the full date in any common spelling fixes it; a month ("1980-05", "1980年5月")
  or an age in years ("45 岁", "45 yrs") narrows it, and so does the bare year, which is what
  the policy shows. Otherwise any day from 1900 to today.
* The gender shown fixes the parity of the sequence's last digit; a shown check character
  removes the ~10 of 11 candidates whose check character differs.
* A phone number: every run of digits and * of its length that agrees with it fixes what it
  shows; the hidden digits are free.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from residents import actions as resident_actions
from residents import privacy
from residents.idnumbers import check_char
from residents.models import ChangeHistory, IdType
from tests.residents.conftest import make_household, make_person, valid_id

MIN_CANDIDATES = 1000
BIRTH = dt.date(1980, 5, 1)
ID_NUMBER = valid_id(birth=BIRTH, sequence=117)  # a man (odd sequence)
PHONES = ("13812345678", "65551234")  # a mobile number and an 8-digit landline
PASSPORT = "E12345678"
CALLER_PHONE = "13900007777"


@pytest.fixture
def records(world):
    resident_actions.ensure_default_care_tags()
    household = make_household(world.cell_a)
    person = make_person(household, name="赵六", id_number=ID_NUMBER, phones=PHONES, registered_address="北京市东城区")
    # History rows: changed phones and a corrected registered address (history shows before → after).
    resident_actions.update_person(actor=world.community_staff, person=person, changes={"phones": [*PHONES, "13611112222"]})
    resident_actions.update_person(actor=world.community_staff, person=person, changes={"phones": list(PHONES)})
    foreigner = make_person(household, name="Anna", id_number=PASSPORT, id_type=IdType.PASSPORT, phones=["010-65551234"],
                            relation="other", gender="female", birth_date=dt.date(1991, 3, 4))
    from incidents.actions import register as register_case
    from incidents.actions import report_incident
    from incidents.models import Category

    point = world.cell_a.boundary.point_on_surface
    incident, _ = report_incident(
        reporter=world.dispatcher, category=Category.objects.get(code="C0102"), location=Point(point.x, point.y, srid=4326),
        source="hotline", contact=f"赵六 {CALLER_PHONE} zhao@example.com", description="井盖缺失",
    )
    register_case(incident, actor=world.dispatcher)
    return person, foreigner, incident


def _surfaces(person, foreigner, incident) -> list[str]:
    household = person.household
    building = household.dwelling.building
    history = ChangeHistory.objects.filter(person=person).first()
    return [
        # pages
        "/residents/", f"/residents/cells/{person.cell.code}/", f"/residents/buildings/{building.pk}/",
        f"/residents/households/{household.pk}/", "/residents/people/", "/residents/people/?q=赵六",
        f"/residents/people/{person.pk}/", f"/residents/people/{person.pk}/edit/", f"/residents/people/{foreigner.pk}/",
        "/residents/visits/due/", f"/residents/areas/{person.cell.code}/", "/residents/people/export.xlsx",
        f"/incidents/{incident.pk}/", f"/dispatch/case/{incident.pk}/", "/dispatch/",
        # API
        "/api/v1/residents/persons/", f"/api/v1/residents/persons/{person.pk}/", f"/api/v1/residents/persons/{foreigner.pk}/",
        "/api/v1/residents/households/", f"/api/v1/residents/households/{household.pk}/",
        f"/api/v1/residents/buildings/{building.pk}/", "/api/v1/residents/visits/due/",
        f"/api/v1/incidents/{incident.pk}/", f"/api/v1/dispatch/incidents/{incident.pk}/", "/api/v1/dispatch/queue/",
        # admin
        "/admin/residents/person/", f"/admin/residents/person/{person.pk}/change/", f"/admin/residents/person/{foreigner.pk}/change/",
        f"/admin/residents/household/{household.pk}/change/", "/admin/residents/changehistory/",
        f"/admin/residents/changehistory/{history.pk}/change/", f"/admin/incidents/incident/{incident.pk}/change/",
        "/admin/incidents/incident/",
    ]


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))
    return response.content.decode("utf-8", "replace")


def evidence_for(user: User, urls: list[str]) -> str:
    client = Client()
    client.force_login(user)
    return "\n".join(_text(client.get(url)) for url in urls)


def _known_positions(value: str, evidence: str, alphabet: str) -> dict[int, str]:
    """Characters of ``value`` fixed by runs in the evidence that could be its masked form."""
    known: dict[int, str] = {}
    n = len(value)
    pattern = re.compile(rf"(?<![{alphabet}*])[{alphabet}*]{{{n}}}(?![{alphabet}*])", re.IGNORECASE)
    compact = re.sub(r"(?<=[\d*])[\s\-()]+(?=[\d*])", "", evidence)
    for text in (evidence, compact):
        for run in pattern.findall(text):
            run = run.upper()
            if all(c == "*" or c == v for c, v in zip(run, value)):
                known.update({i: c for i, c in enumerate(run) if c != "*"})
    return known


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def birth_dates_left(birth: dt.date, evidence: str, today: dt.date) -> list[dt.date]:
    days = [dt.date(1900, 1, 1) + dt.timedelta(days=i) for i in range((today - dt.date(1900, 1, 1)).days + 1)]
    spellings = {f"{birth:%Y-%m-%d}", f"{birth:%Y/%m/%d}", f"{birth:%Y.%m.%d}", f"{birth:%Y%m%d}",
                 f"{birth.year}年{birth.month}月{birth.day}日", f"{birth:%Y年%m月%d日}"}
    if any(s in evidence for s in spellings):
        return [birth]
    if f"{birth:%Y-%m}" in evidence or f"{birth.year}年{birth.month}月" in evidence:
        days = [d for d in days if (d.year, d.month) == (birth.year, birth.month)]
    if re.search(rf"(?<!\d){birth.year}(?!\d)", evidence):
        days = [d for d in days if d.year == birth.year]
    age = _age(birth, today)
    if re.search(rf"(?<!\d){age}\s*(岁|yrs|years)", evidence):
        days = [d for d in days if _age(d, today) == age]
    return days


def id_candidates(number: str, birth: dt.date, gender: str, evidence: str, today: dt.date, cap: int = MIN_CANDIDATES) -> int:
    """How many full 18-character numbers agree with everything shown (counted up to ``cap``)."""
    if number in evidence.upper():
        return 1
    known = _known_positions(number, evidence, "0-9X")
    count = 0
    parity = 1 if gender == "male" else 0
    for day in birth_dates_left(birth, evidence, today):
        digits = f"{day:%Y%m%d}"
        if any(known.get(6 + i, d) != d for i, d in enumerate(digits)):
            continue
        for sequence in range(parity, 1000, 2):
            seq = f"{sequence:03d}"
            if any(known.get(14 + i, d) != d for i, d in enumerate(seq)):
                continue
            first17 = number[:6] + digits + seq
            if known.get(17, None) not in (None, check_char(first17)):
                continue
            count += 1
            if count >= cap:
                return count
    return count


def phone_candidates(phone: str, evidence: str) -> int:
    digits = privacy.normalise_phone(phone)
    compact = re.sub(r"[\s\-()]", "", evidence)
    if digits in compact:
        return 1
    hidden = len(digits) - len(_known_positions(digits, evidence, "0-9"))
    return 10 ** hidden


def document_candidates(number: str, evidence: str) -> int:
    if number in evidence.upper():
        return 1
    return 10 ** (len(number) - len(_known_positions(number, evidence, "0-9A-Z")))


ROLES = ("grid_worker_a", "community_staff", "street_staff", "dispatcher", "gis_admin", "department_handler", "leader")


@pytest.mark.parametrize("persona", [*ROLES, "superuser"])
def test_nothing_shown_together_narrows_an_id_or_phone_number_below_1000_candidates(persona, world, records, django_user_model):
    person, foreigner, incident = records
    user = (django_user_model.objects.create_superuser("root", "root@example.com", "x-very-long-password-1")
            if persona == "superuser" else getattr(world, persona))
    evidence = evidence_for(user, _surfaces(person, foreigner, incident))
    today = timezone.localdate()

    assert id_candidates(ID_NUMBER, BIRTH, "male", evidence, today) >= MIN_CANDIDATES
    assert document_candidates(PASSPORT, evidence) >= MIN_CANDIDATES
    for phone in (*PHONES, "010-65551234", CALLER_PHONE):
        assert phone_candidates(phone, evidence) >= MIN_CANDIDATES, phone


@pytest.mark.parametrize("persona", ["grid_worker_a", "community_staff", "dispatcher", "gis_admin"])
def test_the_roles_that_work_with_records_are_shown_them_masked(persona, world, records):
    # Not a vacuous pass: these roles do see the record, its masked numbers and its year of birth.
    person, foreigner, incident = records
    evidence = evidence_for(getattr(world, persona), _surfaces(person, foreigner, incident))
    assert ID_NUMBER[:6] + "*" * 12 in evidence and "138****5678" in evidence and "1980" in evidence
    assert privacy.mask(privacy.PHONE, CALLER_PHONE) in evidence  # the caller's phone, masked


def test_the_old_masks_would_have_failed_this_test(world):
    # The counting itself is sound: the former mask (region + last four) beside the birth date left one
    # candidate, and beside the year of birth only ~33.
    today = timezone.localdate()
    old_mask = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert id_candidates(ID_NUMBER, BIRTH, "male", f"{old_mask} {BIRTH:%Y-%m-%d}", today) == 1
    assert id_candidates(ID_NUMBER, BIRTH, "male", f"{old_mask} {BIRTH.year}", today) < 50
    assert phone_candidates("65551234", "655*1234") == 10

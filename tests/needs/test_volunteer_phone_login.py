"""A volunteer's mobile number is not his login name and is nowhere in clear: he signs in with it
all the same, through its keyed hash (needs.auth.VolunteerPhoneBackend)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from incidents.errors import Conflict
from needs import actions
from needs.actions.volunteers import AAD_VOLUNTEER_PHONE, volunteer_phone_hashes
from needs.models import Volunteer
from residents import privacy

PHONE, SECRET = "13700005678", "a-long-pass-phrase-9"


@pytest.fixture
def registered(world):
    return actions.register_volunteer(name="王志愿", phone=PHONE, password=SECRET, community=world.community_1)


def test_the_number_is_neither_the_login_name_nor_stored_in_clear(registered):
    user = User.objects.get(pk=registered.user_id)
    assert PHONE not in user.username and user.phone == ""
    assert privacy.decrypt(registered.phone_enc, AAD_VOLUNTEER_PHONE) == PHONE
    with connection.cursor() as cursor:
        for table in ("accounts_user", "needs_volunteer"):
            cursor.execute(f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s", [f"%{PHONE}%"])
            assert cursor.fetchone()[0] == 0, f"the number stands in clear in {table}"
    assert registered.phone_masked == "137****5678"


def test_he_signs_in_with_his_number_once_verified_and_only_with_his_password(world, registered):
    assert not Client().login(username=PHONE, password=SECRET), "not before the community verified him"
    actions.verify_volunteer(volunteer=registered, actor=world.community_staff)
    assert Client().login(username=PHONE, password=SECRET)
    assert Client().login(username="+86 137 0000 5678", password=SECRET), "the number as people write it"
    assert not Client().login(username=PHONE, password="a-wrong-pass-phrase-9")
    assert not Client().login(username="13700005679", password=SECRET)


def test_the_login_page_takes_the_number(world, registered):
    actions.verify_volunteer(volunteer=registered, actor=world.community_staff)
    answer = Client().post("/accounts/login/", {"username": PHONE, "password": SECRET})
    assert answer.status_code == 302 and not answer["Location"].startswith("/accounts/login/")


def test_a_number_registers_once(world, registered):
    with pytest.raises(Conflict) as refused:
        actions.register_volunteer(name="又一个", phone="+86 13700005678", password=SECRET, community=world.community_2)
    assert refused.value.field == "phone"
    assert Volunteer.objects.filter(phone_hash__in=volunteer_phone_hashes(PHONE)).count() == 1


def test_a_staff_login_name_still_signs_in_by_name(world):
    from tests.world import PASSWORD

    assert Client().login(username=world.community_staff.username, password=PASSWORD)

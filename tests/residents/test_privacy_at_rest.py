"""ID numbers and phones are encrypted at rest, searchable by exact value, masked everywhere."""
import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from residents import privacy
from residents.models import Person
from residents.queries import search_persons

from .conftest import make_household, make_person, valid_id


def raw_row(person_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(p)::text FROM residents_person p WHERE id = %s", [person_id])
        return cursor.fetchone()[0]


def test_the_database_row_holds_no_plaintext_id_number_or_phone(people):
    row = raw_row(people.in_a.pk)
    assert people.id_a not in row
    assert people.phone_a not in row
    assert people.id_a[6:14] not in row  # not even the birth-date digits
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_enc, phones_enc, id_number_masked FROM residents_person WHERE id = %s", [people.in_a.pk])
        enc, phones_enc, masked = cursor.fetchone()
    assert enc.startswith(privacy.keyring().current.key_id + "$")
    assert phones_enc and people.phone_a not in phones_enc
    assert masked == people.id_a[:6] + "*" * 12


def test_history_rows_hold_no_plaintext_either(people):
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(changes::text, ' ') FROM residents_changehistory WHERE person_id = %s", [people.in_a.pk])
        history = cursor.fetchone()[0]
    assert history and people.id_a not in history and people.phone_a not in history


def test_masks_look_the_way_streets_expect():
    # The region only: the year of birth is shown beside it, so the last four would leave ~33 candidates.
    assert privacy.mask_id_number("110101199001011234") == "110101************"
    assert privacy.mask_id_number("E12345678") == "E1*******"
    assert privacy.mask_phone("13812345678") == "138****5678"
    assert privacy.mask_phone("+86 138 1234 5678") == "138****5678"
    assert privacy.mask_phone("65551234") == "65****34"  # never fewer than four hidden digits


def test_masking_an_older_stored_mask_again_hides_at_least_as_much():
    assert privacy.mask_id_number("110101********1234") == "110101************"
    assert privacy.mask_phone("655*1234") == "65****34"
    assert privacy.mask_phone(privacy.mask_phone("13812345678")) == "138****5678"


def test_exact_search_finds_a_person_by_full_id_number_or_phone_through_the_hash(people, world):
    assert list(search_persons(world.dispatcher, q=people.id_a)) == [people.in_a]
    assert list(search_persons(world.dispatcher, q=people.id_a.lower())) == [people.in_a]
    assert list(search_persons(world.dispatcher, q="138 1234 5678")) == [people.in_a]
    assert list(search_persons(world.dispatcher, q=f"张三 {people.id_a[-4:]}")) == [people.in_a]
    # The last four alone are not a search: they would tell everyone's last four to whoever tried them all.
    assert list(search_persons(world.dispatcher, q=people.id_a[-4:])) == []


def test_a_ciphertext_moved_into_another_column_does_not_decrypt(people):
    person = Person.objects.get(pk=people.in_a.pk)
    person.phones_enc = person.id_number_enc
    with pytest.raises(privacy.DecryptionError):
        person._decrypted_phones()


def test_keys_come_from_the_environment(monkeypatch, world):
    key = base64.b64encode(b"k" * 32).decode()
    monkeypatch.setenv(privacy.ENV_NAME, f"prod1:{key}")
    person = make_person(make_household(world.cell_a), name="赵六", id_number=valid_id(sequence=41))
    assert person.id_number_enc.startswith("prod1$")
    assert person.key_id == "prod1"


@pytest.mark.parametrize("value", ["nocolon", "k1:not-base64!!", "k1:" + base64.b64encode(b"short").decode(), "bad id:" + base64.b64encode(b"k" * 32).decode()])
def test_a_malformed_key_list_is_refused_clearly(monkeypatch, value):
    monkeypatch.setenv(privacy.ENV_NAME, value)
    with pytest.raises(ImproperlyConfigured):
        privacy.keyring()


def test_production_refuses_to_run_without_keys(monkeypatch, settings):
    monkeypatch.delenv(privacy.ENV_NAME, raising=False)
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        privacy.keyring()

"""Rotating the key re-encrypts and re-hashes every row; search keeps working throughout."""
import base64

import pytest
from django.core.management import call_command
from django.db import connection

from residents import privacy
from residents.models import Person
from residents.queries import search_persons

from .conftest import make_household, make_person, valid_id

K1 = "k1:" + base64.b64encode(b"1" * 32).decode()
K2 = "k2:" + base64.b64encode(b"2" * 32).decode()


def stored(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_enc, phones_enc, id_number_hash, key_id FROM residents_person WHERE id = %s", [pk])
        return cursor.fetchone()


def test_rotation_re_encrypts_everything_under_the_new_key(world, monkeypatch):
    monkeypatch.setenv(privacy.ENV_NAME, K1)
    number = valid_id(sequence=71)
    person = make_person(make_household(world.cell_a), name="轮换", id_number=number, phones=["13855556666"])
    old = stored(person.pk)
    assert old[0].startswith("k1$") and old[3] == "k1"

    monkeypatch.setenv(privacy.ENV_NAME, f"{K2},{K1}")
    # Before rotation the old rows are still read and still found.
    assert list(search_persons(world.dispatcher, q=number)) == [person]
    call_command("rotate_resident_keys", verbosity=0)
    new = stored(person.pk)
    assert new[0].startswith("k2$") and new[1].startswith("k2$") and new[3] == "k2"
    assert new[2] != old[2]  # re-hashed under the new key

    # The old key can now go.
    monkeypatch.setenv(privacy.ENV_NAME, K2)
    person = Person.objects.get(pk=person.pk)
    assert person._decrypted_id_number() == number
    assert person._decrypted_phones() == ["13855556666"]
    assert list(search_persons(world.dispatcher, q=number)) == [person]
    assert list(search_persons(world.dispatcher, q="13855556666")) == [person]


def test_rotation_can_run_again_and_stops_on_a_missing_key(world, monkeypatch, capsys):
    monkeypatch.setenv(privacy.ENV_NAME, K1)
    person = make_person(make_household(world.cell_a), name="轮换二", id_number=valid_id(sequence=73))
    monkeypatch.setenv(privacy.ENV_NAME, K2)  # k1 dropped too early
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("rotate_resident_keys", verbosity=0)
    assert stored(person.pk)[3] == "k1"  # nothing half-done
    monkeypatch.setenv(privacy.ENV_NAME, f"{K2},{K1}")
    call_command("rotate_resident_keys", verbosity=0)
    call_command("rotate_resident_keys", verbosity=0)
    assert stored(person.pk)[3] == "k2"


def test_the_command_prints_a_fresh_key_entry(capsys):
    call_command("rotate_resident_keys", new_key="k9")
    entry = capsys.readouterr().out.strip()
    key_id, _, key = entry.partition(":")
    assert key_id == "k9" and len(base64.b64decode(key)) == 32

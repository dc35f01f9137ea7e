"""Two people register the same household number at the same moment: the second gets the form's
message, as if it had come second all along — never a server error, never a stray dwelling."""
from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from residents import actions
from residents.models import Dwelling, Household
from tests.waiting import wait_for

from .conftest import make_household


def _blocked_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_simultaneous_registrations_of_a_number_is_refused_with_the_message(committed_world):
    first_home = make_household(committed_world.cell_a)
    building = first_home.dwelling.building
    inserted, release, outcome = threading.Event(), threading.Event(), {}

    def the_first_registration():
        # Inserts the number and holds its transaction open until the second one is waiting on it.
        try:
            with transaction.atomic():
                actions.create_household(actor=None, number="HH-SAME", dwelling=first_home.dwelling)
                outcome["first_pid"] = connections["default"].connection.info.backend_pid
                inserted.set()
                release.wait(30)
        finally:
            connections["default"].close()

    first = threading.Thread(target=the_first_registration)
    first.start()
    assert inserted.wait(30)

    def the_second_registration():
        try:
            actions.register_household(actor=committed_world.grid_worker_a, building=building, number="HH-SAME",
                                       unit="3", floor=4, room="401")
        except ValidationError as error:
            outcome["refused"] = error.message_dict
        finally:
            connections["default"].close()

    second = threading.Thread(target=the_second_registration)
    second.start()
    # The second passed the "already in use" check (the first had not committed) and now waits on
    # the unique index; let the first commit.
    wait_for(lambda: any(_blocked_on_a_lock(pid) for pid in _other_backends(outcome["first_pid"])),
             timeout=30, what="the second registration to wait on the first")
    release.set()
    first.join(30)
    second.join(30)

    assert outcome["refused"]["number"] == ["户号 HH-SAME 已被使用。"]
    assert Household.objects.filter(number="HH-SAME").count() == 1
    assert not Dwelling.objects.filter(building=building, room="401").exists(), "no stray dwelling"


def _other_backends(first_pid: int) -> list[int]:
    """This database's sessions other than the first registration's and this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s AND pid <> pg_backend_pid()",
            [first_pid],
        )
        return [row[0] for row in cursor.fetchall()]

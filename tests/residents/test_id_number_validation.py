"""ID numbers are checked the way GB 11643 defines them, with a reason a clerk can act on."""
import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError

from residents.idnumbers import parse_id_number, synthetic_id_number

from .conftest import valid_id


def test_it_accepts_a_valid_number_and_reads_birth_date_and_gender():
    info = parse_id_number(valid_id("110101", dt.date(1980, 5, 1), 11))
    assert info.birth_date == dt.date(1980, 5, 1)
    assert info.gender == "male"
    assert info.region == "110101"
    assert parse_id_number(valid_id(sequence=12)).gender == "female"


def test_it_accepts_a_lowercase_x_check_character():
    # 11010519491231002X is the number the standard's own example works out to.
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    "number, code",
    [
        ("110101198005010112", "checksum"),  # last digit changed
        ("11010119800501011", "format"),  # 17 characters
        ("1101011980050101AX", "format"),
        ("110101800501011", "old_format"),  # 15-digit number from before 1999
        ("990101198005010110", "region"),  # no province 99
        ("110000198005010110", "region"),  # a province, not a county
        ("110101198002300110", "birth_date"),  # 30 February
        ("110101189912310110", "birth_past"),
        ("", "required"),
    ],
)
def test_it_refuses_a_bad_number_saying_why(number, code):
    with pytest.raises(ValidationError) as caught:
        parse_id_number(number)
    assert caught.value.code == code
    assert caught.value.messages[0]


def test_it_refuses_a_birth_date_in_the_future():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        parse_id_number(valid_id(birth=tomorrow), today=dt.date.today())
    assert caught.value.code == "birth_future"


def test_the_checksum_catches_every_single_digit_typo():
    number = valid_id(sequence=11)
    for position in range(17):
        wrong = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1:]
        with pytest.raises(ValidationError):
            parse_id_number(wrong)


def test_synthetic_numbers_for_demo_data_are_valid():
    rng = random.Random(1)
    for _ in range(200):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000))
        gender = rng.choice(["male", "female"])
        info = parse_id_number(synthetic_id_number(rng, birth_date=birth, gender=gender))
        assert info.birth_date == birth and info.gender == gender

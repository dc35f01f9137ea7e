"""Citizen identity numbers (公民身份号码, GB 11643-1999): validation and synthetic numbers.

An 18-character number is: 6-digit region code (GB/T 2260, where the number was first issued),
8-digit birth date (YYYYMMDD), 3-digit sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2 (``X`` stands for 10).
"""
from __future__ import annotations

import datetime as dt
import operator
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# First two digits of GB/T 2260: the 31 mainland provinces, Taiwan, Hong Kong and Macao, and 83
# (residence permits of Hong Kong, Macao and Taiwan residents, 830000).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
}
EARLIEST_BIRTH = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class IdInfo:
    number: str
    region: str
    birth_date: dt.date
    gender: str  # "male" / "female", the values of Person.Gender


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate a number and return what it says; ValidationError with a precise reason otherwise.

    1. Shape: 17 digits and a digit or X (15-digit numbers from before 1999 must be converted).
    2. Region: the province prefix exists and the code below it is not all zeros.
    3. Birth date: a real date, not before 1900, not in the future.
    4. Check character (MOD 11-2).
    """
    number = (raw or "").strip().replace(" ", "").upper()
    if not number:
        raise ValidationError(_("The ID number is missing."), code="required")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(_("15-digit ID numbers are no longer valid; enter the 18-digit number."), code="old_format")
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X (18 characters)."), code="format")
    region = number[:6]
    if region[:2] not in PROVINCES or region[2:] == "0000":
        raise ValidationError(_("The region code %(region)s is not a valid area code.") % {"region": region}, code="region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the ID number (%(digits)s) is not a real date.") % {"digits": number[6:14]}, code="birth_date")
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(_("The birth date in the ID number lies in the future."), code="birth_future")
    if birth < EARLIEST_BIRTH:
        raise ValidationError(_("The birth date in the ID number is before 1900."), code="birth_past")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(_("The check digit is wrong: the number has been mistyped."), code="checksum")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return IdInfo(number=number, region=region, birth_date=birth, gender=gender)


# Real county codes, so that synthetic numbers look like the ones streets hold.
SYNTHETIC_REGIONS = [
    "110101", "110102", "110105", "110106", "110108", "110114", "110115", "120101", "130102", "130602",
    "140105", "150102", "210102", "220102", "230102", "310101", "320102", "330102", "340102", "350102",
    "360102", "370102", "410102", "420102", "430102", "440103", "450102", "500101", "510104", "610102",
]


def synthetic_id_number(rng: random.Random, *, birth_date: dt.date, gender: str, region: str | None = None) -> str:
    """A random number that passes every check: for demo data and tests, never for a real person."""
    region = region or rng.choice(SYNTHETIC_REGIONS)
    sequence = rng.randrange(0, 100) * 10 + rng.choice([1, 3, 5, 7, 9] if gender == "male" else [0, 2, 4, 6, 8])
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)

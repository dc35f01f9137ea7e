"""The number people quote for a case on the phone: ``YYYYMMDD-NNNN``.

The date is the local day (Asia/Shanghai) the case was reported; ``NNNN`` counts the cases of
that district on that day from 0001 (a five-digit count after the 9,999th case of a day). The
number is unique per district and day, not across districts: two districts may both have a
``20261203-0001``, which is why a search by number is scoped like every other read.

The counter is one row per district and day (``CaseNumberCounter``), taken by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the row lock of the upsert orders two filings of
the same district at the same moment, so they never get the same number. A filing that fails
after taking its number leaves a gap; numbers are never reused (docs/domain/cases.md#case-numbers).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from .errors import InvalidInput

NUMBER_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{4,6})$", re.ASCII)

_UPSERT = (
    "INSERT INTO incidents_casenumbercounter (district_code, day, last) VALUES (%s, %s, %s) "
    "ON CONFLICT (district_code, day) DO UPDATE SET last = incidents_casenumbercounter.last + EXCLUDED.last "
    "RETURNING last"
)


def format_number(day: date, count: int) -> str:
    return f"{day:%Y%m%d}-{count:04d}"


def take_numbers(district_code: str, day: date, count: int = 1) -> list[str]:
    """``count`` consecutive numbers of the district's day, in one statement (the demo seeds many)."""
    if count < 1:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [district_code, day, count])
        (last,) = cursor.fetchone()
    return [format_number(day, n) for n in range(last - count + 1, last + 1)]


def number_cte(district_code: str, day: date) -> tuple[str, list]:
    """The counter's upsert as a common table expression ``new_number(last)``, so that the filing
    hot path takes its number inside the one statement that inserts the case."""
    return f"new_number AS ({_UPSERT})", [district_code, day, 1]


def number_expression(day: date) -> RawSQL:
    """The case's number computed from ``new_number`` (see ``number_cte``), as the INSERT's value."""
    return RawSQL(
        "SELECT %s::text || '-' || lpad(last::text, greatest(4, length(last::text)), '0') FROM new_number",
        [f"{day:%Y%m%d}"],
    )


def _typed(value) -> str:
    # A Chinese input method may type full-width digits and dash (２０２６１２０３－００４２): NFKC makes them ASCII.
    return unicodedata.normalize("NFKC", str(value or ""))[:64].strip().lstrip("#").strip()


def parse_number(value, *, field: str = "number") -> str:
    """A case number as typed (spaces, a leading # and full-width digits forgiven); a malformed one
    is a 400 naming ``field``."""
    text = _typed(value)
    found = NUMBER_RE.match(text)
    valid = False
    if found:
        year, month, day = (int(part) for part in found.groups()[:3])
        try:
            valid = date(year, month, day).year >= 2000
        except ValueError:
            valid = False
    if not valid:
        raise InvalidInput(
            _("“%(value)s” is not a case number; a case number looks like 20261203-0042 (the day, then the count).")
            % {"value": text[:40]},
            field=field,
        )
    return text


def looks_like_number(value) -> bool:
    return bool(NUMBER_RE.match(_typed(value)))

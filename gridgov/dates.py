"""Dates typed into addresses and forms: parsed once, within the years the product can mean.

``9999-99-99`` is well formed but no date (Django's parsers raise ValueError, a 500 where it was not
caught); ``0001-01-01`` is a date, but a day before it, or its start in Asia/Shanghai, is not
(OverflowError). Every date a caller gives goes through ``parse_day`` / ``check_day``, which
refuse both with a message naming the parameter.
"""
from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class DateError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def check_day(day: date, field: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise DateError(
            _("%(field)s must lie between %(earliest)s and %(latest)s.")
            % {"field": field, "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            field,
        )
    return day


def parse_day(raw: str, field: str) -> date:
    """A YYYY-MM-DD date within the product's years, or DateError naming ``field``."""
    try:
        day = date.fromisoformat(str(raw).strip())
    except ValueError:
        raise DateError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": raw}, field)
    return check_day(day, field)

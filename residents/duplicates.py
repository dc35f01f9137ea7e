"""Telling a registrar that an ID number is taken, without making the form an oracle.

An ID number is registered once in the whole system (a unique index), so registering one that is
taken must fail. "A person with this ID number is already registered" told anybody with a
registration form — a grid worker, community staff — whether a number they typed belonged to
somebody living anywhere in the district; typed in a loop, or in an import of ten thousand rows,
it answered for whole lists of numbers. So:

- taken by a person inside the registrar's own jurisdiction: said plainly, with the household
  (they may open that record anyway);
- taken outside it: one neutral message that names nobody and nowhere; every such attempt is
  logged (logger ``gridgov.security``: who, whose record) and counted, and after
  ``GRIDGOV_ID_CONFLICTS_PER_DAY`` in a day the registrar is told to ask the street office —
  the form answers no more numbers for that day.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scoped
from gridgov.cache import count

from . import privacy
from .models import Person

logger = logging.getLogger("gridgov.security")


def limit_per_day() -> int:
    return int(getattr(settings, "GRIDGOV_ID_CONFLICTS_PER_DAY", 20))


def _counter_key(actor) -> str:
    return f"residents:id-conflicts:{actor.pk}:{timezone.localdate():%Y%m%d}"


def conflicts_today(actor) -> int:
    return int(cache.get(_counter_key(actor)) or 0)


def id_number_conflict(id_number: str, *, actor, exclude_pk: int | None = None) -> str | None:
    """Why ``id_number`` cannot be registered by ``actor``, or None when it is free."""
    if not id_number:
        return None
    if actor is not None and conflicts_today(actor) >= limit_per_day():
        # Past the day's limit nothing is answered about any number, free or taken.
        return _("Too many ID numbers today could not be registered here; ask the street office to register this person.")
    queryset = Person.objects.filter(id_number_hash__in=privacy.search_hashes("id", id_number))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    person = queryset.select_related("household").only("id", "cell_id", "household__number").first()
    if person is None:
        return None
    if actor is None:  # the system itself (seeding, a management command): nobody to hide it from
        return _("A person with this ID number is already registered.")
    if scoped(Person.objects.filter(pk=person.pk), actor).exists():
        return _("A person with this ID number is already registered in your jurisdiction (household %(number)s).") % {
            "number": person.household.number
        }
    key = _counter_key(actor)
    count(key, 26 * 3600)
    logger.warning("ID number registered outside the registrar's jurisdiction: actor=%s person=%s", actor.pk, person.pk)
    return _("This ID number cannot be registered here. Ask the street office to check the record.")

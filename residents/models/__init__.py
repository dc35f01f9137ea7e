"""人进户、户进房、房进格、格进图: building → dwelling → household → person, each in a grid cell.

Personal identifiers (ID number, phones) are never stored in clear: each has an AES-GCM
ciphertext, a keyed hash for exact search and the masked form that every screen shows
(``residents.privacy``). The last four ID characters are kept for the search by a name with the
last four digits that streets use on the phone; the masked form does not show them, so that search
counts against a daily allowance (``residents.queries``).

A building's cell is found by point lookup; households and people carry a copy of it
(``cell``) so that a scoped list of a million people filters on one indexed column instead of
four joins. ``residents.actions`` keeps the copies in step whenever a building changes cell.

One module per subject: ``scope`` (the records' visibility), ``places`` (buildings, dwellings,
households), ``people`` (people, care tags, visits), ``history`` (change history, reveal audit),
``imports`` (spreadsheet imports). Everything is importable from ``residents.models``.
"""
from __future__ import annotations

from .scope import RecordScope  # noqa: F401
from .places import Building, Dwelling, DwellingUse, Household  # noqa: F401
from .people import (  # noqa: F401
    CareTag,
    Gender,
    IdType,
    Person,
    PersonQuerySet,
    PersonTag,
    Relation,
    ResidentType,
    Visit,
)
from .history import (  # noqa: F401
    CHANGE_ACTIONS,
    CHANGE_FIELDS,
    ChangeHistory,
    RevealAudit,
    RevealField,
    masked_changes,
)
from .imports import ImportJob, ImportStatus  # noqa: F401

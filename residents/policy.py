"""Who may do what with resident records, in one place.

Scope (which records) is always ``accounts.scope.scoped``; this module decides which *acts* a
role may perform on the records in its scope. A role default can be widened for one user by
giving them the model permission in the admin (``residents.reveal_personal_data`` …);
superusers may do everything.

Choices, and why (PIPL's "minimum necessary"):

* Lists and records (masked): grid workers (their cells), community and street staff (their
  subtree), the command centre and GIS administrators (the district: they receive and import
  the street's spreadsheets). Department handlers work on cases, not people: they see no resident
  records. Leaders read statistics only.
* Reveal of a full ID number or phone: community and street staff and the dispatcher; grid
  workers too, but — by scope — only for people in their own cells, because verifying an
  identity at the door is part of their work. GIS administrators handle files, not people: no
  reveal unless given the permission.
* Sensitive tags (disability, health): the people who visit and care for them — grid workers,
  community and street staff. The command centre does not need them to dispatch a case.
* Import: community and street staff and GIS administrators.
* Reveal audit log: superusers and users with ``residents.view_revealaudit`` (admins).

What each role sees of each personal field is the table ``FIELD_POLICY`` below (and
``docs/security.md``): nobody is shown a full identifier without an audited reveal; what the
others see is ``residents.privacy.mask`` of the value, the same for every role, every page,
API answer, export and admin view. The caller contacts of hotline and Open311 cases follow the
same masks; only the command centre reveals them (``can_reveal_contact``), audited by
``dispatch.contact``.
"""
from __future__ import annotations

from accounts.models import Role

RECORD_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER, Role.GIS_ADMIN})
REVEAL_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER})
SENSITIVE_TAG_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET})
IMPORT_ROLES = frozenset({Role.COMMUNITY, Role.STREET, Role.GIS_ADMIN})
VISIT_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET})
STATISTICS_ROLES = frozenset(Role.values) - {Role.DEPARTMENT}
# Whoever may see a case sees its caller's contact masked; the command centre, which calls
# back, may reveal it.
CONTACT_REVEAL_ROLES = frozenset({Role.DISPATCHER})

HIDDEN = "hidden"  # the record is not shown to the role at all
MASKED = "masked"  # residents.privacy.mask of the value
REVEAL = "masked, full value by an audited reveal"

# field → role → what the role is shown: the table of docs/security.md ("Masking policy"),
# checked against every surface by tests/reliability/test_masking_combination.py.
_RECORDS = {role: (REVEAL if role in REVEAL_ROLES else MASKED) if role in RECORD_ROLES else HIDDEN for role in Role.values}
_BIRTH = {role: MASKED if role in RECORD_ROLES else HIDDEN for role in Role.values}
_CONTACT = {role: REVEAL if role in CONTACT_REVEAL_ROLES else MASKED for role in Role.values}
FIELD_POLICY: dict[str, dict[str, str]] = {
    "id_number": _RECORDS,
    "passport": _RECORDS,
    "phones": _RECORDS,
    "birth_date": _BIRTH,
    "caller_name": _CONTACT,
    "caller_phone": _CONTACT,
    "caller_email": _CONTACT,
}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _role_or_perm(user, roles: frozenset, perm: str) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or user.role in roles or user.has_perm(perm)


def can_see_records(user) -> bool:
    return _role_or_perm(user, RECORD_ROLES, "residents.view_person")


def can_reveal(user) -> bool:
    return _role_or_perm(user, REVEAL_ROLES, "residents.reveal_personal_data")


def can_reveal_contact(user) -> bool:
    return _role_or_perm(user, CONTACT_REVEAL_ROLES, "dispatch.reveal_caller_contact")


def can_see_sensitive_tags(user) -> bool:
    return _role_or_perm(user, SENSITIVE_TAG_ROLES, "residents.view_sensitive_tags")


def can_import(user) -> bool:
    return _role_or_perm(user, IMPORT_ROLES, "residents.import_residents")


def can_record_visit(user) -> bool:
    return _role_or_perm(user, VISIT_ROLES, "residents.add_visit")


def can_see_statistics(user) -> bool:
    return _role_or_perm(user, STATISTICS_ROLES, "residents.view_person")


def can_read_audit(user) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("residents.view_revealaudit"))

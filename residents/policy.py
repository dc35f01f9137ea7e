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
"""
from __future__ import annotations

from accounts.models import Role

RECORD_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER, Role.GIS_ADMIN})
REVEAL_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER})
SENSITIVE_TAG_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET})
IMPORT_ROLES = frozenset({Role.COMMUNITY, Role.STREET, Role.GIS_ADMIN})
VISIT_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY, Role.STREET})
STATISTICS_ROLES = frozenset(Role.values) - {Role.DEPARTMENT}


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

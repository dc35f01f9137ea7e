"""Who may do what with resident records, in one place.

Scope (which records) is always ``accounts.scope.scoped``; this module decides which *acts* a
user may perform on the records in their scope. What each role may do by default is declared
with every other role's capabilities in ``accounts.capabilities`` (the table, with the reasons:
PIPL's "minimum necessary"); here a role default can be widened for one user by giving them the
model permission in the admin (``residents.reveal_personal_data`` …). Superusers may do
everything. The reveal audit log is read by no role by default: superusers and users with
``residents.view_revealaudit`` (admins).
"""
from __future__ import annotations

from accounts.capabilities import Capability, can


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _can_or_perm(user, capability: Capability, perm: str) -> bool:
    if not _active(user):
        return False
    return can(user, capability) or user.has_perm(perm)


def can_see_records(user) -> bool:
    return _can_or_perm(user, Capability.SEE_RESIDENT_RECORDS, "residents.view_person")


def can_reveal(user) -> bool:
    return _can_or_perm(user, Capability.REVEAL_PERSONAL_DATA, "residents.reveal_personal_data")


def can_see_sensitive_tags(user) -> bool:
    return _can_or_perm(user, Capability.SEE_SENSITIVE_TAGS, "residents.view_sensitive_tags")


def can_import(user) -> bool:
    return _can_or_perm(user, Capability.IMPORT_RESIDENTS, "residents.import_residents")


def can_record_visit(user) -> bool:
    return _can_or_perm(user, Capability.RECORD_VISITS, "residents.add_visit")


def can_see_statistics(user) -> bool:
    return _can_or_perm(user, Capability.READ_POPULATION_STATISTICS, "residents.view_person")


def can_read_audit(user) -> bool:
    return _can_or_perm(user, Capability.READ_REVEAL_AUDIT, "residents.view_revealaudit")

"""Who may do what with resident records, in one place.

Scope (which records) is always ``accounts.scope.scoped``; this module decides which *acts* a
user may perform on the records in their scope. What each role may do by default is declared
with every other role's capabilities in ``accounts.capabilities`` (the table, with the reasons:
PIPL's "minimum necessary"); here a role default can be widened for one user by giving them the
model permission in the admin (``residents.reveal_personal_data`` …). Superusers may do
everything. The reveal audit log is read by no role by default: superusers and users with
``residents.view_revealaudit`` (admins).

What each role sees of each personal field is the table ``FIELD_POLICY`` below (and
``docs/security.md``): nobody is shown a full identifier without an audited reveal; what the
others see is ``residents.privacy.mask`` of the value, the same for every role, every page,
API answer, export and admin view. The caller contacts of hotline and Open311 cases follow the
same masks; only the command centre reveals them (``can_reveal_contact``), audited by
``dispatch.contact``.
"""
from __future__ import annotations

from accounts.capabilities import Capability, can, roles_with
from accounts.models import Role

HIDDEN = "hidden"  # the record is not shown to the role at all
MASKED = "masked"  # residents.privacy.mask of the value
REVEAL = "masked, full value by an audited reveal"

# field → role → what the role is shown: the table of docs/security.md ("Masking policy"),
# checked against every surface by tests/reliability/test_masking_combination.py.
_RECORD_ROLES = roles_with(Capability.SEE_RESIDENT_RECORDS)
_REVEAL_ROLES = roles_with(Capability.REVEAL_PERSONAL_DATA)
_CONTACT_REVEAL_ROLES = roles_with(Capability.REVEAL_CALLER_CONTACT)
_RECORDS = {role: (REVEAL if role in _REVEAL_ROLES else MASKED) if role in _RECORD_ROLES else HIDDEN for role in Role.values}
_BIRTH = {role: MASKED if role in _RECORD_ROLES else HIDDEN for role in Role.values}
# Whoever may see a case sees its caller's contact masked; the command centre, which calls back,
# may reveal it.
_CONTACT = {role: REVEAL if role in _CONTACT_REVEAL_ROLES else MASKED for role in Role.values}
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


def _can_or_perm(user, capability: Capability, perm: str) -> bool:
    if not _active(user):
        return False
    return can(user, capability) or user.has_perm(perm)


def can_see_records(user) -> bool:
    return _can_or_perm(user, Capability.SEE_RESIDENT_RECORDS, "residents.view_person")


def can_reveal(user) -> bool:
    return _can_or_perm(user, Capability.REVEAL_PERSONAL_DATA, "residents.reveal_personal_data")


def can_reveal_contact(user) -> bool:
    return _can_or_perm(user, Capability.REVEAL_CALLER_CONTACT, "dispatch.reveal_caller_contact")


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

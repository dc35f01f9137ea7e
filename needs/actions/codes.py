"""The household's code for the public page: issued by a grid worker, revocable, stored as a
keyed hash only (the household is shown it once, on the slip the grid worker gives it)."""
from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scoped
from dispatch.actions.public import reporter_key
from incidents.errors import Forbidden
from residents.models import Household

from .. import rules
from ..models import HouseholdCode

# No 0/O, 1/I/L: read aloud at a door and typed on a phone. 31^8 ≈ 8.5 × 10^11 codes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch in ALPHABET)[: LENGTH + 1]


def code_hash(household_id: int, code: str) -> str:
    return reporter_key("needs-household-code", f"{household_id}:{normalise(code)}")


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def issue_code(*, household: Household, actor, now: datetime | None = None) -> str:
    """A new code for the household (its earlier code stops working); returns it, formatted, once."""
    now = now or timezone.now()
    if not rules.may_issue_codes(actor) or not scoped(Household.objects.filter(pk=household.pk), actor).exists():
        raise Forbidden(_("No such household in your jurisdiction."))
    HouseholdCode.objects.filter(household=household, revoked_at__isnull=True).update(revoked_at=now)
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    HouseholdCode.objects.create(household=household, code_hash=code_hash(household.pk, code), created_by=actor, created_at=now)
    return shown(code)


@transaction.atomic
def revoke_code(*, household: Household, actor, now: datetime | None = None) -> int:
    """The household's code stops working (a slip lost or passed on); the number revoked."""
    now = now or timezone.now()
    if not rules.may_issue_codes(actor) or not scoped(Household.objects.filter(pk=household.pk), actor).exists():
        raise Forbidden(_("No such household in your jurisdiction."))
    return HouseholdCode.objects.filter(household=household, revoked_at__isnull=True).update(revoked_at=now)


def household_for(dwelling_id: int, code: str) -> Household | None:
    """The household of the dwelling whose live code this is (None: no such dwelling or code)."""
    code = normalise(code)
    if len(code) != LENGTH:
        return None
    for household in Household.objects.filter(dwelling_id=dwelling_id).only("pk", "cell_id", "dwelling_id"):
        if HouseholdCode.objects.filter(household=household, code_hash=code_hash(household.pk, code), revoked_at__isnull=True).exists():
            return household
    return None

"""The needs lists of each role and what a row shows (docs/needs.md#who-sees-what).

Every list starts from ``accounts.scope.scoped`` (area, then ``rules.narrow_needs``). What a row
shows follows the reader: the address and the household's masked phone for those who deliver or
work the need; a volunteer or department sees the description with every personal number masked
(``residents.privacy``: the one masking rule); a leader neither address nor description. A hotline
caller's number only those who work the need: masked on lists and in the workbook, in full on the
need's own page, where they call back (``row(…, full_caller_phone=True)``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.capabilities import Capability, can, role_can
from accounts.scope import scoped
from incidents import clock
from incidents.levels import LEVEL_CHAIN
from residents import privacy

from . import phones, rules
from .models import Need, NeedStatus, RUNNING_STATUSES

LIST_LIMIT = 200
UNSETTLED = [*RUNNING_STATUSES, NeedStatus.DELIVERED]


def visible_needs(user) -> QuerySet:
    return scoped(Need.objects.select_related(
        "kind", "household__dwelling__building", "household__head", "claimed_by", "department", "area",
    ), user)


def worklist(user) -> QuerySet:
    """Grid worker, community and street staff, the command centre: every unsettled need of their
    area; overdue first, then those held at the reader's own level, then by deadline."""
    needs = visible_needs(user).filter(status__in=UNSETTLED)
    # The level the reader holds: a grid worker's cells, else the tier of the area they answer for.
    level = LEVEL_CHAIN[0] if role_can(user, Capability.WORK_CELLS) or user.area is None else user.area.level
    return needs.annotate(
        at_my_level=Case(When(level=level, then=Value(0)), default=Value(1), output_field=IntegerField()),
        delivered_last=Case(When(status=NeedStatus.DELIVERED, then=Value(1)), default=Value(0), output_field=IntegerField()),
    ).order_by("delivered_last", "at_my_level", "deadline", "id")


def volunteer_list(user) -> tuple[QuerySet, QuerySet]:
    """(claimable in his community, his own unsettled claims)."""
    needs = visible_needs(user)
    return (
        needs.filter(status=NeedStatus.OPEN, fulfiller="").order_by("deadline", "id"),
        needs.filter(claimed_by=user, status__in=[NeedStatus.CLAIMED, NeedStatus.DELIVERED]).order_by("deadline", "id"),
    )


def department_list(user) -> QuerySet:
    return visible_needs(user).filter(status__in=[NeedStatus.CLAIMED, NeedStatus.DELIVERED]).order_by("deadline", "id")


@dataclass(frozen=True)
class NeedRow:
    need: Need
    light: str | None
    address: str
    phone: str
    description: str
    acts: list[str]
    caller_phone: str = ""


def address_of(need: Need) -> str:
    if need.household is None:
        return ""
    dwelling = need.household.dwelling
    return f"{dwelling.building.address} {dwelling.label}"


def _phone(need: Need) -> str:
    head = need.household.head if need.household else None
    phones = privacy.mask_phones(head.phones_masked) if head and head.phones_masked else []
    return phones[0] if phones else ""


def acts_for(user, need: Need) -> list[str]:
    checks = (
        ("claim", rules.may_claim), ("hand_on", rules.may_hand_on), ("deliver", rules.may_deliver),
        ("confirm", rules.may_confirm), ("release", rules.may_release), ("cancel", rules.may_cancel),
    )
    return [name for name, check in checks if check(user, need)]


def caller_phone_for(need: Need, user, *, full: bool = False) -> str:
    """The hotline caller's number as ``user`` may read it: staff who work the need only."""
    if not need.caller_phone_enc or not can(user, Capability.WORK_NEEDS):
        return ""
    number = phones.caller_phone(need)
    return number if full else privacy.mask(privacy.PHONE, number)


def row(need: Need, user, now: datetime | None = None, *, full_caller_phone: bool = False) -> NeedRow:
    now = now or timezone.now()
    details = rules.sees_household_details(user)
    text = need.description
    if not can(user, Capability.WORK_NEEDS):
        # Those who only deliver read the need, not the numbers somebody typed into it.
        text = privacy.mask(privacy.PUBLIC_TEXT, text)
    return NeedRow(
        need=need,
        light=clock.light(status=need.status, deadline=need.deadline, started=need.deadline_started_at, warn_at=need.warn_at,
                          now=now, running=need.running),
        address=address_of(need) if details else "",
        phone=_phone(need) if details else "",
        description=text if details else "",
        acts=acts_for(user, need),
        caller_phone=caller_phone_for(need, user, full=full_caller_phone),
    )


def rows(needs, user) -> list[NeedRow]:
    now = timezone.now()
    return [row(need, user, now) for need in needs[:LIST_LIMIT]]


def overdue_q(now: datetime) -> Q:
    return Q(status__in=RUNNING_STATUSES, deadline__lt=now)

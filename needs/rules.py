"""Who sees which needs and who may run each act on one (docs/needs.md#who-sees-what).

Reads: ``accounts.scope.scoped`` first narrows needs to the user's area (a grid worker: her
cells); ``narrow_needs`` (the model's ``scope_extra``) then keeps what the user's role needs.
Acts: one predicate per act, built on ``accounts.capabilities.can``.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.capabilities import Capability, can

from .choices import Fulfiller, NeedStatus


def narrow_needs(queryset: QuerySet, user) -> QuerySet:
    """What of the needs in the user's area the user's work needs."""
    if getattr(user, "is_superuser", False) or can(user, Capability.WORK_NEEDS) or can(user, Capability.READ_NEEDS):
        return queryset
    if can(user, Capability.CLAIM_NEEDS):
        # What he may claim (nobody took it yet) and what he claimed himself.
        return queryset.filter(Q(status=NeedStatus.OPEN, fulfiller="") | Q(claimed_by=user))
    if can(user, Capability.FULFIL_DEPARTMENT_NEEDS) and user.department_id:
        return queryset.filter(fulfiller=Fulfiller.DEPARTMENT, department_id=user.department_id)
    return queryset.none()


def sees_household_details(user) -> bool:
    """Address and description: not for leaders (figures and lists only)."""
    return can(user, Capability.WORK_NEEDS) or can(user, Capability.CLAIM_NEEDS) or can(user, Capability.FULFIL_DEPARTMENT_NEEDS)


def may_record(user) -> bool:
    return can(user, Capability.WORK_NEEDS)


def may_claim(user, need) -> bool:
    return can(user, Capability.CLAIM_NEEDS) and need.status == NeedStatus.OPEN


def may_hand_on(user, need) -> bool:
    return can(user, Capability.WORK_NEEDS) and need.status == NeedStatus.OPEN


def may_deliver(user, need) -> bool:
    if need.status != NeedStatus.CLAIMED:
        return False
    if need.fulfiller == Fulfiller.VOLUNTEER:
        return need.claimed_by_id == getattr(user, "pk", None)
    if need.fulfiller == Fulfiller.DEPARTMENT:
        return can(user, Capability.FULFIL_DEPARTMENT_NEEDS) and user.department_id == need.department_id
    # A supplier has no account: the staff who handed it on record its delivery.
    return can(user, Capability.WORK_NEEDS)


def may_release(user, need) -> bool:
    """Give a taken need back (the volunteer cannot go after all, or staff take it back)."""
    if need.status != NeedStatus.CLAIMED:
        return False
    return can(user, Capability.WORK_NEEDS) or (need.fulfiller == Fulfiller.VOLUNTEER and need.claimed_by_id == user.pk)


def may_confirm(user, need) -> bool:
    return can(user, Capability.WORK_NEEDS) and need.status == NeedStatus.DELIVERED


def may_cancel(user, need) -> bool:
    return can(user, Capability.WORK_NEEDS) and need.status in (NeedStatus.OPEN, NeedStatus.CLAIMED)


def may_issue_codes(user) -> bool:
    return can(user, Capability.WORK_NEEDS)


def may_verify_volunteers(user) -> bool:
    return can(user, Capability.VERIFY_VOLUNTEERS)

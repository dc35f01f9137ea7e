"""The caller's contact of a hotline or Open311 case: shown masked, revealed with a reason (audited).

``Incident.contact`` is what the hotline operator typed ("张三 13812345678") or what an Open311
client sent (name, phone, email; the parts are kept on ``Open311Request`` too). Whoever may see
the case sees it through ``residents.privacy.mask`` — the same masks as residents' phones and
names, on every page, API answer and admin view. The command centre calls callers back: it may
reveal the full contact, which writes one ``ContactReveal`` row in the same transaction, as
``residents.actions.reveal_person_field`` does for residents.

This is the act of revealing (the app's acts live in ``dispatch.actions``, which is being split
into a package; it moves there with it).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import Incident
from residents import privacy
from residents.policy import can_reveal_contact

from .models import ContactReveal

MIN_REASON_LENGTH = 4


@dataclass(frozen=True)
class RevealedContact:
    value: str
    audit: ContactReveal


def masked_contact(incident: Incident) -> str:
    """The caller's contact as everyone without a reveal sees it."""
    return privacy.mask(privacy.CONTACT, incident.contact)


def reveal_contact(*, actor, incident: Incident, reason: str, via: str = "web") -> RevealedContact:
    """The full contact of one case's caller and exactly one audit record of the act.

    The caller has found the case through ``scoped`` (outside scope is 404 before we get here).
    """
    if not can_reveal_contact(actor):
        raise PermissionDenied(_("You may not reveal a caller's contact."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": [_("Say why you need the full contact (at least %(n)d characters).") % {"n": MIN_REASON_LENGTH}]})
    if not incident.contact:
        raise ValidationError({"contact": [_("This case has no caller contact.")]})
    with transaction.atomic():
        audit = ContactReveal.objects.create(actor=actor, actor_role=actor.role, incident=incident, reason=reason[:500], via=via)
    return RevealedContact(value=incident.contact, audit=audit)

"""``{{ value|masked:"contact" }}``: residents.privacy.mask in templates (one masking policy everywhere)."""
from __future__ import annotations

from django import template

from residents import privacy
from residents.policy import can_reveal_contact

register = template.Library()


@register.filter
def masked(value, field: str) -> str:
    return privacy.mask(field, value)


@register.filter
def may_reveal_contact(user) -> bool:
    return can_reveal_contact(user)

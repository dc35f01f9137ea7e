"""Templates ask the capability table instead of comparing role names.

    {% load capabilities %}
    {% if user|can:"report_cases" %}…{% endif %}
    {% if user|role_can:"work_cells" %}…{% endif %}

An unknown capability name raises (a typo must not hide a button silently).
"""
from __future__ import annotations

from django import template

from accounts import capabilities

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return capabilities.can(user, capability)


@register.filter
def role_can(user, capability: str) -> bool:
    return capabilities.role_can(user, capability)

"""Refusals of the emergencies app: a clear message saying what and where."""
from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ValidationError", "refuse"]


def refuse(field: str, message) -> ValidationError:
    return ValidationError({field: [message]})

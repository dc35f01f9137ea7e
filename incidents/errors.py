"""Why an act on a case was refused: one error class per HTTP answer, with a message for the user
and, for bad input, the field it concerns. Every channel (API, pages, console, Open311) turns
them into its own answer the same way."""
from __future__ import annotations


class IncidentError(Exception):
    """A refused act, with a message for the user and, for bad input, the field it concerns."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(IncidentError):
    http_status = 400


class NotAllowed(IncidentError):
    """The act cannot run from the case's current status or level."""

    http_status = 400


class Forbidden(IncidentError):
    http_status = 403


class Conflict(IncidentError):
    """Somebody changed the case since it was read."""

    http_status = 409

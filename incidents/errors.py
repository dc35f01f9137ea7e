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


class BadPoint(InvalidInput):
    """One point of a patrol batch is wrong: the answer names it (its index in the batch and the
    phone's id for it), so that the phone sets that point aside and sends the others again."""

    def __init__(self, message: str, *, field: str, index: int, point_id: str | None = None):
        super().__init__(message, field=field)
        self.index = index
        self.point_id = point_id


class NotAllowed(IncidentError):
    """The act cannot run from the case's current status or level."""

    http_status = 400


class Forbidden(IncidentError):
    http_status = 403


class Conflict(IncidentError):
    """Somebody changed the case since it was read."""

    http_status = 409

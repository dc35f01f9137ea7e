"""Heavy reads from a streaming standby (docs/scaling.md, "A standby for the heavy reads").

Only when ``GRIDGOV_REPLICA_URL`` is set: settings then add a ``replica`` database alias, and

- ``routes.STANDBY_VIEWS`` names the views whose GET is read from the standby — the one place;
- ``middleware.StandbyReadsMiddleware`` decides per request (a marked view, a GET, the standby
  fresh enough, no write by this browser a moment ago) and remembers a write in a cookie;
- ``router.StandbyRouter`` sends that request's ORM reads to ``replica``, every write to ``default``;
- ``read_alias()`` is the alias for raw SQL on those paths (tiles, indicators);
- ``standby.state()`` measures the lag, shown in /healthz.
"""
from __future__ import annotations

from contextvars import ContextVar

REPLICA = "replica"

# Set by the middleware for the request it handles; a ContextVar so threads (the live server,
# threaded servers) and nested calls see their own request's choice.
_reading_from_standby: ContextVar[bool] = ContextVar("gridgov_reading_from_standby", default=False)


def read_alias() -> str:
    """The database alias reads of the running request go to: ``replica`` or ``default``."""
    return REPLICA if _reading_from_standby.get() else "default"

"""A patrol's batch of track points, answered in front of Django: ``POST
/api/v1/patrols/<id>/points/`` with ``Authorization: Token <key>`` and a JSON body, from every
grid worker on patrol every 30 s — the busiest write of all.

Why: for a batch of ten points Django's machinery (the request object, a dozen middleware, the
URL resolver, DRF's request, negotiation and renderer) cost about as much CPU as the work itself;
measured in bench/patrols.py. Here the request is answered straight from the WSGI environment by
the functions the view calls: the API's JSON limits (``gridgov.parsers.parse_json_body``), the
token read from the database on every request (``accounts.fastauth.TokenAuthentication``: a
deactivated user or a revoked token is refused at once), the patrol through the one scoping
function (``incidents.api.patrols.patrol_for_points``), the points checked and stored by
``incidents.actions.record_points`` (one set-based statement, idempotent by client ids), the same
answer (``incidents.api.patrols.points_answer``).

What it leaves to Django, untouched: every request of another shape (a cookie, another method,
path or content type, a body that is not ``{"points": [{…}, …]}``) and every request that would be
answered with an error — a bad point, an unknown or expired token, a temporary password, a patrol
out of scope or not the worker's, a database error. Those raise before anything is stored (the
batch is all or nothing), so Django answers them as it always has, with its messages. One case
reaches Django after a write: a database error after the batch was stored (the distance walked
again for a late batch); Django then stores nothing new and answers ``added: 0``, as it answers
the phone outbox's retry of a batch whose answer was lost.

Headers are learned from Django's first answer of each kind (gridgov/hotpath.py).
"""
from __future__ import annotations

import io
import json
import logging
import re

from django.db import DatabaseError, connection
from django.http import Http404
from psycopg import Error as PsycopgError
from rest_framework.exceptions import APIException

from accounts.fastauth import TokenAuthentication
from gridgov.hotpath import HotPath, token_key
from gridgov.parsers import max_bytes, parse_json_body

from .actions import IncidentError, record_points
from .actions.patrols import parse_point
from .api.patrols import patrol_for_points, points_answer

logger = logging.getLogger(__name__)

_PATH = re.compile(r"/api/v1/patrols/([1-9][0-9]{0,17})/points/")
_JSON_TYPES = frozenset({"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"})
_SCALARS = (str, int, float, bool, type(None))


def _batch(data) -> list[dict] | None:
    """The points of a body that is exactly ``{"points": [{name: scalar, …}, …]}``, or None."""
    if not isinstance(data, dict) or len(data) != 1 or not isinstance(data.get("points"), list):
        return None
    points = data["points"]
    for item in points:
        if not isinstance(item, dict) or not all(isinstance(value, _SCALARS) for value in item.values()):
            return None
    return points


class PatrolPointsHotPath(HotPath):
    """WSGI middleware: the fast answer when it can give one, Django's otherwise."""

    def __call__(self, environ, start_response):
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if (match is None or environ.get("REQUEST_METHOD") != "POST" or "HTTP_COOKIE" in environ
                or environ.get("QUERY_STRING") or environ.get("CONTENT_TYPE", "").lower() not in _JSON_TYPES):
            return self.django(environ, start_response)
        key = token_key(environ)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            length = -1
        if key is None or not 0 < length <= max_bytes():
            return self.django(environ, start_response)
        raw = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(raw)  # read again by Django if the request goes there
        kind = self.kind(environ)
        headers = self.learned.get(kind)
        if headers is None:
            return self.learn(kind, environ, start_response)
        body = self._answer(key, int(match.group(1)), raw)
        if body is None:
            environ["wsgi.input"].seek(0)
            return self.django(environ, start_response)
        return self.answer(headers, body, start_response)

    def _answer(self, key: str, patrol_id: int, raw: bytes) -> bytes | None:
        try:
            points = _batch(parse_json_body(raw))
            if points is None:
                return None
            parsed = [parse_point(index, item) for index, item in enumerate(points)]
        except (APIException, IncidentError):
            return None
        # What Django's request_started signal does for this connection: drop it when it has
        # outlived CONN_MAX_AGE or failed earlier.
        connection.close_if_unusable_or_obsolete()
        try:
            user, _token = TokenAuthentication().authenticate_credentials(key)
            if user.must_change_password:
                return None
            patrol = patrol_for_points(user, patrol_id)
            added = record_points(patrol, actor=user, points=parsed)
        except (APIException, Http404, IncidentError):
            return None
        except (DatabaseError, PsycopgError):
            # Django gets the request with a fresh connection, and answers (or logs) properly.
            logger.warning("patrol points hot path: database error; passing the request to Django", exc_info=True)
            connection.close()
            return None
        return json.dumps(points_answer(len(points), added, patrol), separators=(",", ":")).encode()

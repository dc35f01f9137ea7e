"""A patrol's batch of track points, answered in front of Django: ``POST
/api/v1/patrols/<id>/points/`` with a JSON body, from every grid worker on patrol every 30 s — the
busiest write of all — whether the phone signs in with ``Authorization: Token <key>`` (the app)
or with the session cookie of the patrol page in the browser.

Why: for a batch of ten points Django's machinery (the request object, a dozen middleware, the
URL resolver, DRF's request, negotiation and renderer) and four statements (the token's user, her
cells, the patrol, the batch) cost several times the insert itself; measured in bench/patrols.py.
Here the request is answered straight from the WSGI environment: the API's JSON limits
(``gridgov.parsers.parse_json_body``), then ONE prepared statement
(``incidents.actions.patrol_points_checked``) that finds the person (a token: by its hash,
unexpired; a session: the user Django's session store and backend give, through
``gridgov.hotpath.session_user``), refuses an inactive one or a temporary password, finds her
running patrol through the jurisdiction rule of ``accounts.scope`` and stores the batch with
``record_points``'s own statement, idempotent by client ids, the points checked as
``record_points`` checks them; the view's answer.

What it leaves to Django, untouched: every request of another shape (another method, path or
content type, a token *and* a cookie, a body that is not ``{"points": [{…}, …]}``) and every
request that would be answered with an error — a bad point, an unknown or expired token or
session, a failed CSRF check, a temporary password, a patrol out of scope, not the worker's or
ended, a database error. Those are found before anything is stored (the batch is all or nothing),
so Django answers them as it always has, with its messages. One case reaches Django after a
write: a database error after the batch was stored (the distance walked again for a late batch);
Django then stores nothing new and answers ``added: 0``, as it answers the phone outbox's retry
of a batch whose answer was lost.

Headers are learned from Django's first answer of each kind (gridgov/hotpath.py); a session's
kind includes its language cookie, and any answer that sets a cookie (a renewed CSRF cookie, the
standby's read-your-writes cookie) is never learned, so such requests stay Django's.
"""
from __future__ import annotations

import io
import logging
import re

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, connection
from django.http import parse_cookie
from psycopg import Error as PsycopgError
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException

from accounts.tokens import hash_key
from gridgov.hotpath import HotPath, session_user, token_key
from gridgov.parsers import max_bytes, parse_json_body

from .actions import IncidentError
from .actions.patrol_points_checked import record_points_checked

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


def session_user_id(environ, cookies: dict) -> int | None:
    """The signed-in user of the session cookie, for a POST that Django's CSRF check accepts — or
    None for anything else (Django then decides, with its messages and its cleaning up).

    Who she is: ``gridgov.hotpath.session_user``, Django's session store, backend and password
    hash (the same check as the console's polls). Then the CSRF check DRF's SessionAuthentication
    makes (Origin, Referer under HTTPS, the token of the cookie and the X-CSRFToken header). Only
    the plain case is answered here: a CSRF cookie Django would renew, a host Django refuses —
    both go to Django."""
    user = session_user(cookies)
    if user is None:
        return None
    request = WSGIRequest(dict(environ))  # a copy: the CSRF check writes to META
    try:
        SessionAuthentication().enforce_csrf(request)
    except (APIException, DisallowedHost):
        return None
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None
    return user.pk


class PatrolPointsHotPath(HotPath):
    """WSGI middleware: the fast answer when it can give one, Django's otherwise."""

    def __call__(self, environ, start_response):
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if (match is None or environ.get("REQUEST_METHOD") != "POST"
                or environ.get("QUERY_STRING") or environ.get("CONTENT_TYPE", "").lower() not in _JSON_TYPES):
            return self.django(environ, start_response)
        cookie = environ.get("HTTP_COOKIE")
        key = token_key(environ)
        # A token, or a session cookie; both (or neither) is for Django's authentication order.
        if (key is None) == (cookie is None) or ("HTTP_AUTHORIZATION" in environ and cookie is not None):
            return self.django(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            length = -1
        if not 0 < length <= max_bytes():
            return self.django(environ, start_response)
        raw = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(raw)  # read again by Django if the request goes there
        kind = self.kind(environ)
        if cookie is not None:
            cookies = parse_cookie(cookie)
            # The language switch's cookie changes the answer's Content-Language: a kind of its own.
            kind = (*kind, "session", cookies.get(settings.LANGUAGE_COOKIE_NAME))
        headers = self.headers(kind)
        if headers is None:
            return self.learn(kind, environ, start_response)
        body = self._answer(environ, key, cookies if cookie is not None else None, int(match.group(1)), raw)
        if body is None:
            environ["wsgi.input"].seek(0)
            return self.django(environ, start_response)
        return self.answer(headers, body, start_response)

    def _answer(self, environ, key: str | None, cookies: dict | None, patrol_id: int, raw: bytes) -> bytes | None:
        try:
            points = _batch(parse_json_body(raw))
        except APIException:
            return None
        if points is None:
            return None
        # What Django's request_started signal does for this connection: drop it when it has
        # outlived CONN_MAX_AGE or failed earlier.
        connection.close_if_unusable_or_obsolete()
        try:
            if key is not None:
                done = record_points_checked(patrol_id, points, key_hash=hash_key(key))
            else:
                user_id = session_user_id(environ, cookies)
                done = record_points_checked(patrol_id, points, user_id=user_id) if user_id is not None else None
        except (APIException, IncidentError):
            return None
        except (DatabaseError, PsycopgError):
            # Django gets the request with a fresh connection, and answers (or logs) properly.
            logger.warning("patrol points hot path: database error; passing the request to Django", exc_info=True)
            connection.close()
            return None
        if done is None:
            return None
        # The view's answer (incidents.api.patrols.points_answer), written as json.dumps writes it.
        return b'{"received":%d,"added":%d,"distance_m":%s}' % (done.received, done.added, repr(round(done.distance_m, 1)).encode())

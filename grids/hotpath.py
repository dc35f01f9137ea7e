"""The point lookup's hot path: a thin WSGI layer in front of Django for the one request that
arrives thousands of times a second — ``GET /api/v1/areas/lookup/?lat=…&lng=…`` from a phone or
a dispatch system holding an API token.

Why: for that request Django's own machinery (the request object, twelve middleware, the URL
resolver, the request signals) costs as much CPU as the indexed lookup itself. Here the request is
answered straight from the WSGI environment with the same query (``lookup_point``), the same
token check (``accounts.fastauth``) and the same body (``lookup_body``).

What it serves, and what it leaves to Django: only that exact shape — GET, the two parameters
written as plain decimal numbers within range, ``Authorization: Token <key>`` of an active user,
no cookie — and only when a cell contains the point. Everything else (a session, a malformed
coordinate, a point outside every cell, an unknown token, a database hiccup) passes to Django
untouched, which answers it as it always has, with its messages in the user's language.

Headers are learned from Django's first answer of each kind (gridgov/hotpath.py).
"""
from __future__ import annotations

import logging
import re

from django.db import DatabaseError, connection
from psycopg import Error as PsycopgError

from accounts import fastauth
from gridgov.hotpath import HotPath, token_key

from .api import lookup_body
from .queries import lookup_point

logger = logging.getLogger(__name__)

LOOKUP_PATHS = frozenset({"/api/v1/areas/lookup/", "/api/v1/areas/lookup"})
# Plain decimals only: anything float() would also read ("1e1", " 39", "nan", "٣٩") is left to
# Django's parameter check, so both paths agree on what a coordinate is.
_NUMBER = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,17})?")


def _coordinates(query_string: str) -> tuple[float, float] | None:
    """(lng, lat) when the query string is exactly ``lat`` and ``lng`` once each, plain and in range."""
    parts = query_string.split("&")
    if len(parts) != 2:
        return None
    values: dict[str, str] = {}
    for part in parts:
        name, equals, value = part.partition("=")
        if not equals or name not in ("lat", "lng") or name in values or not _NUMBER.fullmatch(value):
            return None
        values[name] = value
    lat, lng = float(values["lat"]), float(values["lng"])
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lng, lat


class LookupHotPath(HotPath):
    """WSGI middleware: the fast answer when it can give one, Django's otherwise."""

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") not in LOOKUP_PATHS or environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ:
            return self.django(environ, start_response)
        point = _coordinates(environ.get("QUERY_STRING", ""))
        key = token_key(environ)
        if point is None or key is None:
            return self.django(environ, start_response)
        kind = self.kind(environ)
        headers = self.headers(kind)
        if headers is None:
            return self.learn(kind, environ, start_response)
        body = self._answer(key, point)
        if body is None:
            return self.django(environ, start_response)
        return self.answer(headers, body, start_response)

    def _answer(self, key: str, point: tuple[float, float]) -> bytes | None:
        # What Django's request_started signal does for this connection: drop it when it has
        # outlived CONN_MAX_AGE or failed earlier.
        connection.close_if_unusable_or_obsolete()
        try:
            if fastauth.user_id_for_token(key) is None:
                return None
            found = lookup_point(*point)
        except (DatabaseError, PsycopgError):
            # Django gets the request with a fresh connection, and answers (or logs) properly.
            logger.warning("lookup hot path: database error; passing the request to Django", exc_info=True)
            connection.close()
            return None
        if "grid" not in found:
            return None
        return lookup_body(found)

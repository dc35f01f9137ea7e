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

Headers are learned, not copied: the first such request for each (scheme, forwarded protocol,
host, forwarded host when Django trusts it) is answered by Django, and the headers of its 200 answer — set by every middleware:
Content-Security-Policy, HSTS behind TLS, frame, referrer and language headers — are kept and sent
with every later fast answer of that kind. A header added to the middleware later reaches this
path without a change here; a host Django refuses never gets a 200, so it is never learned and
stays refused by Django.
"""
from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import DatabaseError, connection
from psycopg import Error as PsycopgError

from accounts import fastauth

from .api import lookup_body
from .queries import lookup_point

logger = logging.getLogger(__name__)

LOOKUP_PATHS = frozenset({"/api/v1/areas/lookup/", "/api/v1/areas/lookup"})
# Plain decimals only: anything float() would also read ("1e1", " 39", "nan", "٣٩") is left to
# Django's parameter check, so both paths agree on what a coordinate is.
_NUMBER = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,17})?")
# Distinct header sets kept at most: (scheme, forwarded protocol, host, forwarded host)
# combinations are few in practice; past this, new combinations are simply served by Django.
MAX_LEARNED = 32


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


def _token(environ) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, space, key = header.partition(" ")
    if not space or scheme.lower() != "token" or not key or " " in key:
        return None
    return key


class LookupHotPath:
    """WSGI middleware: the fast answer when it can give one, Django's otherwise."""

    def __init__(self, django_application):
        self.django = django_application
        self.learned: dict[tuple, list[tuple[str, str]]] = {}
        proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        self.proxy_header = proxy[0] if proxy else None
        # Django then checks the forwarded host against ALLOWED_HOSTS: it is part of the kind too.
        self.forwarded_host = getattr(settings, "USE_X_FORWARDED_HOST", False)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") not in LOOKUP_PATHS or environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ:
            return self.django(environ, start_response)
        point = _coordinates(environ.get("QUERY_STRING", ""))
        key = _token(environ)
        if point is None or key is None:
            return self.django(environ, start_response)
        kind = (environ.get("wsgi.url_scheme"), environ.get(self.proxy_header) if self.proxy_header else None,
                environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
                environ.get("HTTP_X_FORWARDED_HOST") if self.forwarded_host else None)
        headers = self.learned.get(kind)
        if headers is None:
            return self._learn(kind, environ, start_response)
        body = self._answer(key, point)
        if body is None:
            return self.django(environ, start_response)
        start_response("200 OK", headers + [("Content-Length", str(len(body)))])
        return [body]

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

    def _learn(self, kind: tuple, environ, start_response):
        def remember(status, response_headers, exc_info=None):
            cookie = any(name.lower() == "set-cookie" for name, _value in response_headers)
            if status.startswith("200 ") and not cookie and len(self.learned) < MAX_LEARNED:
                self.learned[kind] = [(name, value) for name, value in response_headers if name.lower() != "content-length"]
            return start_response(status, response_headers, exc_info) if exc_info else start_response(status, response_headers)

        return self.django(environ, remember)

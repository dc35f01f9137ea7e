"""The console's polls answered in front of Django once their shared answer is kept:
``GET /dispatch/intake.json`` (every second per seat, 38 % of a day's requests) and
``GET /dispatch/queue.json?…`` (every 5 s), signed in by the session cookie.

Why: the answer itself is shared per scope in Redis (dispatch/poll_cache.py), so what a poll cost
was Django's own work around it — the request object, a dozen middleware, the URL resolver, the
view's decorators — several times the two Redis reads and the session's statements. Here the
request is answered straight from the WSGI environment with Django's rules, each from its one
home: who the session signs in (``gridgov.hotpath.session_user``: the session store, the backend
that signed her in, her password's hash, an active user, no temporary password), whether she runs
the command centre (``accounts.capabilities.can``, as ``require_centre``), the language the locale
middleware would activate (``gridgov.middleware.chosen_language``), the answer's key, freshness
and ETag comparison (``poll_cache.answer_key``, ``kept_answer``, ``not_modified``). The hot path
never computes an answer: it serves one the view computed and kept for exactly this key — the
same scope, filters, language and count of case changes — or leaves the request to the view.

What it leaves to Django, untouched: another method or path; an Authorization header; a query
string on the pulse, or one with a NUL character (Django's 400) or too many fields; any cookie
but the session's, the CSRF cookie in a form Django keeps as it is (one it would replace makes a
Set-Cookie), the language switch's and the standby's read-your-writes cookie (it only routes the
standby's views, and these read nothing there); a session that signs nobody in (logged out,
expired, tampered, a changed password, an inactive user, a temporary password, a secret being
rotated); a user without the console (Django's 403); no kept answer, an answer older than its
interval; Redis or the database failing; a server refusing some user agents
(DISALLOWED_USER_AGENTS is Django's to apply). Django answers those as it always has.

Headers are learned from Django's own answers of each kind (gridgov/hotpath.py): scheme, host,
the poll, the language (it sets Content-Language) and the status — a 200 and a 304 carry
different headers — all but the ETag, which is the answer's.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.core.handlers.wsgi import get_bytes_from_wsgi, get_str_from_wsgi
from django.db import DatabaseError, connection
from django.http import QueryDict, parse_cookie
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH
from django.utils.translation import to_language
from psycopg import Error as PsycopgError
from redis.exceptions import RedisError

from accounts.capabilities import Capability, can
from gridgov.hotpath import HotPath, session_user
from gridgov.middleware import chosen_language, nul_in_query
from gridgov.replica.middleware import WROTE_COOKIE

from . import poll_cache

logger = logging.getLogger(__name__)

# dispatch/urls.py under "dispatch/" (gridgov/urls.py); tests/dispatch/test_console_poll_hotpath.py
# holds the two to the same addresses.
POLL_PATHS = {"/dispatch/intake.json": "intake", "/dispatch/queue.json": "queue"}
_CSRF_CHARS = frozenset(CSRF_ALLOWED_CHARS)
_STATUS = {200: "200 OK", 304: "304 Not Modified"}


def _csrf_cookie_kept(value: str | None) -> bool:
    """Whether Django's CSRF middleware leaves this cookie as it is on a GET (none, or a secret of
    the right length and characters, masked or not): anything else it replaces with a Set-Cookie."""
    if value is None:
        return True
    if settings.CSRF_USE_SESSIONS:
        return False  # then Django ignores the cookie: not one this path knows
    return len(value) in (CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH) and set(value) <= _CSRF_CHARS


class ConsolePollHotPath(HotPath):
    """WSGI middleware: the kept answer when there is one for this request, Django's otherwise."""

    def __init__(self, django_application):
        super().__init__(django_application)
        self.cookie_names = frozenset(
            {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, WROTE_COOKIE}
        )
        self.checks_user_agents = bool(settings.DISALLOWED_USER_AGENTS)

    def __call__(self, environ, start_response):
        poll = POLL_PATHS.get(environ.get("PATH_INFO", ""))
        if (poll is None or environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ
                or self.checks_user_agents):
            return self.django(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        if poll == "intake" and query:
            return self.django(environ, start_response)
        # Read as Django's request reads them (WSGIRequest.COOKIES and .GET).
        cookies = parse_cookie(get_str_from_wsgi(environ, "HTTP_COOKIE", ""))
        if (settings.SESSION_COOKIE_NAME not in cookies or not cookies.keys() <= self.cookie_names
                or not _csrf_cookie_kept(cookies.get(settings.CSRF_COOKIE_NAME))):
            return self.django(environ, start_response)
        try:
            params = QueryDict(get_bytes_from_wsgi(environ, "QUERY_STRING", "")) if poll == "queue" else None
        except TooManyFieldsSent:
            return self.django(environ, start_response)
        if params is not None and nul_in_query(query, params):
            return self.django(environ, start_response)
        language = to_language(chosen_language(cookies))  # what get_language() says once it is active
        kind = (*self.kind(environ), poll, language)
        answer = self._kept(poll, cookies, params, language)
        status = None if answer is None else 304 if poll_cache.not_modified(answer, environ.get("HTTP_IF_NONE_MATCH", "")) else 200
        headers = None if status is None else self.headers(kind, status)
        if headers is None:
            # Django answers (it computes and keeps the answer when there is none); its headers
            # are learned meanwhile, so the seat that asks next is answered here.
            if all(self.headers(kind, code) is not None for code in _STATUS):
                return self.django(environ, start_response)
            return self.learn(kind, environ, start_response, statuses=frozenset(_STATUS), per_answer=frozenset({"etag"}))
        return self.answer(headers + [("ETag", answer.etag)], answer.body if status == 200 else b"", start_response,
                           status=_STATUS[status])

    def _kept(self, poll: str, cookies: dict, params, language: str) -> poll_cache.Answer | None:
        # What Django's request_started signal does for this connection: drop it when it has
        # outlived CONN_MAX_AGE or failed earlier.
        connection.close_if_unusable_or_obsolete()
        try:
            user = session_user(cookies)
            if user is None or not can(user, Capability.RUN_COMMAND_CENTRE):
                return None
            key = poll_cache.answer_key(poll, user, params, language=language)
            return poll_cache.kept_answer(key, poll_cache.interval(poll))
        except (DatabaseError, PsycopgError):
            # Django gets the request with a fresh connection, and answers (or logs) properly.
            logger.warning("console poll hot path: database error; passing the request to Django", exc_info=True)
            connection.close()
            return None
        except RedisError:
            logger.warning("console poll hot path: Redis unavailable; passing the request to Django", exc_info=True)
            return None

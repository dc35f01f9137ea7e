"""What the hot paths in front of Django share (grids/hotpath.py: the point lookup;
incidents/hotpath.py: a patrol's batch of track points; dispatch/hotpath.py: the console's polls).

A hot path answers one exact, frequent request shape straight from the WSGI environment with the
same functions Django's view calls, and passes everything else to Django untouched — a cookie
(session, CSRF and the language switch stay Django's), another method or path, a body of another
shape, anything that would be answered with an error. Django answers those as it always has, with
its messages in the user's language.

Headers are learned, not copied: the first such request of each kind (scheme, forwarded protocol,
host, forwarded host when Django trusts it) is answered by Django, and the headers of its 200
answer — set by every middleware: Content-Security-Policy, HSTS behind TLS, frame, referrer and
language headers — are kept and sent with every later fast answer of that kind. A header added to
the middleware later reaches the hot paths without a change there; a host Django refuses never
gets a 200, so it is never learned and stays refused by Django. Headers that differ answer by
answer (a poll's ETag) are not learned: the hot path sets them itself.

A request signed in by the session cookie is checked by ``session_user``: Django's own rules for
who the session's user is, the one function for every hot path that takes a session.
"""
from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.utils.crypto import constant_time_compare

# Distinct header sets kept at most: (scheme, forwarded protocol, host, forwarded host)
# combinations are few in practice; past this, new combinations are simply served by Django.
MAX_LEARNED = 32


def token_key(environ) -> str | None:
    """The key of ``Authorization: Token <key>``, or None for any other header (Django decides)."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, space, key = header.partition(" ")
    if not space or scheme.lower() != "token" or not key or " " in key:
        return None
    return key


def session_user(cookies: dict):
    """The user the session cookie signs in, as Django's session and authentication middleware
    would find her — or None for anything else (Django then decides, with its messages and its
    cleaning up).

    Django's own pieces, in Django's order: the session from the configured store (a missing,
    expired or tampered session has no user), the user through the backend that signed her in
    (Django's ModelBackend refuses an inactive user), the session's hash of her password compared
    as ``django.contrib.auth.get_user`` does (a password changed since ends the session). Only the
    plain case is answered: a hash that needs a fallback secret (Django cycles the session key)
    goes to Django, and so does a temporary password (accounts.middleware sends her to change it)."""
    key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
        session_hash = session.get(HASH_SESSION_KEY)
    except (KeyError, ValueError, TypeError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return None
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    if getattr(user, "must_change_password", False):
        return None
    return user


class HotPath:
    """WSGI middleware base: ``self.django`` is the application behind; subclasses answer in
    ``__call__`` with ``self.answer`` or pass to ``self.django``."""

    def __init__(self, django_application):
        self.django = django_application
        self.learned: dict[tuple, list[tuple[str, str]]] = {}
        proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        self.proxy_header = proxy[0] if proxy else None
        # Django then checks the forwarded host against ALLOWED_HOSTS: it is part of the kind too.
        self.forwarded_host = getattr(settings, "USE_X_FORWARDED_HOST", False)

    def kind(self, environ) -> tuple:
        return (environ.get("wsgi.url_scheme"), environ.get(self.proxy_header) if self.proxy_header else None,
                environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
                environ.get("HTTP_X_FORWARDED_HOST") if self.forwarded_host else None)

    def headers(self, kind: tuple, status: int = 200) -> list[tuple[str, str]] | None:
        """The headers learned for answers of ``kind`` with ``status``, or None (not learned yet)."""
        return self.learned.get((kind, status))

    def answer(self, headers: list[tuple[str, str]], body: bytes, start_response, status: str = "200 OK"):
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]

    def learn(self, kind: tuple, environ, start_response, *, statuses=frozenset({200}), per_answer=frozenset()):
        """Django answers; the headers of its answer without a cookie, when its status is one of
        ``statuses``, are kept for ``kind`` and that status — all but ``per_answer`` (lower-case
        names of the headers the hot path sets itself) and Content-Length."""
        dropped = {"content-length", *per_answer}

        def remember(status, response_headers, exc_info=None):
            cookie = any(name.lower() == "set-cookie" for name, _value in response_headers)
            code = int(status.split(" ", 1)[0])
            if code in statuses and not cookie and len(self.learned) < MAX_LEARNED:
                self.learned[(kind, code)] = [(name, value) for name, value in response_headers if name.lower() not in dropped]
            return start_response(status, response_headers, exc_info) if exc_info else start_response(status, response_headers)

        return self.django(environ, remember)

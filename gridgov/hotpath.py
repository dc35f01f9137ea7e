"""What the hot paths in front of Django share (grids/hotpath.py: the point lookup;
incidents/hotpath.py: a patrol's batch of track points).

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
gets a 200, so it is never learned and stays refused by Django.
"""
from __future__ import annotations

from django.conf import settings

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

    def answer(self, headers: list[tuple[str, str]], body: bytes, start_response):
        start_response("200 OK", headers + [("Content-Length", str(len(body)))])
        return [body]

    def learn(self, kind: tuple, environ, start_response):
        """Django answers; the headers of its 200 without a cookie are kept for ``kind``."""
        def remember(status, response_headers, exc_info=None):
            cookie = any(name.lower() == "set-cookie" for name, _value in response_headers)
            if status.startswith("200 ") and not cookie and len(self.learned) < MAX_LEARNED:
                self.learned[kind] = [(name, value) for name, value in response_headers if name.lower() != "content-length"]
            return start_response(status, response_headers, exc_info) if exc_info else start_response(status, response_headers)

        return self.django(environ, remember)

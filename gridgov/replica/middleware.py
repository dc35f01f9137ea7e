"""Per request: read from the standby or not; and remember that this browser just wrote.

Read-your-writes: any request of a browser that may write (not GET/HEAD/OPTIONS) sets a cookie that lasts
``GRIDGOV_REPLICA_STICKY_SECONDS``; while it is there every read of that browser (phones included:
the phone page is a browser) goes to the primary, so a report just filed, a case just dispatched
or a boundary just published is seen at once. The cookie carries no secret: forging it only makes
one's own reads come from the primary, deleting it only makes them a moment old.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from . import _reading_from_standby, standby
from .routes import READ_METHODS, STANDBY_VIEWS

WROTE_COOKIE = "gridgov_wrote"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def reads_from_standby(request) -> bool:
    """1. A view of ``routes.STANDBY_VIEWS``, by GET or HEAD; 2. no write by this browser in the
    last moment; 3. the standby answers, streams and is no more than the limit behind."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in STANDBY_VIEWS or request.method not in READ_METHODS:
        return False
    if WROTE_COOKIE in request.COOKIES:
        return False
    return standby.state().serving_reads


class StandbyReadsMiddleware:
    def __init__(self, get_response):
        if not standby.configured():
            raise MiddlewareNotUsed  # one database: the request path is as without this middleware
        self.get_response = get_response

    def __call__(self, request):
        token = _reading_from_standby.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reading_from_standby.reset(token)
        # Only for a browser (the request came with cookies: its CSRF or session cookie). An API
        # client signed in by token sends none and would not send this one back; and an answer
        # that sets a cookie is never learned by the hot paths in front of Django
        # (gridgov/hotpath.py), so with a standby the phones' patrol batches and the point lookups
        # all went through Django.
        if request.method not in _SAFE_METHODS and request.COOKIES:
            response.set_cookie(
                WROTE_COOKIE, "1", max_age=settings.GRIDGOV_REPLICA_STICKY_SECONDS, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if reads_from_standby(request):
            _reading_from_standby.set(True)
        return None

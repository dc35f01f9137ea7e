"""Django's WSGI handler behind a hot path in the tests, counting the requests that reach it: a
hot path's test says which requests it answered itself and which it left to Django."""
from __future__ import annotations

from django.core.wsgi import get_wsgi_application


class CountingDjango:
    def __init__(self):
        self.handler = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)

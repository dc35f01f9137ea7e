"""Helpers for the console polls' hot path (dispatch/hotpath.py): the production WSGI stack — the
hot path in front of Django's own handler, which counts the requests that reach it — and a
console seat's request as the browser sends it (the session and CSRF cookies, perhaps the
language switch's), so what is checked is what a console receives."""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from dispatch.hotpath import ConsolePollHotPath
from tests.counting_django import CountingDjango

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
INTAKE, QUEUE = "/dispatch/intake.json", "/dispatch/queue.json"




def stack() -> tuple[ConsolePollHotPath, CountingDjango]:
    django = CountingDjango()
    return ConsolePollHotPath(django), django


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


def session_of(user) -> str:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def seat_cookie(user=None, *, session: str | None = None, language: str | None = None, csrf: str | None = "new",
                extra: str = "") -> str:
    """The Cookie header of a console seat signed in as ``user`` (or with the ``session`` key)."""
    parts = [f"{settings.SESSION_COOKIE_NAME}={session or session_of(user)}"]
    if csrf is not None:
        parts.append(f"{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string() if csrf == 'new' else csrf}")
    if language is not None:
        parts.append(f"{settings.LANGUAGE_COOKIE_NAME}={language}")
    if extra:
        parts.append(extra)
    return "; ".join(parts)


def poll(app, path: str, cookie: str | None, *, query: str = "", method: str = "GET", etag: str | None = None,
         **extra) -> Answer:
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "HTTP_ACCEPT": "application/json",
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    if etag is not None:
        environ["HTTP_IF_NONE_MATCH"] = etag
    environ.update(extra)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return Answer(answer["status"], answer["headers"], body)


def by_django_and_here(app, django: CountingDjango, path: str, cookie: str | None, **request) -> tuple[Answer, Answer, bool]:
    """The same request answered by Django's handler alone, then by the whole stack; and whether
    Django answered the second too (False: the hot path did)."""
    alone = poll(django.handler, path, cookie, **request)
    before = django.calls
    here = poll(app, path, cookie, **request)
    return alone, here, django.calls > before

"""Error answers in the product's own words: a page for browsers, JSON for the API and Open311.

Django's handlers (``handler400`` … ``handler500`` in gridgov/urls.py) answer with these. Under
DEBUG, Django would show its technical pages instead — a traceback with settings and local
variables, or the list of every URL pattern — to whoever asks; ``DebugErrorPageMiddleware`` keeps
those for signed-in superusers (the developer) and gives everybody else the product's page; the
traceback still goes to the log. (`make run` runs with DEBUG off anyway: scripts/run.sh.)
"""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You may not open this page"),
    404: lambda: _("Page not found"),
    500: lambda: _("Something went wrong on our side"),
}
TEXTS = {
    400: lambda: _("Something in what was sent is not valid. Go back, check the form and try again."),
    403: lambda: _("Your role or jurisdiction does not cover this. Ask your administrator if you think it should."),
    404: lambda: _("There is nothing here, or nothing you may see. Check the address."),
    500: lambda: _("The error was recorded. Try again in a moment; if it happens again, tell the administrators."),
}


def _machine_client(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/open311/")


def error_response(request: HttpRequest, status: int, message: str = "", field: str = "") -> HttpResponse:
    """The error ``status`` as the caller expects it; ``message`` and ``field`` say what was wrong."""
    text = message or str(TEXTS[status]())
    if _machine_client(request):
        if request.path.startswith("/open311/"):
            return JsonResponse([{"code": status, "description": text}], status=status, safe=False)
        body: dict = {"detail": text}
        if field:
            body["errors"] = {field: [text]}
        return JsonResponse(body, status=status)
    try:
        # No request context: the 500 page must render even when the database is down.
        html = loader.get_template(f"{status}.html").render({"title": TITLES[status](), "text": text, "field": field})
    except Exception:  # noqa: BLE001 - the last resort must not fail
        html = f"<h1>{status}</h1>"
    return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500)


class DebugErrorPageMiddleware:
    """Under DEBUG, only a signed-in superuser sees Django's technical error pages.

    Outermost in MIDDLEWARE, so that it sees the technical page of an error raised
    anywhere inside (a view, a middleware, the URL resolver's 404) after Django has logged it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in TITLES and _technical(response) and not _developer(request):
            friendly = error_response(request, response.status_code)
            for header, value in response.items():  # security headers added on the way out
                if header.lower() not in ("content-type", "content-length"):
                    friendly.headers.setdefault(header, value)
            return friendly
        return response


def _developer(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def _technical(response) -> bool:
    # Every technical page of django.views.debug says why it is shown.
    return not getattr(response, "streaming", False) and b"DEBUG = True" in response.content

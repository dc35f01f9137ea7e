from django.conf import settings


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every page: scripts and styles come from our own static files only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", settings.GRIDGOV_CSP)
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self)")
        return response


def chosen_language(cookies) -> str:
    """The language of a request: the switch's cookie when it names one of ours, else Chinese.
    The one rule, for this middleware and for the hot paths that answer in front of Django."""
    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def nul_in_query(query: str, params) -> bool:
    """Whether a query string (raw, and its decoded ``QueryDict``) holds a NUL character: answered
    400 by ``RejectNulCharactersMiddleware``, left to Django by the hot paths."""
    return "%00" in query or "\x00" in query or any("\x00" in value for values in params.lists() for value in values[1])


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language with the switch (its cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many phones and
    office PCs here report English; the product is Chinese first (docs/architecture.md#language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        language = chosen_language(request.COOKIES)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulCharactersMiddleware:
    """A NUL character in the path, the query string or a form field is answered 400 here.

    PostgreSQL text cannot hold NUL, so such a value would otherwise reach a query and fail as a
    500 deep inside whichever view received it (an Open311 description, the hotline's caller, a
    patrol note sent as a form). Django's and DRF's CharField refuse NUL, but views that read
    ``request.POST`` directly do not; JSON bodies are checked by the API's parser
    (gridgov/parsers.py). Files are not form fields: a photo holds NUL bytes by nature.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.translation import gettext as _

        from .errors import error_response

        if "\x00" in request.path or nul_in_query(request.META.get("QUERY_STRING", ""), request.GET):
            return error_response(request, 400, _("The address contains a NUL character, which is not allowed."))
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return error_response(
                        request, 400, _("The field “%(field)s” contains a NUL character, which is not allowed.")
                        % {"field": name.replace("\x00", "")}, field=name.replace("\x00", ""),
                    )
        return self.get_response(request)

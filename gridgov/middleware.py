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


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language with the switch (its cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many phones and
    office PCs here report English; the product is Chinese first (docs/architecture.md#language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
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

        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query or any(
            "\x00" in value for values in request.GET.lists() for value in values[1]
        ):
            return error_response(request, 400, _("The address contains a NUL character, which is not allowed."))
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return error_response(
                        request, 400, _("The field “%(field)s” contains a NUL character, which is not allowed.")
                        % {"field": name.replace("\x00", "")}, field=name.replace("\x00", ""),
                    )
        return self.get_response(request)

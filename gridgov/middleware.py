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
    office PCs here report English; the product is Chinese first (DESIGN.md §8).
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

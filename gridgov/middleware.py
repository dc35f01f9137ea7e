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

"""The project's URLs plus two views that fail, for the error-page tests."""
from django.urls import path

from gridgov.urls import urlpatterns as project_urlpatterns


def page_that_fails(request):
    raise RuntimeError("SECRET-TRACEBACK-MARKER in a page")


def api_that_fails(request):
    raise ZeroDivisionError("SECRET-TRACEBACK-MARKER in the API")


urlpatterns = [
    path("failing/", page_that_fails),
    path("api/v1/failing/", api_that_fails),
    *project_urlpatterns,
]

handler400 = "gridgov.errors.bad_request"
handler403 = "gridgov.errors.permission_denied"
handler404 = "gridgov.errors.page_not_found"
handler500 = "gridgov.errors.server_error"

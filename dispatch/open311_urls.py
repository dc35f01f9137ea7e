"""Open311 GeoReport v2 at /open311/v2/ — include with
``path("open311/v2/", include("dispatch.open311_urls"))`` in gridgov/urls.py."""

from django.urls import re_path

from .open311 import media, views

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FORMAT, views.services, name="open311-services"),
    re_path(r"^services/(?P<service_code>[^/.]+)" + FORMAT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FORMAT, views.requests_view, name="open311-requests"),
    re_path(r"^requests/(?P<service_request_id>[^/.]+)" + FORMAT, views.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + FORMAT, views.token_detail, name="open311-token"),
    # The public copy of a photo a request publishes (not part of the spec; media_url points here).
    re_path(r"^media/(?P<token>[\w:-]+)\.jpg$", media.media, name="open311-media"),
    # Anything else (an unknown path or format, requests.html): the spec's errors[], not HTML.
    re_path(r"^(?P<path>.*)$", views.not_found, name="open311-not-found"),
]

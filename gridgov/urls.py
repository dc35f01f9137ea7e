from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as account_api
from accounts import views as account_views

from . import offline
from .health import healthz

api_v1 = [
    path("auth/token/", account_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/refresh/", account_api.RefreshTokenView.as_view(), name="api-token-refresh"),
    path("auth/token/revoke/", account_api.RevokeTokenView.as_view(), name="api-token-revoke"),
    path("auth/password/", account_api.PasswordChangeView.as_view(), name="api-password"),
    path("", include("grids.api_urls")),
    path("", include("residents.api_urls")),
    path("", include("incidents.api_urls")),
    path("", include("dispatch.api_urls")),
    path("", include("needs.api_urls")),
    path("", include("emergencies.api_urls")),
]

urlpatterns = [
    # The API first: Django tries the patterns in order on every request, and phones (reports,
    # point lookups) and the console's polling are most of the traffic.
    path("api/v1/", include(api_v1)),
    path("", account_views.home, name="home"),
    # At the root, so that the service worker's scope covers every page.
    path("sw.js", offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", offline.manifest, name="web-manifest"),
    path("offline/outbox/", offline.outbox_page, name="offline-outbox"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("map/", include("grids.urls")),
    path("residents/", include("residents.urls")),
    path("incidents/", include("incidents.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("needs/", include("needs.urls")),
    path("emergencies/", include("emergencies.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("open311/v2/", include("dispatch.open311_urls")),
    path("public/needs/", include("needs.public_urls")),
    path("public/", include("dispatch.public_urls")),
    path("healthz", healthz, name="healthz"),
]
# No /media/ route, in development either: photos are sent by views that check scope (gridgov/media.py).

# The product's own error pages (and JSON for the API), never Django's technical ones.
handler400 = "gridgov.errors.bad_request"
handler403 = "gridgov.errors.permission_denied"
handler404 = "gridgov.errors.page_not_found"
handler500 = "gridgov.errors.server_error"

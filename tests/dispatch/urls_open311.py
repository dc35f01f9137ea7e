"""The project's URLs plus Open311 at /open311/v2/, as gridgov/urls.py will include them."""

from django.urls import include, path

from gridgov.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("open311/v2/", include("dispatch.open311_urls"))]

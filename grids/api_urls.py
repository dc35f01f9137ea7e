from django.urls import path, re_path

from . import api

urlpatterns = [
    re_path(r"^areas/lookup/?$", api.LookupView.as_view(), name="area-lookup"),
    path("areas/", api.AreaListView.as_view(), name="area-list"),
    path("areas/<str:code>/", api.AreaDetailView.as_view(), name="area-detail"),
]

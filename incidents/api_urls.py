from django.urls import path

from . import api

urlpatterns = [
    path("incidents/", api.IncidentListView.as_view(), name="incident-list"),
    path("incidents/nearby/", api.NearbyView.as_view(), name="incident-nearby"),
    path("incidents/categories/", api.CategoryListView.as_view(), name="incident-categories"),
    path("incidents/geojson/", api.IncidentGeoJSONView.as_view(), name="incident-geojson"),
    path("incidents/photos/<int:pk>/", api.PhotoView.as_view(), name="incident-photo"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/<str:action>/", api.IncidentActionView.as_view(), name="incident-action"),
    path("patrols/", api.PatrolListView.as_view(), name="patrol-list"),
    path("patrols/coverage/", api.CoverageView.as_view(), name="patrol-coverage"),
    path("patrols/<int:pk>/", api.PatrolDetailView.as_view(), name="patrol-detail"),
    path("patrols/<int:pk>/points/", api.PatrolPointsView.as_view(), name="patrol-points"),
    path("patrols/<int:pk>/checkins/", api.PatrolCheckInView.as_view(), name="patrol-checkins"),
    path("patrols/<int:pk>/end/", api.PatrolEndView.as_view(), name="patrol-end"),
    path("notifications/", api.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", api.NotificationReadView.as_view(), name="notification-read"),
]

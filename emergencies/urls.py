from django.urls import path

from . import map_views, views

app_name = "emergencies"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("declare/", views.declare, name="declare"),
    path("<int:pk>/map/", map_views.map_page, name="map"),
    path("<int:pk>/map/zones.geojson", map_views.map_zones, name="map_zones"),
    path("<int:pk>/map/areas.geojson", map_views.map_areas, name="map_areas"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/outcome/", views.outcome, name="outcome"),
]

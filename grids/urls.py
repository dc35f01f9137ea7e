from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("", views.map_page, name="map"),
]

from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("edit/<str:code>/", views.editor_page, name="editor"),
    path("import/", views.import_page, name="import"),
]

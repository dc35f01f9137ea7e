from django.urls import path

from . import base_layer, cutting_views, views

app_name = "grids"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("base.geojson", base_layer.base_layer_view, name="base_layer"),
    path("edit/<str:code>/", views.editor_page, name="editor"),
    path("import/", views.import_page, name="import"),
    path("cut/", cutting_views.cut_page, name="cut"),
    path("cut/<int:job_id>/", cutting_views.cut_job_page, name="cut_job"),
    path("cut/<int:job_id>/status/", cutting_views.cut_job_status, name="cut_status"),
    path("cut/<int:job_id>/cells/", cutting_views.cut_job_cells, name="cut_cells"),
    path("cut/<int:job_id>/publish/", cutting_views.cut_job_publish, name="cut_publish"),
]

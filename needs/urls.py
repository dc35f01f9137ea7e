from django.urls import path

from . import board_views, hotline, views

app_name = "needs"

urlpatterns = [
    path("", views.work_list, name="list"),
    path("new/", views.new, name="new"),
    path("mine/", views.volunteer_list, name="volunteer"),
    path("department/", views.department_list, name="department"),
    path("overview/", views.overview, name="overview"),
    path("board/", board_views.board_page, name="board"),
    path("board/markers.geojson", board_views.markers, name="markers"),
    path("board/export.xlsx", board_views.export_needs, name="export"),
    path("hotline/", hotline.hotline, name="hotline"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("households/<int:pk>/code/", views.household_code, name="household_code"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/<int:pk>/<slug:decision>/", views.volunteer_decision, name="volunteer_decision"),
]

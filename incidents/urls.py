from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.report_page, name="report"),
    path("hotline/", views.hotline, name="hotline"),
    path("patrol/", views.patrol_page, name="patrol"),
    path("patrols/<int:pk>/", views.patrol_summary_page, name="patrol-summary"),
    path("inbox/", views.inbox, name="inbox"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:pk>/", views.incident_page, name="detail"),
    path("<int:pk>/act/<str:action>/", views.incident_act, name="act"),
]

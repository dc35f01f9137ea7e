from django.urls import path

from . import views

app_name = "emergencies"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("declare/", views.declare, name="declare"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/outcome/", views.outcome, name="outcome"),
]

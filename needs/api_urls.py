from django.urls import path

from . import api

urlpatterns = [
    path("needs/", api.NeedListView.as_view(), name="needs-list"),
    path("needs/<int:pk>/<slug:action>/", api.NeedActView.as_view(), name="needs-act"),
]

"""The public pages at /public/ — include with ``path("public/", include("dispatch.public_urls"))``."""
from django.urls import path

from .public import views

app_name = "public"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("case/<str:token>/", views.case, name="case"),
    path("case/<str:token>/verdict/", views.verdict, name="verdict"),
]

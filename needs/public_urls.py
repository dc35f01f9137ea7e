from django.urls import path

from . import public_views

app_name = "public_needs"

urlpatterns = [
    path("", public_views.open_page, name="open"),
    path("household/", public_views.household_page, name="household"),
    path("household/<int:pk>/received/", public_views.confirm, name="confirm"),
    path("leave/", public_views.leave, name="leave"),
    path("volunteer/", public_views.volunteer_register, name="volunteer"),
]

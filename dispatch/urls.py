from django.urls import path

from . import views, workload_views

app_name = "dispatch"
urlpatterns = [
    path("", views.console, name="console"),
    path("queue.json", views.queue_json, name="queue-json"),
    path("case/<int:pk>/", views.case_page, name="case"),
    path("case/<int:pk>/act/<str:action>/", views.case_act, name="act"),
    path("case/<int:pk>/contact/reveal/", views.contact_reveal, name="contact-reveal"),
    path("inbox/", views.inbox, name="inbox"),
    path("checks/", views.checks, name="checks"),
    path("indicators/", views.indicators_page, name="indicators"),
    path("workload/", workload_views.workload_page, name="workload"),
    path("workload/data.json", workload_views.workload_data, name="workload-data"),
    path("workload/assign/", workload_views.workload_assign, name="workload-assign"),
    path("indicators/export.xlsx", views.indicators_export, name="indicators-export"),
]

from django.urls import path

from . import indicator_views, views, workload_views

app_name = "dispatch"
urlpatterns = [
    path("", views.console, name="console"),
    path("queue.json", views.queue_json, name="queue-json"),
    path("intake.json", views.intake_json, name="intake-json"),
    path("case/<int:pk>/", views.case_page, name="case"),
    path("case/<int:pk>/act/<str:action>/", views.case_act, name="act"),
    path("case/<int:pk>/contact/reveal/", views.contact_reveal, name="contact-reveal"),
    path("inbox/", views.inbox, name="inbox"),
    path("checks/", views.checks, name="checks"),
    path("indicators/", indicator_views.indicators_page, name="indicators"),
    path("indicators/export.xlsx", indicator_views.indicators_export, name="indicators-export"),
    path("workload/", workload_views.workload_page, name="workload"),
    path("workload/data.json", workload_views.workload_data, name="workload-data"),
    path("workload/assign/", workload_views.workload_assign, name="workload-assign"),
]

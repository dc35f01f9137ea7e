from django.urls import path

from . import api

urlpatterns = [
    path("dispatch/queue/", api.QueueView.as_view(), name="dispatch-queue"),
    path("dispatch/heat/", api.HeatView.as_view(), name="dispatch-heat"),
    path("dispatch/inbox/", api.InboxView.as_view(), name="dispatch-inbox"),
    path("dispatch/defaults/", api.DefaultsView.as_view(), name="dispatch-defaults"),
    path("dispatch/incidents/<int:pk>/", api.CaseView.as_view(), name="dispatch-case"),
    path("dispatch/incidents/<int:pk>/<str:action>/", api.CaseActionView.as_view(), name="dispatch-case-action"),
    path("dispatch/incidents/<int:pk>/contact/reveal/", api.ContactRevealView.as_view(), name="dispatch-case-contact-reveal"),
    path("indicators/", api.IndicatorsView.as_view(), name="indicators"),
]

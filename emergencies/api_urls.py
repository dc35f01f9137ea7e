from django.urls import path

from . import api

urlpatterns = [
    path("emergencies/", api.EmergencyListView.as_view(), name="emergency-list"),
    path("emergencies/<int:pk>/", api.EmergencyDetailView.as_view(), name="emergency-detail"),
    path("emergencies/<int:pk>/end/", api.EmergencyEndView.as_view(), name="emergency-end"),
    path("emergencies/zones/<int:pk>/campaigns/", api.CampaignIssueView.as_view(), name="emergency-zone-campaigns"),
    path("emergencies/campaigns/<int:pk>/progress/", api.CampaignProgressView.as_view(), name="emergency-campaign-progress"),
    path("emergencies/campaigns/<int:pk>/export.xlsx", api.CampaignExportView.as_view(), name="emergency-campaign-export"),
    path("emergencies/campaigns/<int:pk>/hand/", api.CampaignHandView.as_view(), name="emergency-campaign-hand"),
    path("emergencies/tasks/", api.MyTasksView.as_view(), name="emergency-tasks"),
    path("emergencies/tasks/<int:pk>/outcome/", api.TaskOutcomeView.as_view(), name="emergency-task-outcome"),
]

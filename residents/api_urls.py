from django.urls import path

from . import api

urlpatterns = [
    path("residents/persons/", api.PersonListView.as_view(), name="residents-person-list"),
    path("residents/persons/search/", api.PersonSearchView.as_view(), name="residents-person-search"),
    path("residents/persons/<int:pk>/", api.PersonDetailView.as_view(), name="residents-person-detail"),
    path("residents/persons/<int:pk>/reveal/", api.PersonRevealView.as_view(), name="residents-person-reveal"),
    path("residents/buildings/", api.BuildingListView.as_view(), name="residents-building-list"),
    path("residents/buildings/<int:pk>/", api.BuildingDetailView.as_view(), name="residents-building-detail"),
    path("residents/households/", api.HouseholdListView.as_view(), name="residents-household-list"),
    path("residents/households/<int:pk>/", api.HouseholdDetailView.as_view(), name="residents-household-detail"),
    path("residents/households/<int:pk>/visits/", api.HouseholdVisitsView.as_view(), name="residents-household-visits"),
    path("residents/visits/due/", api.DueVisitsView.as_view(), name="residents-visits-due"),
    path("residents/statistics/<str:code>/", api.StatisticsView.as_view(), name="residents-statistics"),
    path("residents/tags/", api.CareTagListView.as_view(), name="residents-tags"),
]

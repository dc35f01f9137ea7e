from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.index, name="index"),
    path("cells/<str:code>/", views.cell_detail, name="cell"),
    path("cells/<str:code>/buildings/new/", views.building_new, name="building_new"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("buildings/<int:pk>/households/new/", views.household_new, name="household_new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/visit/", views.household_visit, name="household_visit"),
    path("households/<int:household_pk>/people/new/", views.person_new, name="person_new"),
    path("visits/due/", views.due_list, name="due"),
    path("people/", views.person_list, name="persons"),
    path("people/export.xlsx", views.export, name="export"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/tags/", views.person_tag, name="person_tag"),
    path("people/<int:pk>/status/", views.person_status, name="person_status"),
    path("areas/", views.statistics, name="statistics"),
    path("areas/<str:code>/", views.statistics, name="area"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status/", views.import_status, name="import_status"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("audit/", views.audit_log, name="audit"),
]

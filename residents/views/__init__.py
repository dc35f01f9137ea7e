"""Resident pages, by subject: places (cells → buildings → households, visits), people (search,
records, reveal), transfers (import, export), figures (statistics, the reveal audit log).

Every queryset goes through ``accounts.scope.scoped``; a record outside the user's scope is 404.
Every write calls ``residents.actions``.
"""
from .figures import audit_log, statistics
from .people import person_detail, person_edit, person_list, person_new, person_reveal, person_status, person_tag
from .places import building_detail, building_new, cell_detail, due_list, household_detail, household_new, household_visit, index
from .transfers import export, import_confirm, import_job, import_page, import_status, import_template

__all__ = [
    "audit_log", "building_detail", "building_new", "cell_detail", "due_list", "export", "household_detail",
    "household_new", "household_visit", "import_confirm", "import_job", "import_page", "import_status",
    "import_template", "index", "person_detail", "person_edit", "person_list", "person_new", "person_reveal",
    "person_status", "person_tag", "statistics",
]

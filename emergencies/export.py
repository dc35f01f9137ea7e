"""A campaign's progress as a workbook: per community, per grid cell, the care-tagged residents not
reached yet (masked unless the reader may see their names) and the load per worker. Every row goes
through gridgov.spreadsheet.safe_row (no cell runs as a formula)."""
from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.spreadsheet import safe_row
from grids.models import Level

from . import queries
from .health import COUNTER_COLUMNS, QUESTIONS
from .models import Campaign

_FIGURES = ("total", "reached", "care_total", "care_reached", "nobody_home", "needs_help", "overdue", *COUNTER_COLUMNS)


def _figure_headers() -> list[str]:
    return [_("Tasks"), _("Reached"), _("Care-tagged"), _("Care-tagged reached"), _("Nobody home"), _("Needs help"), _("Overdue"),
            *(str(QUESTIONS[column]) for column in COUNTER_COLUMNS)]


def progress_workbook(user, campaign: Campaign) -> bytes:
    workbook = Workbook(write_only=True)
    for level, title in ((Level.COMMUNITY, _("Communities")), (Level.GRID, _("Grid cells"))):
        sheet = workbook.create_sheet(title)
        sheet.append(safe_row([_("Code"), _("Area name"), *_figure_headers()]))
        for row in queries.rollup(user, campaign, level):
            sheet.append(safe_row([row["code"], row["name"], *(row[f] for f in _FIGURES)]))
    sheet = workbook.create_sheet(_("Care-tagged not reached"))
    sheet.append(safe_row([_("Grid cell"), _("Address"), _("Room"), _("Name"), _("Deadline"), _("Outcome"), _("Level")]))
    for row in queries.care_not_reached(user, campaign, limit=100_000):
        deadline = timezone.localtime(row["deadline"]).replace(tzinfo=None)
        sheet.append(safe_row([row["cell"], row["address"], row["room"], row["name"], deadline, row["outcome"], row["level"]]))
    sheet = workbook.create_sheet(_("Load"))
    sheet.append(safe_row([_("Grid worker"), _("Volunteer"), _("Open"), _("Tasks")]))
    for row in queries.load(user, campaign):
        sheet.append(safe_row([row["worker"], row["volunteer"], row["open"], row["total"]]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

"""The needs board as a workbook for the night meeting: the figures by kind and urgency, then one
row per need as the reader sees it (a leader: no address, no description, like on screen; a hotline
caller's number masked, and only for those who work the need, as the household's phone beside it).
Every row goes through gridgov.spreadsheet.safe_row: a description typed as ``=HYPERLINK(…)``
stays text."""
from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.spreadsheet import safe_row
from incidents.models import Urgency

from . import board, queries


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def needs_workbook(user, filters: board.Filters) -> bytes:
    listed = board.needs(user, filters)
    urgencies = dict(Urgency.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Figures"))
    sheet.append(safe_row([_("Kind"), _("Urgency"), _("Unsettled"), _("Overdue"), _("Delivered, awaiting confirmation")]))
    for row in board.counts(listed):
        urgency = str(urgencies.get(row["urgency"], row["urgency"]))
        sheet.append(safe_row([row["kind"].label, urgency, row["total"], row["overdue"], row["delivered"]]))
    sheet = workbook.create_sheet(_("Needs"))
    sheet.append(safe_row([_("Number"), _("Kind"), _("Urgency"), _("Status"), _("Overdue"), _("Level"), _("Grid cell"),
                           _("Address"), _("Phone"), _("Description"), _("Source"), _("Recorded at"), _("Deadline"),
                           # Last: the columns before it keep their places for those who read the workbook by column.
                           _("Caller's phone")]))
    now = timezone.now()
    for need in listed[:board.EXPORT_LIMIT]:
        row = queries.row(need, user, now)
        overdue = need.running and need.deadline is not None and need.deadline < now
        sheet.append(safe_row([
            need.pk, need.kind.label, need.get_urgency_display(), need.get_status_display(), _("yes") if overdue else "",
            need.get_level_display(), need.cell.code if need.cell_id else "", row.address, row.phone, row.description,
            need.get_source_display(), _local(need.created_at), _local(need.deadline), row.caller_phone,
        ]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

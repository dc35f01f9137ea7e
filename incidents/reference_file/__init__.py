"""Categories (major and minor classes) and departments imported from a spreadsheet, each with its
Chinese and English name: all rows or none, with a report per row and column, as the roster.

- ``columns``: the file format (headers, the words of the kind column);
- ``checking``: each row, rows against each other and against the database;
- ``writing``: the checked rows through the two apps' actions (``accounts.actions.save_departments``,
  ``incidents.actions.reference.save_categories``), in one transaction;
- ``template``: the blank template.

The import stands on the skeleton every sheet import shares (``gridgov.spreadsheet``). Rows are matched by
code: a known code gets the names (and "in use") of its row, a new code is added; nothing is deleted.
"""
from .checking import MAX_ROWS, may_import, validate_reference
from .columns import COLUMNS
from .plan import ReferencePlan, ReferenceRejected
from .template import template_workbook
from .writing import import_reference

__all__ = ["COLUMNS", "MAX_ROWS", "ReferencePlan", "ReferenceRejected", "import_reference", "may_import", "template_workbook",
           "validate_reference"]

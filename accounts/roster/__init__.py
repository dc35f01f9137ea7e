"""The roster: users (grid workers, community and street staff, department handlers, dispatchers)
imported from a spreadsheet, all rows or none, with a report per row and column.

- ``columns``: the file format (headers, role words);
- ``plan``: what checking produces (every error, the people to write);
- ``checking``: each row, rows against each other, rows against the database and the importer's jurisdiction;
- ``writing``: the users in one statement, one-time passwords, the cells through ``accounts.actions.cover_cells``;
- ``template``: the blank template.

The import stands on the skeleton every sheet import shares (``gridgov.spreadsheet``): the table of
columns, the header, the row checker, the report, all rows or none, the command.
"""
from .checking import validate_roster
from .columns import COLUMNS
from .plan import Imported, Plan, RosterRejected, RowError
from .template import template_workbook
from .writing import import_roster, write_roster

__all__ = ["COLUMNS", "Imported", "Plan", "RosterRejected", "RowError", "import_roster", "template_workbook", "validate_roster", "write_roster"]

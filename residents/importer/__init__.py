"""Reading, checking and writing the residents spreadsheet (.xlsx or CSV), one person per row.

Validation reads the whole file and reports *every* problem before anything is written;
``write_plan`` then writes the whole file with COPY inside the caller's transaction. One module
per step, all importable from here:

- ``columns``: the file format (headers, choice words), shared by the template and exports;
- ``reading``: the shared reader and header mapping (``gridgov.spreadsheet``) on this file's columns;
- ``plan``: what checking produces (every error, and what to write);
- ``checking``: each row on its own, rows against each other, rows against the database;
- ``writing``: COPY of buildings, dwellings, households, people, tags and history;
- ``template``: the blank template and export rows;
- ``jobs``: an uploaded file's check and import as the worker runs them (``residents.tasks``).

The importer uses the same rules as the acts (``residents.person_input``, ``residents.cells``,
``residents.privacy``) and imports nothing from ``residents.actions``.
"""
from .checking import validate_file
from .columns import COLUMN_BY_KEY, COLUMNS, Column, gender_word, id_type_word, relation_word, resident_type_word, use_word
from .jobs import check_import_job, import_file, run_import_job
from .plan import ImportRejected, Plan, Progress, Row, RowError
from .reading import FileRejected, map_header, read_table
from .template import export_rows, template_workbook
from .writing import write_plan

__all__ = [
    "COLUMNS", "COLUMN_BY_KEY", "Column", "FileRejected", "ImportRejected", "Plan", "Progress", "Row", "RowError",
    "check_import_job", "export_rows", "gender_word", "id_type_word", "import_file", "map_header", "read_table",
    "relation_word", "resident_type_word", "run_import_job", "template_workbook", "use_word", "validate_file", "write_plan",
]

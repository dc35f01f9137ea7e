"""Every write to resident records goes through a function here, one per act.

Views, serializers, the admin and management commands call these; none of them saves a resident
model itself. Each act writes its ChangeHistory row in the same transaction, with identifiers
only in masked form. The acts live in one module per subject and are all importable from here:

- ``buildings``: register or change a building; buildings, households and people follow a redraw;
- ``households``: dwellings, households and their head;
- ``people``: people, moving out and deceased, care tags;
- ``visits``: a grid worker's household visit;
- ``reveal``: full identifiers, with a reason and an audit record;
- ``keys``: re-encryption under a new key;
- ``imports``: uploading a spreadsheet and confirming its import (the worker's part is
  ``residents.importer.jobs``, started through ``residents.tasks``).

Imports run one way: actions → tasks → importer → person_input, cells, privacy, models.
"""
# PersonInput is what create_person and update_person take: re-exported so a caller of the acts needs one import.
from ..person_input import PersonInput
from .buildings import (
    apply_redraw_building_moves,
    apply_redraw_follow_building,
    create_building,
    relocate_buildings_to_current_cells,
    sync_cells_from_buildings,
    update_building,
)
from .households import create_dwelling, create_household, register_household, set_household_head
from .imports import MAX_IMPORT_BYTES, create_import_job, queue_import
from .keys import rotate_keys
from .people import (
    add_person_tag,
    create_person,
    ensure_default_care_tags,
    id_number_taken,
    mark_person_deceased,
    move_person_out,
    remove_person_tag,
    update_person,
)
from .reveal import MIN_REASON_LENGTH, Revealed, reveal_many, reveal_person_field
from .visits import record_visit

__all__ = [
    "MAX_IMPORT_BYTES", "MIN_REASON_LENGTH", "PersonInput", "Revealed",
    "add_person_tag", "apply_redraw_building_moves", "apply_redraw_follow_building", "create_building",
    "create_dwelling", "create_household", "create_import_job", "create_person", "ensure_default_care_tags",
    "id_number_taken", "mark_person_deceased", "move_person_out", "queue_import", "record_visit",
    "register_household", "relocate_buildings_to_current_cells", "remove_person_tag", "reveal_many",
    "reveal_person_field", "rotate_keys", "set_household_head", "sync_cells_from_buildings", "update_building",
    "update_person",
]

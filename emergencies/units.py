"""What a campaign's unit means, once: the rows a zone yields per household, building or person.

Each query yields (cell_id, building_id, household_id, person_id, unit, floor, room, care) for the
units whose building stands inside the zone; ``care`` is true when a present resident of the unit
carries an active care tag. The zone counts (emergencies.queries) and the generation of tasks
(emergencies.actions.campaigns) read the same queries, so a zone's count is its campaign's size.
"""
from __future__ import annotations

from .models import Unit

_CARE_OF_PERSON = (
    "EXISTS (SELECT 1 FROM residents_persontag pt JOIN residents_caretag ct ON ct.id = pt.tag_id AND ct.active "
    "WHERE pt.person_id = {person})"
)
_PRESENT = "NOT p.moved_out AND NOT p.deceased"

UNIT_ROWS: dict[str, str] = {
    Unit.HOUSEHOLD: f"""
        SELECT h.cell_id, b.id AS building_id, h.id AS household_id, NULL::bigint AS person_id,
               d.unit, d.floor, d.room,
               EXISTS (SELECT 1 FROM residents_person p JOIN residents_persontag pt ON pt.person_id = p.id
                       JOIN residents_caretag ct ON ct.id = pt.tag_id AND ct.active
                       WHERE p.household_id = h.id AND {_PRESENT}) AS care
        FROM emergencies_zone z
        JOIN residents_building b ON ST_Covers(z.geometry, b.location)
        JOIN residents_dwelling d ON d.building_id = b.id
        JOIN residents_household h ON h.dwelling_id = d.id
        WHERE z.id = %(zone)s""",
    Unit.BUILDING: f"""
        SELECT b.cell_id, b.id AS building_id, NULL::bigint AS household_id, NULL::bigint AS person_id,
               '' AS unit, NULL::smallint AS floor, '' AS room,
               EXISTS (SELECT 1 FROM residents_dwelling d JOIN residents_household h ON h.dwelling_id = d.id
                       JOIN residents_person p ON p.household_id = h.id JOIN residents_persontag pt ON pt.person_id = p.id
                       JOIN residents_caretag ct ON ct.id = pt.tag_id AND ct.active
                       WHERE d.building_id = b.id AND {_PRESENT}) AS care
        FROM emergencies_zone z
        JOIN residents_building b ON ST_Covers(z.geometry, b.location)
        WHERE z.id = %(zone)s""",
    Unit.PERSON: f"""
        SELECT p.cell_id, b.id AS building_id, h.id AS household_id, p.id AS person_id,
               d.unit, d.floor, d.room, {_CARE_OF_PERSON.format(person="p.id")} AS care
        FROM emergencies_zone z
        JOIN residents_building b ON ST_Covers(z.geometry, b.location)
        JOIN residents_dwelling d ON d.building_id = b.id
        JOIN residents_household h ON h.dwelling_id = d.id
        JOIN residents_person p ON p.household_id = h.id AND {_PRESENT}
        WHERE z.id = %(zone)s""",
}

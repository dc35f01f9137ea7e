"""Writing a checked file: COPY inside the caller's transaction, ids reserved beforehand."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Iterable

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from .. import privacy
from ..models import Building, ChangeHistory, Dwelling, Household, Person, PersonTag, Relation
from .plan import Plan, Progress, Row

BATCH = 5000


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One field in PostgreSQL's COPY text format (the common types first: this runs for every cell written)."""
    kind = type(value)
    if kind is str:
        # Four substring scans are far cheaper than translate() on the clean values that are the rule.
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if kind is int:
        return str(value)
    if value is None:
        return r"\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Point):
        return f"SRID=4326;POINT({value.x} {value.y})"
    if isinstance(value, (list, tuple)):
        return "{" + ",".join(value) + "}"  # arrays of hex digests only
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value).translate(_COPY_ESCAPES)


class _Copier:
    """Bulk insert through COPY with ids reserved from the table's sequence beforehand.

    Reserving ids lets a household name its head and a person its household before either row
    exists (the foreign keys are checked at commit), so a 100,000-row file is written in a few
    COPY statements instead of hundreds of INSERTs and an UPDATE of every household.
    """

    def __init__(self, cursor):
        self.cursor = cursor

    def reserve(self, model, count: int) -> list[int]:
        if not count:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [model._meta.db_table, count]
        )
        return [row[0] for row in self.cursor.fetchall()]

    def copy(self, model, columns: list[str], rows: Iterable[list[Any]], progress: Callable[[int], None] | None = None) -> int:
        written = 0
        lines: list[str] = []
        with self.cursor.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                lines.append("\t".join(map(_copy_value, row)))
                written += 1
                if len(lines) == 1000:
                    copy.write("\n".join(lines) + "\n")
                    lines.clear()
                if progress and written % BATCH == 0:
                    progress(written)
            if lines:
                copy.write("\n".join(lines) + "\n")
        return written


def write_plan(plan: Plan, *, actor, progress: Progress | None = None, job_id: int | None = None) -> dict[str, int]:
    """Insert everything a checked plan holds. Runs inside the caller's transaction (all or nothing).

    1. Reserve ids for the new buildings, dwellings, households and people.
    2. Encrypt and hash every person's identifiers (the slow part: progress "encrypt").
    3. COPY buildings, dwellings, households (with their heads), people (progress "write"),
       their care tags and one history row per new record.
    """
    now = timezone.now().isoformat()  # the same moment on every row, formatted once
    who_id = actor.pk if actor is not None and actor.is_authenticated else None
    history = _HistoryRows(now, who_id, {"import": job_id} if job_id else {})
    with connection.cursor() as cursor:
        copier = _Copier(cursor)
        building_id, building_cell, new_buildings = _write_buildings(copier, plan, history, now)
        dwelling_id, new_dwellings = _write_dwellings(copier, plan, building_id)
        # People's ids first, so that each new household can name its head as it is written.
        person_ids = copier.reserve(Person, len(plan.rows))
        household_id, household_cell, new_households = _write_households(
            copier, plan, person_ids, dwelling_id, building_cell, history, now
        )
        _write_people(copier, plan, person_ids, household_id, household_cell, history, now, progress)
        tags = [[pk, tag.pk, who_id, now, ""] for row, pk in zip(plan.rows, person_ids) for tag in row.tags]
        copier.copy(PersonTag, ["person_id", "tag_id", "added_by_id", "added_at", "note"], tags)
        copier.copy(ChangeHistory, ["at", "actor_id", "model", "object_id", "person_id", "household_id", "cell_id", "action", "changes",
                                    "sensitive"], history.rows)
    return {
        "people": len(plan.rows), "new_buildings": new_buildings, "new_dwellings": new_dwellings,
        "new_households": new_households, "tags": len(tags),
    }


class _HistoryRows:
    """The history rows of an import, one per new record, COPYed last."""

    def __init__(self, now: str, who_id: int | None, note: dict[str, Any]):
        self.now, self.who_id, self.note = now, who_id, note
        self.rows: list[list[Any]] = []

    def log(self, model: str, object_id: int, cell_id: int, changes: dict, *, person_id=None, household_id=None) -> None:
        self.rows.append([self.now, self.who_id, model, object_id, person_id, household_id, cell_id, "import",
                          {**self.note, **changes}, False])


def _write_buildings(copier: _Copier, plan: Plan, history: _HistoryRows, now: str) -> tuple[dict[str, int], dict[str, int], int]:
    """Existing buildings by code, new ones with reserved ids: ({code: id}, {code: cell id}, how many new)."""
    building_cell = {code: b.cell_id for code, b in plan.buildings.items()}
    building_id = {code: b.pk for code, b in plan.buildings.items()}
    new_buildings = list(plan.new_buildings.items())
    for (code, (_address, _point, cell)), pk in zip(new_buildings, copier.reserve(Building, len(new_buildings))):
        building_id[code], building_cell[code] = pk, cell.pk
        history.log("building", pk, cell.pk, {"code": [None, code]})
    copier.copy(Building, ["id", "code", "address", "location", "cell_id", "property_manager", "created_at", "updated_at"],
                ([building_id[code], code, address, point, cell.pk, "", now, now] for code, (address, point, cell) in new_buildings))
    return building_id, building_cell, len(new_buildings)


def _write_dwellings(copier: _Copier, plan: Plan, building_id: dict[str, int]) -> tuple[dict[tuple[str, str, str], int], int]:
    """One dwelling per (building, unit, room) not yet registered: ({key: id} of all, how many new)."""
    dwelling_id = dict(plan.dwellings)
    wanted: dict[tuple[str, str, str], Row] = {}
    for row in plan.rows:
        key = (row.building_code, row.unit, row.room)
        if key not in dwelling_id:
            wanted.setdefault(key, row)
    for key, pk in zip(wanted, copier.reserve(Dwelling, len(wanted))):
        dwelling_id[key] = pk
    copier.copy(Dwelling, ["id", "building_id", "unit", "floor", "room", "use"],
                ([dwelling_id[key], building_id[key[0]], key[1], row.floor, key[2], row.use] for key, row in wanted.items()))
    return dwelling_id, len(wanted)


def _write_households(copier: _Copier, plan: Plan, person_ids: list[int], dwelling_id: dict[tuple[str, str, str], int],
                      building_cell: dict[str, int], history: _HistoryRows, now: str) -> tuple[dict[str, int], dict[str, int], int]:
    """New households with their heads (people's ids are reserved already); existing ones gain a head named in the file.

    Returns ({number: id}, {number: cell id}, how many new).
    """
    household_id = {number: h.pk for number, h in plan.households.items()}
    household_cell = {number: h.cell_id for number, h in plan.households.items()}
    new_households: dict[str, Row] = {}
    heads: dict[str, int] = {}
    for row, pk in zip(plan.rows, person_ids):
        if row.household_number not in household_id:
            new_households.setdefault(row.household_number, row)
        if row.person.relation_to_head == Relation.HEAD:
            heads[row.household_number] = pk
    for (number, row), pk in zip(new_households.items(), copier.reserve(Household, len(new_households))):
        household_id[number], household_cell[number] = pk, building_cell[row.building_code]
        history.log("household", pk, household_cell[number], {"number": [None, number]}, household_id=pk)
    copier.copy(Household, ["id", "number", "dwelling_id", "head_id", "cell_id", "created_at"],
                ([household_id[number], number, dwelling_id[(row.building_code, row.unit, row.room)], heads.get(number),
                  household_cell[number], now] for number, row in new_households.items()))
    # Existing households that gain their head in this file.
    for number, household in plan.households.items():
        if number in heads:
            Household.objects.filter(pk=household.pk, head__isnull=True).update(head_id=heads[number])
    return household_id, household_cell, len(new_households)


def _write_people(copier: _Copier, plan: Plan, person_ids: list[int], household_id: dict[str, int],
                  household_cell: dict[str, int], history: _HistoryRows, now: str, progress: Progress | None) -> None:
    """Every person, identifiers sealed (progress "encrypt"), then one COPY (progress "write")."""
    total = len(plan.rows)
    person_rows: list[list[Any]] = []
    for done, (row, pk) in enumerate(zip(plan.rows, person_ids), start=1):
        data = row.person
        sealed = privacy.sealed_identifiers(data.id_number, data.phones)
        number = row.household_number
        person_rows.append([
            pk, data.name, data.gender, data.birth_date, data.ethnicity, data.id_type, sealed["id_number_enc"],
            sealed["id_number_hash"], sealed["id_last4"], sealed["id_number_masked"], sealed["phones_enc"],
            sealed["phone_hashes"], sealed["phones_masked"], sealed["key_id"], data.registered_address, data.current_address,
            data.resident_type, household_id[number], data.relation_to_head, household_cell[number], False, None, False, None,
            now, now,
        ])
        history.log("person", pk, household_cell[number], {"name": [None, data.name], "id_number": [None, sealed["id_number_masked"]]},
                    person_id=pk, household_id=household_id[number])
        if progress and (done % BATCH == 0 or done == total):
            progress("encrypt", done, total)
    copier.copy(
        Person,
        ["id", "name", "gender", "birth_date", "ethnicity", "id_type", "id_number_enc", "id_number_hash", "id_last4",
         "id_number_masked", "phones_enc", "phone_hashes", "phones_masked", "key_id", "registered_address", "current_address",
         "resident_type", "household_id", "relation_to_head", "cell_id", "moved_out", "moved_out_on", "deceased", "deceased_on",
         "created_at", "updated_at"],
        person_rows,
        progress=(lambda written: progress("write", written, total)) if progress else None,
    )
    if progress:
        progress("write", total, total)

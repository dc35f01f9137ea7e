"""Creating areas: a batch of one tier, all or nothing, as one revision; the lookup fragments."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Area, Revision
from ..validation import (
    AreaValidationError,
    Problem,
    as_multipolygon,
    check_cell_sizes,
    check_code,
    check_coverage,
    check_geometry,
    check_sibling_overlaps,
    check_within_parents,
)

FRAGMENT_MAX_VERTICES = 64


@dataclass
class AreaSpec:
    code: str
    name: str
    level: str
    boundary: GEOSGeometry | None
    parent: Area | None = None
    feature_index: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreateResult:
    areas: list[Area]
    warnings: list[Problem]


def _locate(problems: list[Problem], spec: AreaSpec) -> list[Problem]:
    for problem in problems:
        problem.feature_index = spec.feature_index
        problem.properties = spec.properties
        problem.code = problem.code or spec.code
    return problems


def next_revision_number() -> int:
    last = Revision.objects.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def start_revision(*, reason: str, actor=None, scope: Area | None = None) -> Revision:
    if not reason or not reason.strip():
        raise AreaValidationError([Problem("reason", _("A revision needs a reason."))])
    return Revision.objects.create(number=next_revision_number(), reason=reason.strip(), published_by=actor, scope=scope)


def refresh_fragments(area_ids: Sequence[int]) -> None:
    """Re-cut the lookup fragments of these areas; retired areas keep none."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM grids_areafragment WHERE area_id = ANY(%s)", [list(area_ids)])
        cursor.execute(
            """
            INSERT INTO grids_areafragment (area_id, level, geom)
            SELECT id, level, ST_Subdivide(boundary, %s) FROM grids_area
            WHERE id = ANY(%s) AND valid_to IS NULL
            """,
            [FRAGMENT_MAX_VERTICES, list(area_ids)],
        )


def _static_problems(specs: Sequence[AreaSpec]) -> list[Problem]:
    problems: list[Problem] = []
    for spec in specs:
        problems += _locate(check_code(spec.code, spec.level, spec.parent), spec)
        problems += _locate(check_geometry(spec.boundary, spec.code), spec)
        if not spec.name or not spec.name.strip():
            problems += _locate([Problem("name", _("The area has no name."))], spec)
    counts = Counter(spec.code for spec in specs)
    for spec in specs:
        if counts[spec.code] > 1:
            problems += _locate([Problem("duplicate", _("Code %(code)s appears more than once.") % {"code": spec.code})], spec)
    taken = set(Area.objects.current().filter(code__in=list(counts)).values_list("code", flat=True))
    for spec in specs:
        if spec.code in taken:
            problems += _locate([Problem("duplicate", _("Code %(code)s is already in use.") % {"code": spec.code})], spec)
    return problems


@transaction.atomic
def create_areas(
    specs: Sequence[AreaSpec],
    *,
    revision: Revision | None = None,
    require_coverage: bool = False,
    valid_from=None,
) -> CreateResult:
    """Create a batch of areas of one tier, all or nothing.

    1. Check codes, names and shapes in Python; stop before writing if any is wrong.
    2. Insert the batch and compute each area in m² on geography.
    3. Run the set-based PostGIS checks on the inserted rows: inside the parent, no overlap with
       a current sibling, and — when the batch is a parent's full set of children — no gap.
    4. Any error raises AreaValidationError, which rolls the whole batch back.
    5. Cut the lookup fragments of the new areas.
    """
    problems = _static_problems(specs)
    if any(p.is_error for p in problems):
        raise AreaValidationError(problems)
    # A redraw passes the instant it retired the old areas, so that no moment falls between two
    # generations (Area.objects.as_of).
    now = valid_from or timezone.now()
    areas = Area.objects.bulk_create(
        [
            Area(
                code=spec.code,
                name=spec.name.strip(),
                level=spec.level,
                parent=spec.parent,
                boundary=as_multipolygon(spec.boundary),
                area_m2=0,
                valid_from=now,
                revision=revision,
            )
            for spec in specs
        ]
    )
    ids = [area.id for area in areas]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE grids_area SET area_m2 = ST_Area(boundary::geography) WHERE id = ANY(%s) RETURNING id, area_m2",
            [ids],
        )
        area_by_id = dict(cursor.fetchall())
    for area in areas:
        area.area_m2 = area_by_id[area.id]

    by_code = {spec.code: spec for spec in specs}
    problems = check_within_parents(ids) + check_sibling_overlaps(ids)
    if require_coverage:
        parent_ids = sorted({spec.parent.id for spec in specs if spec.parent is not None})
        problems += check_coverage(parent_ids)
    for problem in problems:
        spec = by_code.get(problem.code or "")
        if spec is not None:
            _locate([problem], spec)
    if any(p.is_error for p in problems):
        raise AreaValidationError(problems)
    refresh_fragments(ids)
    warnings = check_cell_sizes(ids)
    for warning in warnings:
        _locate([warning], by_code[warning.code])
    return CreateResult(areas=areas, warnings=warnings)


def create_area(
    *, code: str, name: str, level: str, boundary: GEOSGeometry, parent: Area | None = None, revision: Revision | None = None
) -> Area:
    """One area; the same rules as a batch."""
    result = create_areas([AreaSpec(code=code, name=name, level=level, boundary=boundary, parent=parent)], revision=revision)
    return result.areas[0]


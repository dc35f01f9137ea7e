"""Import boundaries from GeoJSON or a Shapefile (through GDAL), validated like the editor.

One function serves the management command and the browser upload. Every problem names the
feature (its index in the file and its properties); nothing is written when any error is found,
and nothing at all in a dry run (the checks still run in PostGIS, inside a transaction that is
rolled back).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .actions import AreaSpec, RevisionConflict, community_revision, create_areas, publish_draft, start_revision
from .boundary_files import BadFile, RawFeature, read_features
from .models import CODE_LENGTH, PARENT_LEVEL, Area, DraftCell, DraftRevision, Level, Revision
from .numbering import reading_order
from .snapping import Frame, adjustment_problems, snap_to_parent
from .snapping import tolerance_m as snap_tolerance_m
from .validation import AreaValidationError, Problem, as_multipolygon, check_geometry, draft_cell_label

ROW_HEIGHT_DEGREES = 0.0009


@dataclass
class ImportReport:
    level: str
    parent: Area | None
    features: int = 0
    problems: list[Problem] = field(default_factory=list)
    created: list[Area] = field(default_factory=list)
    revision: Revision | None = None
    dry_run: bool = False
    replace: bool = False
    retired: list[str] = field(default_factory=list)  # codes of the cells a replacing import retires
    impact: dict[str, Any] | None = None  # what changes cell (a replacing import), as the editor shows it
    unchanged: bool = False  # the file equals the current areas: nothing was (or would be) written

    @property
    def snapped(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "snapped"]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def _problem(feature: RawFeature, kind: str, message: str, code: str | None = None) -> Problem:
    return Problem(kind, message, code=code, feature_index=feature.index, properties=feature.properties)


def _specs(
    features: list[RawFeature], level: str, parent: Area | None, code_field: str, name_field: str
) -> tuple[list[AreaSpec], list[Problem]]:
    """Turn features into area specs; codes missing from every feature are numbered in reading order."""
    problems: list[Problem] = []
    codes = [str(f.properties.get(code_field) or "").strip() for f in features]
    if parent is not None and not any(codes):
        located = [(f, f.geometry.point_on_surface.coords if f.geometry is not None and not f.geometry.empty else (0, 0)) for f in features]
        ordered = reading_order([f for f, _ in located], [xy for _, xy in located], ROW_HEIGHT_DEGREES)
        step = CODE_LENGTH[level] - CODE_LENGTH[parent.level]
        generated = {f.index: f"{parent.code}{n + 1:0{step}d}" for n, f in enumerate(ordered)}
        codes = [generated[f.index] for f in features]
    parents: dict[str, Area | None] = {}
    specs: list[AreaSpec] = []
    for feature, code in zip(features, codes):
        name = str(feature.properties.get(name_field) or "").strip()
        if not code:
            problems.append(_problem(feature, "code", _("The feature has no “%(field)s” property.") % {"field": code_field}))
            continue
        if feature.geometry is None:
            reason = feature.properties.get("_error")
            message = _("The feature has no readable geometry: %(reason)s.") % {"reason": reason} if reason else _("The feature has no geometry.")
            problems.append(_problem(feature, "empty", message, code))
            continue
        owner = parent
        if owner is None and level != Level.DISTRICT:
            prefix = code[: CODE_LENGTH[PARENT_LEVEL[level]]]
            if prefix not in parents:
                parents[prefix] = Area.objects.current().filter(code=prefix).first()
            owner = parents[prefix]
            if owner is None:
                problems.append(_problem(feature, "parent", _("No current area has the code %(code)s, the parent this code implies.") % {"code": prefix}, code))
                continue
        if not name and parent is not None and level == Level.GRID:
            name = _("%(community)s cell %(number)s") % {"community": parent.name, "number": int(code[-3:]) if code[-3:].isdigit() else code}
        specs.append(
            AreaSpec(code=code, name=name, level=level, boundary=feature.geometry, parent=owner, feature_index=feature.index, properties=feature.properties)
        )
    return specs, problems


def import_boundaries(
    path: Path | str,
    *,
    level: str,
    parent_code: str | None = None,
    dry_run: bool = False,
    actor=None,
    reason: str = "",
    code_field: str = "code",
    name_field: str = "name",
    replace: bool = False,
) -> ImportReport:
    """Read, check and (unless it is a dry run or anything is wrong) create the areas in one revision.

    1. Read the file (``read_features``); a file that cannot be read is one problem, nothing else runs.
    2. Check the parent: it must exist, be current, be of the tier above, and have no current areas
       of this tier yet — unless ``replace`` is asked for a community's cells, which are then
       replaced as a redraw (``_replace_cells``).
    3. Build the specs and hand them to ``create_areas``, which checks codes, shapes, containment,
       overlaps and — since the file is the parent's full set — gaps, in PostGIS.
    4. Roll back on any error, and always in a dry run.
    """
    if level not in Level.values:
        raise ValueError(f"unknown level {level!r}")
    parent: Area | None = None
    report = ImportReport(level=level, parent=None, dry_run=dry_run, replace=replace)
    if replace and (level != Level.GRID or not parent_code):
        report.problems.append(
            Problem("replace", _("Only the cells of one community can be replaced by an import: use the grid level and give the community's code as the parent."))
        )
        return report
    if replace and actor is None:
        report.problems.append(Problem("replace", _("Replacing cells moves what is filed in them, so the import must say who runs it.")))
        return report
    if parent_code:
        parent = Area.objects.current().filter(code=parent_code).first()
        if parent is None:
            report.problems.append(Problem("parent", _("No current area has the code %(code)s.") % {"code": parent_code}))
            return report
        report.parent = parent
        if level == Level.DISTRICT or parent.level != PARENT_LEVEL[level]:
            report.problems.append(
                Problem("parent", _("%(code)s is a %(actual)s; it cannot hold areas of this level.") % {"code": parent.code, "actual": Level(parent.level).label})
            )
            return report
    try:
        features = read_features(path)
    except BadFile as exc:
        report.problems.append(Problem("file", str(exc)))
        return report
    report.features = len(features)
    if not features:
        report.problems.append(Problem("file", _("The file holds no features.")))
        return report
    if not replace and _same_as_current(features, level, parent, code_field):
        report.unchanged = True  # an export imported back as it was: nothing to do, and that is fine
        return report
    if parent is not None and not replace:
        existing = Area.objects.current().filter(parent=parent, level=level).count()
        if existing:
            report.problems.append(
                Problem(
                    "parent",
                    _("%(code)s already has %(n)s current areas of this level; redraw them in the editor, or replace them (cells only).")
                    % {"code": parent.code, "n": existing},
                )
            )
            return report
    if replace:
        return _replace_cells(features, report, actor=actor, reason=reason, code_field=code_field, name_field=name_field)
    specs, problems = _specs(features, level, parent, code_field, name_field)
    report.problems += problems
    if report.errors:
        return report
    report.problems += _snap_specs(specs)
    try:
        with transaction.atomic():
            revision = start_revision(
                reason=reason or _("Import of %(file)s") % {"file": Path(path).name}, actor=actor, scope=parent
            )
            result = create_areas(specs, revision=revision, require_coverage=level != Level.DISTRICT)
            report.created = result.areas
            report.revision = revision
            report.problems += result.warnings
            if dry_run:
                transaction.set_rollback(True)
    except AreaValidationError as error:
        report.problems += error.problems
        report.created = []
        report.revision = None
    if dry_run:
        report.revision = None
    return report


def _replace_cells(features: list[RawFeature], report: ImportReport, *, actor, reason: str, code_field: str, name_field: str) -> ImportReport:
    """A community's cells replaced by a file, exactly as if an administrator had redrawn them.

    1. The file becomes a draft of the community owned by the importer: a feature carrying the code
       of a current cell of the community is that cell (unchanged if its shape is equal, reshaped
       otherwise, keeping its code); a feature without a code is a new cell; current cells missing
       from the file are retired. Any other code is an error, since codes are never reused. New
       and reshaped cells take the file's name when it gives one (an unchanged cell keeps its row,
       name included).
    2. ``publish_draft`` validates it in PostGIS and publishes it: a revision, retired cells kept,
       new codes numbered, and everything filed in the cells moved in the same transaction.
    3. Problems name the feature (validation names the draft cell, which is mapped back). A dry
       run publishes and rolls back, so it reports the same codes and moves that a real run would.
    """
    community = report.parent
    current = {area.code: area for area in Area.objects.current().filter(parent=community, level=Level.GRID)}
    if DraftRevision.objects.filter(community=community, created_by=actor).exists():
        report.problems.append(
            Problem("draft", _("You have a draft of %(code)s in the editor; publish or discard it before replacing the cells.") % {"code": community.code})
        )
        return report
    seen: dict[str, RawFeature] = {}
    for feature in features:
        code = str(feature.properties.get(code_field) or "").strip()
        blocking = [p for p in check_geometry(feature.geometry) if p.kind != "invalid"]
        for problem in blocking:
            report.problems.append(_problem(feature, problem.kind, problem.message, code or None))
        if code and code not in current:
            report.problems.append(
                _problem(feature, "code", _("%(code)s is not a current cell of %(community)s; leave the code empty for a new cell.") % {"code": code, "community": community.code}, code)
            )
        elif code in seen:
            report.problems.append(_problem(feature, "code", _("Code %(code)s appears twice in the file (features %(first)s and %(second)s).") % {"code": code, "first": seen[code].index, "second": feature.index}, code))
        elif code:
            seen[code] = feature
    if report.errors:
        return report
    try:
        with transaction.atomic():
            draft = DraftRevision.objects.create(community=community, created_by=actor, base_revision=community_revision(community))
            by_cell: dict[int, RawFeature] = {}
            report.problems += _snap_features(features, community, current, code_field)
            for feature in features:
                origin = current.get(str(feature.properties.get(code_field) or "").strip())
                cell = DraftCell.objects.create(draft=draft, origin=origin, geometry=as_multipolygon(feature.geometry))
                by_cell[cell.id] = feature
            _keep_unmoved_cells(draft)
            try:
                names = {cell_id: str(feature.properties.get(name_field) or "").strip() for cell_id, feature in by_cell.items()}
                result = publish_draft(draft=draft, actor=actor, reason=reason or _("Import replacing the cells of %(code)s") % {"code": community.code},
                                       names=names)
            except AreaValidationError as error:
                if all(problem.kind == "unchanged" for problem in error.problems):
                    report.unchanged = True  # the file is the community's cells as they are
                else:
                    report.problems += [_feature_problem(problem, by_cell) for problem in error.problems]
                raise
            report.problems += [_feature_problem(problem, by_cell) for problem in result.warnings]
            report.revision = result.revision
            report.created = result.areas
            report.impact = result.impact
            report.retired = sorted(
                Area.objects.filter(pk__in=[a.pk for a in current.values()], valid_to__isnull=False).values_list("code", flat=True)
            )
            if report.dry_run:
                transaction.set_rollback(True)
    except (AreaValidationError, RevisionConflict) as error:
        if isinstance(error, RevisionConflict):
            report.problems.append(Problem("conflict", str(error)))
        report.created = []
        report.revision = None
        report.retired = []
        report.impact = None
    if report.dry_run:
        report.revision = None
    return report


# About 0.2 m: the rounding of coordinates exported with 6 decimals (the areas API), well below
# the 1 m² tolerance of overlaps and gaps.
SAME_SHAPE_DEGREES = 0.000002


def _keep_unmoved_cells(draft: DraftRevision) -> None:
    """Exported at 6 decimals and imported back, a cell nobody moved is that cell exactly, so it
    keeps its row (publishing compares shapes exactly)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE grids_draftcell d SET geometry = a.boundary FROM grids_area a
            WHERE d.draft_id = %s AND a.id = d.origin_id AND ST_IsValid(d.geometry)
              AND ST_HausdorffDistance(d.geometry, a.boundary) < %s
            """,
            [draft.id, SAME_SHAPE_DEGREES],
        )


def _feature_problem(problem: Problem, by_cell: dict[int, RawFeature]) -> Problem:
    """A draft validation problem told in the file's terms: feature indexes instead of draft cells."""
    if not problem.cells:
        return problem
    message = problem.message
    for cell_id in problem.cells:
        feature = by_cell.get(cell_id)
        if feature is not None:
            # "new cell #12" must not match inside "new cell #123".
            label = re.escape(draft_cell_label(None, cell_id)) + r"(?!\d)"
            message = re.sub(label, _("feature %(index)s") % {"index": feature.index}, message)
    first = by_cell.get(problem.cells[0])
    problem.message = message
    if first is not None:
        problem.feature_index = first.index
        problem.properties = first.properties
    return problem


def _snap_specs(specs: list[AreaSpec]) -> list[Problem]:
    """Snap each parent's new children to its edge and to each other (``grids.snapping``)."""
    groups: dict[int, list[int]] = {}
    for index, spec in enumerate(specs):
        if spec.parent is not None and spec.boundary is not None:
            groups.setdefault(spec.parent.pk, []).append(index)
    problems: list[Problem] = []
    for indexes in groups.values():
        parent = specs[indexes[0]].parent
        snapped, adjustments = snap_to_parent([specs[i].boundary for i in indexes], parent.boundary)
        for i, geometry in zip(indexes, snapped):
            specs[i].boundary = geometry
        problems += adjustment_problems(adjustments, [specs[i] for i in indexes])
    return problems


def _snap_features(features: list[RawFeature], community: Area, current: dict[str, Area], code_field: str) -> list[Problem]:
    """The same for a file replacing a community's cells (its features become draft cells). A
    feature giving a current cell back within the rounding of a 6-decimal export is that cell
    exactly, and its neighbours are snapped to it, never the other way round."""
    usable = [f for f in features if f.geometry is not None and not f.geometry.empty and f.geometry.valid]
    codes = [str(f.properties.get(code_field) or "").strip() for f in usable]
    fixed = set()
    for index, (feature, code) in enumerate(zip(usable, codes)):
        origin = current.get(code)
        if origin is not None and _hausdorff(feature.geometry, origin.boundary) < SAME_SHAPE_DEGREES:
            feature.geometry = origin.boundary
            fixed.add(index)
    snapped, adjustments = snap_to_parent([f.geometry for f in usable], community.boundary, fixed=frozenset(fixed))
    for feature, geometry in zip(usable, snapped):
        feature.geometry = geometry
    named = [
        AreaSpec(code=code, name="", level=Level.GRID, boundary=None, feature_index=f.index, properties=f.properties)
        for f, code in zip(usable, codes)
    ]
    return adjustment_problems(adjustments, named)


def _hausdorff(a, b) -> float:
    return shapely.hausdorff_distance(shapely.from_wkb(bytes(a.wkb)), shapely.from_wkb(bytes(b.wkb)))


def _same_as_current(features: list[RawFeature], level: str, parent: Area | None, code_field: str) -> bool:
    """Does the file hold exactly the current areas of this level (under the parent), each within
    the snapping tolerance of its shape? Then importing it changes nothing."""
    codes = [str(f.properties.get(code_field) or "").strip() for f in features]
    if not all(codes) or len(set(codes)) != len(codes) or any(f.geometry is None or f.geometry.empty for f in features):
        return False
    current = Area.objects.current().filter(level=level)
    current = current.filter(parent=parent) if parent is not None else current.filter(code__in=codes)
    areas = {area.code: area for area in current}
    if set(areas) != set(codes):
        return False
    frame = Frame(next(iter(areas.values())).boundary.centroid.y)
    tolerance = snap_tolerance_m()
    for feature, code in zip(features, codes):
        if shapely.hausdorff_distance(frame.to_metric(feature.geometry), frame.to_metric(areas[code].boundary)) > tolerance:
            return False
    return True

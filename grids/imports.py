"""Import boundaries from GeoJSON or a Shapefile (through GDAL), validated like the editor.

One function serves the management command and the browser upload. Every problem names the
feature (its index in the file and its properties); nothing is written when any error is found,
and nothing at all in a dry run (the checks still run in PostGIS, inside a transaction that is
rolled back).
"""
from __future__ import annotations

import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .actions import AreaSpec, RevisionConflict, community_revision, create_areas, publish_draft, start_revision
from .models import CODE_LENGTH, PARENT_LEVEL, Area, DraftCell, DraftRevision, Level, Revision
from .numbering import reading_order
from .validation import AreaValidationError, Problem, as_multipolygon, check_geometry, draft_cell_label

GEOJSON_SUFFIXES = {".geojson", ".json"}
WGS84_NAMES = {"EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84", "CRS84"}
ROW_HEIGHT_DEGREES = 0.0009


@dataclass
class RawFeature:
    index: int
    properties: dict[str, Any]
    geometry: GEOSGeometry | None


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

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


class BadFile(Exception):
    """The file cannot be read at all; the message says why."""


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _check_geojson(path: Path) -> None:
    """Parse the JSON first: GDAL's own message for broken JSON does not say where."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except UnicodeDecodeError as exc:
        raise BadFile(_("The file is not UTF-8 text: %(reason)s.") % {"reason": exc.reason})
    except json.JSONDecodeError as exc:
        raise BadFile(
            _("Malformed GeoJSON: %(reason)s at line %(line)s, column %(column)s.") % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno}
        )
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        raise BadFile(_("Malformed GeoJSON: the top level must be a FeatureCollection or a Feature."))
    crs = data.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if not name:
            raise BadFile(_("The GeoJSON “crs” member names no coordinate system."))
        try:
            SpatialReference(name)
        except (GDALException, ValueError):
            raise BadFile(_("Unknown coordinate system “%(name)s” in the GeoJSON “crs” member.") % {"name": name})


def _find_shapefile(folder: Path) -> Path:
    shapefiles = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".shp")
    if not shapefiles:
        raise BadFile(_("The archive holds no .shp file."))
    if len(shapefiles) > 1:
        raise BadFile(_("The archive holds %(n)s Shapefiles; import one at a time.") % {"n": len(shapefiles)})
    return shapefiles[0]


def _check_shapefile(path: Path) -> None:
    siblings = {p.suffix.lower() for p in path.parent.glob(path.stem + ".*")}
    for needed in (".shx", ".dbf"):
        if needed not in siblings:
            raise BadFile(_("The Shapefile %(name)s has no %(part)s file beside it.") % {"name": path.name, "part": needed})
    if ".prj" not in siblings:
        raise BadFile(
            _("The Shapefile %(name)s has no .prj file, so its coordinate system is unknown. Export it again with its .prj.")
            % {"name": path.name}
        )


def read_features(path: Path | str) -> list[RawFeature]:
    """Every feature of the file as a WGS-84 GEOS geometry with its properties.

    1. GeoJSON is parsed as JSON first, for a message with line and column; a ``crs`` member must
       name a system GDAL knows. Without one, RFC 7946 says WGS-84.
    2. A Shapefile (or a .zip holding one) must come with its .shx, .dbf and .prj.
    3. GDAL reads the features; geometries in another system are transformed to WGS-84.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        folder = Path(tempfile.mkdtemp(prefix="gridgov-import-"))
        try:
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    # Never write outside the temporary folder, whatever the archive says.
                    target = (folder / member).resolve()
                    if not str(target).startswith(str(folder.resolve())):
                        raise BadFile(_("The archive holds a path outside itself: %(name)s.") % {"name": member})
                archive.extractall(folder)
        except zipfile.BadZipFile:
            raise BadFile(_("The file is not a valid .zip archive."))
        return read_features(_find_shapefile(folder))
    if suffix in GEOJSON_SUFFIXES:
        _check_geojson(path)
    elif suffix == ".shp":
        _check_shapefile(path)
    else:
        raise BadFile(_("Use a GeoJSON file (.geojson, .json), a Shapefile (.shp) or a .zip holding one; not “%(suffix)s”.") % {"suffix": suffix})
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise BadFile(_("GDAL cannot read the file: %(reason)s") % {"reason": exc})
    if len(source) == 0:
        raise BadFile(_("The file holds no layer."))
    layer = source[0]
    target = SpatialReference(4326)
    features: list[RawFeature] = []
    for index, feature in enumerate(layer):
        properties = {name: _plain(feature.get(name)) for name in feature.fields}
        geometry = None
        try:
            ogr = feature.geom
        except GDALException:
            ogr = None
        if ogr is not None:
            if layer.srs is not None and ogr.srs is None:
                ogr.srs = layer.srs
            try:
                if ogr.srs is not None and ogr.srs.srid != 4326:
                    ogr.transform(target)
                geometry = GEOSGeometry(ogr.wkb, srid=4326)
            except (GDALException, GEOSException) as exc:
                geometry = None
                properties.setdefault("_error", str(exc))
        features.append(RawFeature(index=index, properties=properties, geometry=geometry))
    return features


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
        existing = Area.objects.current().filter(parent=parent, level=level).count()
        if existing and not replace:
            report.problems.append(
                Problem(
                    "parent",
                    _("%(code)s already has %(n)s current areas of this level; redraw them in the editor, or replace them (cells only).")
                    % {"code": parent.code, "n": existing},
                )
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
    if replace:
        return _replace_cells(features, report, actor=actor, reason=reason, code_field=code_field, name_field=name_field)
    specs, problems = _specs(features, level, parent, code_field, name_field)
    report.problems += problems
    if report.errors:
        return report
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

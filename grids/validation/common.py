"""What every boundary check answers (``Problem``), the error that carries them, and the
tolerance the topology checks allow."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils.translation import gettext as _


ERROR = "error"
WARNING = "warning"


@dataclass
class Problem:
    kind: str
    message: str
    severity: str = ERROR
    code: str | None = None
    geometry: GEOSGeometry | None = None
    feature_index: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    # The draft cells concerned (grids.models.DraftCell ids), for the editor to highlight them.
    cells: list[int] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "severity": self.severity, "message": self.message}
        if self.code:
            data["code"] = self.code
        if self.feature_index is not None:
            data["feature_index"] = self.feature_index
        if self.properties:
            data["properties"] = self.properties
        if self.cells:
            data["cells"] = self.cells
        if self.geometry is not None:
            data["geometry"] = json.loads(self.geometry.geojson)
        return data

    def __str__(self) -> str:
        where = []
        if self.feature_index is not None:
            where.append(_("feature %(index)s") % {"index": self.feature_index})
        if self.code:
            where.append(self.code)
        prefix = f"[{', '.join(where)}] " if where else ""
        return f"{prefix}{self.message}"


class AreaValidationError(Exception):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems if p.is_error))


def tolerance_m2() -> float:
    return settings.GRIDGOV_TOPOLOGY_TOLERANCE_M2


def query_rows(sql: str, params: Iterable[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()

"""The row list of a benchmark run: each measurement adds its rows, and one that fails becomes a row
"not measured" with the reason instead of losing the others. ``bench/run.py`` runs every
measurement on one; each measuring module (``bench/patrols.py``, ``bench/map_transfer.py``, …) can
run alone on one of its own."""
from __future__ import annotations

import tempfile

from django.db import connection, transaction

from bench.generate import SCALES, first_area
from bench.harness import Row, log


class Bench:
    def __init__(self, scale_name: str, seconds: int, only: list[str] | None = None):
        self.scale = SCALES[scale_name]
        self.seconds = seconds
        # Measurements whose name contains one of these words run (baselines always run).
        self.only = only or []
        self.rows: list[Row] = []
        self.baselines: dict[str, dict] = {}

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        shown = f"{row.median_ms} ms median, {row.p95_ms} ms p95, {row.rps}/s" if row.median_ms is not None else row.note
        log(f"{row.name}: {shown}")
        return row

    def missing(self, name: str, reason: str, target: str = "") -> None:
        self.add(Row(name, target=target, note=f"not measured: {reason}"))

    def measure(self, name: str, function, target: str = "") -> None:
        if self.only and not name.startswith("baseline") and not any(word in name for word in self.only):
            return
        try:
            function()
        except Exception as exc:  # noqa: BLE001 - one failed measurement must not lose the others
            self.missing(name, f"{type(exc).__name__}: {str(exc)[:200]}", target)

    # data helpers
    def worker_point(self) -> tuple[float, float]:
        cell = first_area("grid")
        point = cell.boundary.point_on_surface
        return point.x, point.y

    def category(self) -> str:
        from incidents.models import Category

        return Category.objects.filter(parent__isnull=False, active=True).order_by("code").first().code

    def last4(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_last4 FROM residents_person WHERE id_last4 <> '' LIMIT 1")
            row = cursor.fetchone()
        return row[0] if row else "1234"

    def write_body(self, body: bytes) -> str:
        handle = tempfile.NamedTemporaryFile(prefix="bench-body-", delete=False)
        handle.write(body)
        handle.close()
        return handle.name

    def counts(self) -> dict:
        out = {}
        with connection.cursor() as cursor:
            for name, sql in [
                ("cells", "SELECT count(*) FROM grids_area WHERE level = 'grid' AND valid_to IS NULL"),
                ("people", "SELECT count(*) FROM residents_person"),
                ("incidents", "SELECT count(*) FROM incidents_incident"),
                ("timeline_entries", "SELECT count(*) FROM incidents_timelineentry"),
            ]:
                try:
                    with transaction.atomic():
                        cursor.execute(sql)
                        out[name] = cursor.fetchone()[0]
                except Exception:  # noqa: BLE001 - the app is missing
                    out[name] = None
        return out

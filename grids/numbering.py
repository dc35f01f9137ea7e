"""Cell numbering in reading order (Beijing DB11, docs/domain/areas.md#numbering): rows from
north to south, west to east within a row, by centroid."""
from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")


def reading_order(items: Sequence[T], centroids: Sequence[tuple[float, float]], row_height: float) -> list[T]:
    """Order items by their centroids (x, y in a metric or degree system, y growing northwards).

    1. Sort by y, northernmost first.
    2. Start a new row whenever a centroid lies more than half a row height south of the row's
       first centroid, so cells of one visual row share a row even when clipping moved their
       centroids a little.
    3. Sort each row west to east and concatenate the rows.
    """
    order = sorted(range(len(items)), key=lambda i: -centroids[i][1])
    rows: list[list[int]] = []
    row_top = None
    for index in order:
        y = centroids[index][1]
        if row_top is None or row_top - y > row_height / 2:
            rows.append([])
            row_top = y
        rows[-1].append(index)
    return [items[i] for row in rows for i in sorted(row, key=lambda i: centroids[i][0])]

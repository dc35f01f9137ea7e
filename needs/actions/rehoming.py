"""After a redraw: needs not settled yet follow their households to the new cell, so they are on
the list of the grid worker now covering it (reads go by ``Need.cell``).

grids calls this hook of the needs' cell occupant inside the publishing transaction (needs'
ready() registers it with the household's building point, the point the households follow). A
need still held at the grid level is held by its cell: its responsible area moves with it; one
held higher up keeps its area. Confirmed and cancelled needs keep the cell they were met in.
"""
from __future__ import annotations

from django.db import connection

from incidents.sweeping import sql_list

from ..choices import SETTLED_STATUSES

_REHOME = """
UPDATE needs_need n SET cell_id = m.new_cell_id,
       area_id = CASE WHEN n.area_id = n.cell_id THEN m.new_cell_id ELSE n.area_id END
FROM unnest(%(needs)s::bigint[], %(cells)s::bigint[]) AS m (need_id, new_cell_id)
WHERE n.id = m.need_id AND n.cell_id <> m.new_cell_id AND n.status NOT IN ({settled})
"""


def rehome_needs(occupant, moves) -> int:
    """grids registry hook: move the unsettled needs of a publish to their new cells; answers how many moved."""
    if not moves:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_REHOME.format(settled=sql_list(SETTLED_STATUSES)),
                       {"needs": [m.pk for m in moves], "cells": [m.new_cell_id for m in moves]})
        return cursor.rowcount

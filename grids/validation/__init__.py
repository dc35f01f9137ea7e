"""Boundary rules, checked in PostGIS: 横到边、纵到底，不留空白，不交叉重叠
(docs/domain/areas.md#boundary-rules).

Every check answers a list of ``Problem``; an empty list means the rule holds. The set-based
checks run on rows already written inside the caller's transaction, so one query covers a whole
batch of thousands of cells and the caller rolls back when any error comes back.

One module per subject: ``common`` (Problem, AreaValidationError, the tolerance), ``areas`` (the
rules on published areas), ``drafts`` (the same rules on a draft's cells). Everything is
importable from ``grids.validation``.
"""
from __future__ import annotations

from .common import ERROR, WARNING, AreaValidationError, Problem, tolerance_m2  # noqa: F401
from .areas import (  # noqa: F401
    as_multipolygon,
    check_cell_sizes,
    check_code,
    check_coverage,
    check_geometry,
    check_sibling_overlaps,
    check_within_parents,
)
from .drafts import (  # noqa: F401
    check_draft,
    check_draft_cell_sizes,
    check_draft_gaps,
    check_draft_overlaps,
    check_draft_shapes,
    check_draft_within_community,
    draft_cell_label,
)

"""The blank roster template: the headers, one example row, and a sheet of help (the shared sheet template)."""
from __future__ import annotations

from .columns import ROSTER

EXAMPLE = ["zhangwei", "张伟", "网格员", "", "", "", "13800000000", "", "是"]


def template_workbook() -> bytes:
    return ROSTER.template("花名册", [EXAMPLE], header_as_text=True)

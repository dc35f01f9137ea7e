"""The blank reference template: the headers, example rows, and a sheet of help (the shared sheet template)."""
from __future__ import annotations

from .columns import REFERENCE

EXAMPLES = [
    ["部门", "SZ", "市政", "Municipal Works", "", "", "是"],
    ["大类", "C09", "公共服务", "Public services", "", "事件", "是"],
    ["小类", "C0901", "公厕保洁", "Public toilet cleaning", "C09", "", "是"],
]


def template_workbook() -> bytes:
    return REFERENCE.template("类别与部门", EXAMPLES)

"""The reference spreadsheet's format: one category or department per row, as a table of columns of
the shared sheet import.

Headers and the words of the kind, nature and "in use" columns are a file format shared with the
people who keep the district's lists, so they are fixed Chinese words (English keys are accepted
too), not translated UI text — as the roster's (accounts.roster.columns).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy

from gridgov.spreadsheet import Column, SheetFormat, yes_or_no

from ..models import Kind

DEPARTMENT, MAJOR, MINOR = "department", "major", "minor"
KIND_WORDS = {"部门": DEPARTMENT, "职能部门": DEPARTMENT, "大类": MAJOR, "小类": MINOR,
              DEPARTMENT: DEPARTMENT, MAJOR: MAJOR, MINOR: MINOR}
NATURE_WORDS = {"部件": Kind.COMPONENT, "事件": Kind.EVENT, Kind.COMPONENT.value: Kind.COMPONENT, Kind.EVENT.value: Kind.EVENT}
YES_WORDS = {"是", "启用", "y", "yes", "1", "true"}
NO_WORDS = {"否", "停用", "n", "no", "0", "false"}

COLUMNS = [
    Column("kind", "类型", True, "部门 / 大类 / 小类", aliases=("种类",)),
    Column("code", "编码", True, "部门编码（字母、数字，至多 20 位）；类别编码（字母、数字，至多 10 位），已有编码的改名",
           aliases=("代码",)),
    Column("name", "中文名称", True, "", aliases=("名称",)),
    Column("name_en", "英文名称", False, "English name；不填的，英文页面显示中文名称", aliases=("english", "英文名")),
    Column("parent", "上级编码", False, "仅小类（必填）：所属大类的编码", aliases=("上级", "所属大类")),
    Column("nature", "部件或事件", False, "仅大类（新大类必填）：部件 / 事件；小类随其大类", aliases=("性质",)),
    Column("active", "启用", False, "是/否，默认是", aliases=("是否启用",), parse=yes_or_no(YES_WORDS, NO_WORDS)),
]
MAX_ROWS = 5_000
REFERENCE = SheetFormat(COLUMNS, empty=gettext_lazy("The file is empty."), max_rows=MAX_ROWS,
                        too_many=gettext_lazy("At most %(n)d rows per file; split the file."))
COLUMN_BY_KEY = REFERENCE.by_key
HEADER_ALIASES = REFERENCE.aliases

"""The roster spreadsheet's format: one person per row, as a table of columns of the shared sheet import.

Headers and the words in the role and sign-in columns are a file format shared with the
district's personnel office, so they are fixed Chinese words (English keys are accepted too), not
translated UI text — as the residents' spreadsheet (residents.importer.columns).
"""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

from gridgov.spreadsheet import Column, SheetFormat, yes_or_no

from ..models import Role

YES_WORDS = {"是", "开通", "y", "yes", "1", "true"}
NO_WORDS = {"否", "不开通", "n", "no", "0", "false"}
LIST_SPLIT = re.compile(r"[、,，;；/\s]+")

COLUMNS = [
    Column("username", "用户名", True, "登录名：字母、数字、汉字及 @.+-_，不可与已有用户重复", aliases=("账号", "登录名")),
    Column("name", "姓名", True, ""),
    Column("role", "角色", True, "网格员/社区工作人员/街道工作人员/部门处置人员/调度员"),
    Column("area", "所属区域编码", False, "社区、街道或区的编码；网格员可不填（取其网格所在社区）", aliases=("区域编码", "所属区域")),
    Column("cells", "网格编码", False, "仅网格员：负责的网格编码，多个用顿号分隔；网格原有网格员的，改由本人负责",
           aliases=("网格", "负责网格")),
    Column("department", "部门", False, "仅部门处置人员（必填）：部门编码或名称", aliases=("所属部门",)),
    Column("phone", "手机号码", False, "", aliases=("联系电话", "电话", "手机")),
    Column("email", "电子邮箱", False, "", aliases=("邮箱",)),
    Column("login", "开通登录", False, "是/否，默认是；开通的发一次性初始密码，首次登录须修改", aliases=("登录",),
           parse=yes_or_no(YES_WORDS, NO_WORDS)),
]
MAX_ROWS = 20_000
ROSTER = SheetFormat(COLUMNS, empty=gettext_lazy("The file is empty."), max_rows=MAX_ROWS,
                     too_many=gettext_lazy("At most %(n)d rows per file; split the roster."))
COLUMN_BY_KEY = ROSTER.by_key
HEADER_ALIASES = ROSTER.aliases

# The roles a roster may give, and the level of area each answers for (None: any level).
ROLE_WORDS = {
    "网格员": Role.GRID_WORKER, "专职网格员": Role.GRID_WORKER,
    "社区工作人员": Role.COMMUNITY, "社区": Role.COMMUNITY,
    "街道工作人员": Role.STREET, "街道": Role.STREET,
    "部门处置人员": Role.DEPARTMENT, "部门": Role.DEPARTMENT,
    "调度员": Role.DISPATCHER, "指挥中心调度员": Role.DISPATCHER,
} | {role.value: role for role in (Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DEPARTMENT, Role.DISPATCHER)}
ROLE_LEVEL = {Role.GRID_WORKER: "community", Role.COMMUNITY: "community", Role.STREET: "street", Role.DISPATCHER: "district",
              Role.DEPARTMENT: None}


def area_level(role: str) -> str | None:
    """The level of area a role of the roster answers for (None: any level)."""
    return ROLE_LEVEL.get(role)

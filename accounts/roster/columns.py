"""The roster spreadsheet's format: one person per row.

Headers and the words in the role and sign-in columns are a file format shared with the
district's personnel office, so they are fixed Chinese words (English keys are accepted too), not
translated UI text — as the residents' spreadsheet (residents.importer.columns).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Role


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str = ""


COLUMNS = [
    Column("username", "用户名", True, "登录名：字母、数字、汉字及 @.+-_，不可与已有用户重复"),
    Column("name", "姓名", True, ""),
    Column("role", "角色", True, "网格员/社区工作人员/街道工作人员/部门处置人员/调度员"),
    Column("area", "所属区域编码", False, "社区、街道或区的编码；网格员可不填（取其网格所在社区）"),
    Column("cells", "网格编码", False, "仅网格员：负责的网格编码，多个用顿号分隔；网格原有网格员的，改由本人负责"),
    Column("department", "部门", False, "仅部门处置人员（必填）：部门编码或名称"),
    Column("phone", "手机号码", False, ""),
    Column("email", "电子邮箱", False, ""),
    Column("login", "开通登录", False, "是/否，默认是；开通的发一次性初始密码，首次登录须修改"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADER_ALIASES = {c.header: c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS} | {
    "账号": "username", "登录名": "username", "区域编码": "area", "所属区域": "area", "网格": "cells", "负责网格": "cells",
    "联系电话": "phone", "电话": "phone", "手机": "phone", "邮箱": "email", "登录": "login", "所属部门": "department",
}

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


YES_WORDS = {"是", "开通", "y", "yes", "1", "true"}
NO_WORDS = {"否", "不开通", "n", "no", "0", "false"}
LIST_SPLIT = re.compile(r"[、,，;；/\s]+")

"""The residents spreadsheet's format: its columns and the words streets write in the choice columns.

The column headers and the values in the choice columns are a file format that streets share,
so they are fixed Chinese words (English keys are accepted as aliases), not translated UI text.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

from gridgov.spreadsheet import Column, SheetFormat, word_of

from ..models import DwellingUse, Gender, IdType, Relation, ResidentType

COLUMNS = [
    Column("building_code", "楼栋编码", True, "楼栋唯一编码；新楼栋须同时填写楼栋地址、经度、纬度"),
    Column("building_address", "楼栋地址", False, "仅新楼栋需要"),
    Column("longitude", "经度", False, "WGS-84 经度，仅新楼栋需要"),
    Column("latitude", "纬度", False, "WGS-84 纬度，仅新楼栋需要"),
    Column("unit", "单元", False, ""),
    Column("floor", "楼层", False, "整数，地下为负数"),
    Column("room", "房号", True, ""),
    Column("dwelling_use", "房屋用途", False, "自住/出租/商铺/办公/空置/其他，默认自住"),
    Column("household_number", "户号", True, "同一户的成员填写相同户号；每个新户须有一名户主"),
    Column("relation_to_head", "与户主关系", True, "户主/配偶/子女/父母/孙子女/祖父母/兄弟姐妹/其他亲属/非亲属"),
    Column("name", "姓名", True, ""),
    Column("gender", "性别", False, "男/女；为空时按身份证号码"),
    Column("birth_date", "出生日期", False, "YYYY-MM-DD；为空时按身份证号码"),
    Column("ethnicity", "民族", False, "如 汉族"),
    Column("id_type", "证件类型", False, "居民身份证/护照/其他证件，默认居民身份证"),
    Column("id_number", "证件号码", True, "请将本列设为文本格式，以免 Excel 截断 18 位号码", aliases=("身份证号码", "公民身份号码", "身份证号")),
    Column("phones", "联系电话", False, "多个号码用顿号、逗号或分号分隔", aliases=("电话", "手机", "手机号码", "联系方式")),
    Column("registered_address", "户籍地址", False, "", aliases=("户籍地",)),
    Column("current_address", "现住址", False, "", aliases=("居住地址",)),
    Column("resident_type", "人员类型", True, "户籍/流动/境外", aliases=("人口类型",)),
    Column("tags", "关怀标签", False, "标签名称，多个用顿号分隔，如 独居老人、低保", aliases=("标签",)),
]
RESIDENTS = SheetFormat(COLUMNS, empty=gettext_lazy("The file has no rows."),
                        no_data=gettext_lazy("The file has a header but no data rows."), explain_unknown=True)
COLUMN_BY_KEY = RESIDENTS.by_key
HEADER_ALIASES = RESIDENTS.aliases

# Choice words as streets write them → stored values. The first word per value is what the template and exports use.
GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE}
RESIDENT_TYPE_WORDS = {"户籍": ResidentType.REGISTERED, "户籍人口": ResidentType.REGISTERED, "流动": ResidentType.FLOATING,
                       "流动人口": ResidentType.FLOATING, "境外": ResidentType.FOREIGN, "境外人员": ResidentType.FOREIGN}
RELATION_WORDS = {
    "户主": Relation.HEAD, "本人": Relation.HEAD, "配偶": Relation.SPOUSE, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE,
    "妻子": Relation.SPOUSE, "丈夫": Relation.SPOUSE, "子女": Relation.CHILD, "子": Relation.CHILD, "女": Relation.CHILD,
    "儿子": Relation.CHILD, "女儿": Relation.CHILD, "父母": Relation.PARENT, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD, "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD, "祖父母": Relation.GRANDPARENT, "兄弟姐妹": Relation.SIBLING, "其他亲属": Relation.RELATIVE,
    "非亲属": Relation.OTHER,
}
USE_WORDS = {"自住": DwellingUse.RESIDENTIAL, "住宅": DwellingUse.RESIDENTIAL, "出租": DwellingUse.RENTED,
             "商铺": DwellingUse.COMMERCIAL, "办公": DwellingUse.OFFICE, "空置": DwellingUse.VACANT, "其他": DwellingUse.OTHER}
ID_TYPE_WORDS = {"居民身份证": IdType.RESIDENT_ID, "身份证": IdType.RESIDENT_ID, "护照": IdType.PASSPORT,
                 "其他证件": IdType.OTHER, "其他": IdType.OTHER}


_word_of = word_of


def gender_word(value: str) -> str:
    return _word_of(GENDER_WORDS, value)


def resident_type_word(value: str) -> str:
    return _word_of(RESIDENT_TYPE_WORDS, value)


def relation_word(value: str) -> str:
    return _word_of(RELATION_WORDS, value)


def use_word(value: str) -> str:
    return _word_of(USE_WORDS, value)


def id_type_word(value: str) -> str:
    return _word_of(ID_TYPE_WORDS, value)


LIST_SPLIT = re.compile(r"[、,，;；/\s]+")

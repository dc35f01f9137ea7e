"""Reference data every installation needs: the case taxonomy, default time limits and the
working calendar. Run by the data migration and callable again at any time (idempotent), e.g.
after a transactional test has flushed the database, or after upgrading ``chinese-calendar``.

The taxonomy follows the shape of GB/T 30428 (数字化城市管理信息系统 部件和事件): components (部件)
and events (事件) in major and minor classes; a city extends it in the admin.
"""
from __future__ import annotations

from decimal import Decimal

# (code, name, kind, [(code, name, default urgency, grid-resolvable, duplicate radius m)])
TAXONOMY = [
    ("C01", "公用设施", "component", [
        ("C0101", "井盖缺失或破损", "urgent", False, 30),
        ("C0102", "路灯损坏", "normal", False, 50),
        ("C0103", "消防栓损坏", "urgent", False, 30),
        ("C0104", "电力通信设施损坏", "normal", False, 50),
        ("C0105", "燃气设施损坏", "urgent", False, 30),
    ]),
    ("C02", "道路交通", "component", [
        ("C0201", "交通标志牌损坏", "normal", False, 50),
        ("C0202", "道路护栏损坏", "normal", False, 50),
        ("C0203", "公交站亭损坏", "normal", False, 50),
        ("C0204", "路面破损坑洼", "normal", False, 50),
    ]),
    ("C03", "市容园林", "component", [
        ("C0301", "果皮箱或垃圾桶损坏", "normal", True, 30),
        ("C0302", "公厕设施损坏", "normal", False, 50),
        ("C0303", "公共座椅损坏", "normal", True, 30),
        ("C0304", "行道树倒伏或缺失", "normal", False, 50),
        ("C0305", "绿地护栏损坏", "normal", True, 50),
    ]),
    ("E01", "市容环境", "event", [
        ("E0101", "暴露垃圾", "normal", True, 50),
        ("E0102", "积存渣土", "normal", False, 50),
        ("E0103", "道路不洁", "normal", True, 50),
        ("E0104", "乱堆物料", "normal", True, 50),
        ("E0105", "违规张贴小广告", "normal", True, 50),
    ]),
    ("E02", "街面秩序", "event", [
        ("E0201", "占道经营", "normal", False, 80),
        ("E0202", "无照游商", "normal", False, 80),
        ("E0203", "违章停车", "normal", False, 50),
        ("E0204", "共享单车乱停放", "normal", True, 50),
        ("E0205", "露天烧烤", "normal", False, 80),
    ]),
    ("E03", "施工管理", "event", [
        ("E0301", "违法建设", "normal", False, 50),
        ("E0302", "施工扰民", "normal", False, 100),
        ("E0303", "道路遗撒", "normal", False, 100),
    ]),
    ("E04", "突发事件与社会治理", "event", [
        ("E0401", "路面塌陷", "urgent", False, 50),
        ("E0402", "供水管道爆裂", "urgent", False, 50),
        ("E0403", "道路积水", "urgent", False, 100),
        ("E0404", "邻里纠纷", "normal", False, 30),
        ("E0405", "安全隐患", "normal", False, 50),
    ]),
]

# The classes' English names (GB/T 30428's terms where it has them), shown to English readers.
ENGLISH_NAMES = {
    "C01": "Public facilities", "C0101": "Manhole cover missing or broken", "C0102": "Street light broken",
    "C0103": "Fire hydrant broken", "C0104": "Power or telecom equipment damaged", "C0105": "Gas equipment damaged",
    "C02": "Roads and traffic", "C0201": "Traffic sign damaged", "C0202": "Road railing damaged",
    "C0203": "Bus shelter damaged", "C0204": "Pothole or broken road surface",
    "C03": "Streetscape and greenery", "C0301": "Litter bin broken", "C0302": "Public toilet facilities broken",
    "C0303": "Public bench broken", "C0304": "Street tree fallen or missing", "C0305": "Green-space railing broken",
    "E01": "Environment", "E0101": "Exposed rubbish", "E0102": "Piled-up muck", "E0103": "Dirty road",
    "E0104": "Materials piled up", "E0105": "Illegal small adverts",
    "E02": "Street order", "E0201": "Street stall on the road", "E0202": "Unlicensed hawker", "E0203": "Illegal parking",
    "E0204": "Shared bikes parked badly", "E0205": "Open-air barbecue",
    "E03": "Construction", "E0301": "Illegal building", "E0302": "Construction noise", "E0303": "Spillage on the road",
    "E04": "Emergencies and social issues", "E0401": "Road collapse", "E0402": "Water main burst", "E0403": "Flooded road",
    "E0404": "Neighbour dispute", "E0405": "Safety hazard",
}

# Defaults per level (category empty): (level, condition, clock, amount). Local practice, not a
# national rule: one working day at the grid, more as a case climbs (docs/domain/cases.md#time-limits).
DEFAULT_LIMITS = [
    ("grid", "normal", "working_days", "1"),
    ("grid", "urgent", "urgent_hours", "2"),
    ("community", "normal", "working_days", "2"),
    ("community", "urgent", "urgent_hours", "4"),
    ("street", "normal", "working_days", "3"),
    ("street", "urgent", "urgent_hours", "8"),
    ("district", "normal", "working_days", "5"),
    ("district", "urgent", "urgent_hours", "24"),
]

# Class-specific limits from city rules (docs/domain/cases.md#time-limits).
CLASS_LIMITS = [
    # A missing manhole cover is fixed within 2 urgent hours, whoever holds it.
    *[("C0101", level, condition, "urgent_hours", "2") for level in ("grid", "community", "street", "district") for condition in ("normal", "urgent")],
    # Exposed rubbish: half a working day at the grid, one working day above.
    ("E0101", "grid", "normal", "working_hours", "4"),
    ("E0101", "community", "normal", "working_days", "1"),
    ("E0101", "street", "normal", "working_days", "1"),
    ("E0101", "district", "normal", "working_days", "1"),
    # Illegal building: 15 working days at the command centre.
    ("E0301", "street", "normal", "working_days", "10"),
    ("E0301", "district", "normal", "working_days", "15"),
    ("E0401", "grid", "urgent", "urgent_hours", "1"),
    ("E0401", "community", "urgent", "urgent_hours", "2"),
    ("E0401", "street", "urgent", "urgent_hours", "2"),
    ("E0401", "district", "urgent", "urgent_hours", "4"),
]

# Where a new case starts (docs/domain/cases.md#routing): (class code or None for every class,
# level when normal, level when urgent, dispatched automatically when registered). Minor matters
# stay with the grid worker (小事不出网格); what a department must fix, and whatever is urgent or a
# danger, goes to the command centre's intake at once. Dispatched automatically: the classes whose
# owner is beyond doubt (a fire hydrant, gas, a burst main, a collapsed road); not a manhole cover,
# which may be 市政's or 水务's (a dispatcher chooses).
ROUTING = [
    (None, "grid", "district", False),
    ("C01", "district", "district", False),  # 公用设施: a department's repair
    ("C0103", "district", "district", True),  # 消防栓 → 水务
    ("C0105", "district", "district", True),  # 燃气 → 燃气公司
    ("C02", "district", "district", False),  # 道路交通
    ("C0302", "district", "district", False),  # 公厕
    ("C0304", "district", "district", False),  # 行道树倒伏
    ("E0102", "district", "district", False),  # 积存渣土
    ("E02", "district", "district", False),  # 街面秩序: law enforcement
    ("E0204", "grid", "district", False),  # 共享单车乱停放: the grid worker tidies them
    ("E03", "district", "district", False),  # 施工管理
    ("E04", "district", "district", False),  # 突发事件与社会治理
    ("E0401", "district", "district", True),  # 路面塌陷 → 市政
    ("E0402", "district", "district", True),  # 供水管道爆裂 → 水务
    ("E0404", "community", "district", False),  # 邻里纠纷: the community mediates
]


# The package names holidays in English; the table shows them as people in China say them.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def ensure_routing(apps=None) -> int:
    """The default routing rules, on an installation that has none (rules an administrator
    deleted are not put back once the table holds any)."""
    if apps is None:
        from .models import Category, RoutingRule
    else:
        Category = apps.get_model("incidents", "Category")
        try:
            RoutingRule = apps.get_model("incidents", "RoutingRule")
        except LookupError:  # a migration older than the table: the table's own migration seeds it
            return 0
    if RoutingRule.objects.exists():
        return 0
    by_code = {c.code: c for c in Category.objects.filter(code__in=[row[0] for row in ROUTING if row[0]])}
    rows = []
    for code, normal, urgent, auto in ROUTING:
        if code is not None and code not in by_code:
            continue
        for condition, level in (("normal", normal), ("urgent", urgent)):
            rows.append(RoutingRule(category=by_code.get(code), condition=condition, start_level=level,
                                    auto_dispatch=auto and level == "district"))
    RoutingRule.objects.bulk_create(rows)
    return len(rows)


def _models(apps=None):
    if apps is None:
        from .models import Category, TimeLimit, WorkingCalendar
    else:
        Category = apps.get_model("incidents", "Category")
        TimeLimit = apps.get_model("incidents", "TimeLimit")
        WorkingCalendar = apps.get_model("incidents", "WorkingCalendar")
    return Category, TimeLimit, WorkingCalendar


def fill_english_names(apps=None) -> int:
    """Give the built-in classes their English names where none is set (never overwrite)."""
    Category, _, _ = _models(apps)
    filled = 0
    for code, english in ENGLISH_NAMES.items():
        filled += Category.objects.filter(code=code, name_en="").update(name_en=english)
    return filled


def _english(names: dict | None, code: str) -> dict:
    return {"name_en": names.get(code, "")} if names is not None else {}


def ensure_taxonomy(apps=None) -> int:
    """Create the classes and limits that are missing; never overwrite what an administrator changed."""
    Category, TimeLimit, _ = _models(apps)
    # Migration 0002 runs this on the model as it was then, before English names existed.
    english = ENGLISH_NAMES if any(f.name == "name_en" for f in Category._meta.get_fields()) else None
    created = 0
    for order, (code, name, kind, minors) in enumerate(TAXONOMY):
        major, made = Category.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "sort_order": order * 10, **_english(english, code)}
        )
        created += made
        for minor_order, (minor_code, minor_name, urgency, resolvable, radius) in enumerate(minors):
            _, made = Category.objects.get_or_create(
                code=minor_code,
                defaults={
                    "name": minor_name, **_english(english, minor_code), "kind": kind, "parent": major, "default_urgency": urgency,
                    "grid_resolvable": resolvable, "duplicate_radius_m": radius, "sort_order": minor_order,
                },
            )
            created += made
    for level, condition, clock, amount in DEFAULT_LIMITS:
        TimeLimit.objects.get_or_create(
            category=None, level=level, condition=condition, defaults={"clock": clock, "amount": Decimal(amount)}
        )
    by_code = {c.code: c for c in Category.objects.filter(code__in={row[0] for row in CLASS_LIMITS})}
    for code, level, condition, clock, amount in CLASS_LIMITS:
        TimeLimit.objects.get_or_create(
            category=by_code[code], level=level, condition=condition, defaults={"clock": clock, "amount": Decimal(amount)}
        )
    return created


def sync_calendar(apps=None) -> int:
    """Copy ``chinese-calendar``'s holidays and make-up working days into the table.

    Rows an administrator entered by hand are left alone; package rows are refreshed. Returns the
    number of rows written."""
    from chinese_calendar.constants import holidays, workdays

    _, _, WorkingCalendar = _models(apps)
    manual = set(WorkingCalendar.objects.filter(from_package=False).values_list("date", flat=True))
    rows = []
    for day, name in holidays.items():
        if day not in manual:
            rows.append(WorkingCalendar(date=day, is_workday=False, name=HOLIDAY_NAMES.get(name, name)[:60], from_package=True))
    for day, name in workdays.items():
        if day not in manual:
            label = HOLIDAY_NAMES.get(name, name)
            rows.append(WorkingCalendar(date=day, is_workday=True, name=f"{label}调休"[:60], from_package=True))
    WorkingCalendar.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["date"], update_fields=["is_workday", "name", "from_package"]
    )
    return len(rows)


def ensure_reference_data(apps=None) -> None:
    ensure_taxonomy(apps)
    ensure_routing(apps)
    _, _, WorkingCalendar = _models(apps)
    if not WorkingCalendar.objects.filter(from_package=True).exists():
        sync_calendar(apps)

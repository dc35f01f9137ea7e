"""Demo data of the command centre: which department owns each category, a 水务 handler, and a
dozen hotline cases at every stage of the loop over the last three weeks — dispatched, returned
and re-dispatched, late, supervised, extended, reworked, closed — so that the console, the
department inbox and the evaluation dashboard show something. Idempotent and fast: the owners are
added only where a category has none; the cases only once (they carry a marker).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_password_hash
from accounts.models import Department, GridAssignment, Role, User
from grids.models import Area, Level
from incidents.actions import report_incident, transition
from incidents.models import Category, Incident, Source, Status

from . import actions
from .models import DepartmentCategory

MARKER = "【演示】"

# Category (minor or major class) → department codes (accounts.demo's list). Classes left out
# (邻里纠纷, 安全隐患) belong to nobody: the street office handles them (属地兜底).
OWNERS = {
    "C0101": ["SZ"],
    "C0102": ["SZ"],
    "C0103": ["SW"],
    "C0104": ["GD"],
    "C0105": ["RQ"],
    "C0201": ["JT"],
    "C0202": ["JT"],
    "C0203": ["JT"],
    "C0204": ["SZ"],
    "C0301": ["CG"],
    "C0302": ["CG"],
    "C0303": ["YL"],
    "C0304": ["YL"],
    "C0305": ["YL"],
    "E01": ["CG"],
    "E0201": ["CG"],
    "E0202": ["CG"],
    "E0203": ["GA"],
    "E0204": ["JT"],
    "E0205": ["CG", "HB"],
    "E0301": ["ZJ"],
    "E0302": ["HB"],
    "E0303": ["CG"],
    "E0401": ["SZ"],
    "E0402": ["SW"],
    "E0403": ["SW"],
}


def ensure_owners() -> int:
    """Default departments for categories that have none yet; answers how many rows were added."""
    departments = {d.code: d for d in Department.objects.all()}
    taken = set(DepartmentCategory.objects.values_list("category__code", flat=True))
    rows = []
    for category in Category.objects.filter(code__in=list(OWNERS)):
        if category.code in taken:
            continue
        rows.extend(
            DepartmentCategory(category=category, department=departments[code])
            for code in OWNERS[category.code]
            if code in departments
        )
    DepartmentCategory.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _photo() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (110, 140, 120)).save(buffer, "JPEG", quality=70)
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")


def _cells(district: Area, count: int) -> list[Area]:
    """Cells spread over the district; the first and the eighth case go to cells a grid worker
    holds, so that the demo grid worker has an on-site check waiting."""
    cells = list(Area.objects.current().filter(level=Level.GRID, code__startswith=district.code).order_by("code"))
    if not cells:
        return []
    step = max(1, len(cells) // count)
    chosen = [cells[(index * step) % len(cells)] for index in range(count)]
    held = list(
        Area.objects.current()
        .filter(level=Level.GRID, code__startswith=district.code, assignments__ended_at__isnull=True)
        .distinct()
        .order_by("code")[:2]
    )
    for index, cell in zip((0, 7), held):
        chosen[index] = cell
    return chosen


def _step(incident: Incident, action: str, to_status: str | None, actor, at: datetime, note: str = "") -> None:
    # Acts of incidents' own (register, verify, close) dated in the past: the same transition
    # function the acts use, with the moment given.
    transition(incident, action=action, to_status=to_status, actor=actor, expected_status=incident.status, note=note, now=at)


def _user(username: str, name: str, role: str, area: Area, department: Department | None = None) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": name, "role": role, "area": area, "department": department}
    )
    if created:
        user.password = demo_password_hash()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_cases(district: Area, *, now: datetime | None = None) -> int:
    """The demo cases, once. Answers how many were filed."""
    if Incident.objects.filter(description__startswith=MARKER, filed_area__code__startswith=district.code).exists():
        return 0
    dispatcher = User.objects.filter(role=Role.DISPATCHER, area=district, is_active=True).order_by("pk").first()
    shizheng = Department.objects.filter(code="SZ").first()
    shuiwu = Department.objects.filter(code="SW").first()
    handler = User.objects.filter(role=Role.DEPARTMENT, department=shizheng, is_active=True).order_by("pk").first()
    cells = _cells(district, 14)
    if not (dispatcher and shizheng and shuiwu and handler and len(cells) >= 14):
        return 0
    water = _user("shuiwu", "孙水务", Role.DEPARTMENT, district, shuiwu)
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).replace(hour=9, minute=0, second=0, microsecond=0)
    if today > now:
        today -= timedelta(days=1)
    categories = {c.code: c for c in Category.objects.all()}

    def worker_of(cell: Area) -> User:
        found = GridAssignment.objects.active().filter(cell=cell).select_related("user").first()
        return found.user if found else dispatcher

    def file(index: int, code: str, days_ago: float, text: str, address: str) -> Incident:
        at = today - timedelta(days=days_ago)
        point = cells[index].boundary.point_on_surface
        incident, _created = report_incident(
            reporter=dispatcher,
            category=categories[code],
            location=Point(point.x, point.y, srid=4326),
            description=f"{MARKER}{text}",
            source=Source.HOTLINE,
            address=address,
            contact="市民来电",
            now=at,
        )
        return incident

    def register(incident: Incident, minutes: int = 5) -> datetime:
        at = incident.created_at + timedelta(minutes=minutes)
        _step(incident, "register", Status.REGISTERED, dispatcher, at)
        return at

    def dispatch(incident: Incident, department: Department, at: datetime, hours: float = 48) -> datetime:
        actions.dispatch(incident, actor=dispatcher, departments=[department], deadline=at + timedelta(hours=hours), now=at)
        return at

    def close_loop(incident: Incident, at: datetime, worker: User) -> None:
        if worker != dispatcher:  # the cell's grid worker checks on site; without one, the centre does
            actions.request_verification(incident, actor=dispatcher, now=at)
        _step(incident, "verify", Status.VERIFIED, worker, at + timedelta(hours=1), "现场核查已修复")
        _step(incident, "close", Status.CLOSED, dispatcher, at + timedelta(hours=2), "处置完毕，准予结案")

    filed = 0
    # 1. Closed on time by 市政.
    case = file(0, "C0101", 20, "井盖缺失，行人易跌落", "东四北大街12号")
    at = dispatch(case, shizheng, register(case))
    actions.accept(case, actor=handler, now=at + timedelta(minutes=30))
    actions.feedback(case, actor=handler, note="已更换新井盖", photos=[_photo()], now=at + timedelta(hours=5))
    close_loop(case, at + timedelta(hours=6), worker_of(cells[0]))
    filed += 1
    # 2. Returned by 市政 ("not ours"), re-dispatched to 水务, closed on time.
    case = file(1, "C0101", 15, "井盖松动，车辆经过有响声", "朝阳门内大街88号")
    at = dispatch(case, shizheng, register(case))
    actions.return_case(case, actor=handler, reason="该井盖属于水务公司", now=at + timedelta(hours=1))
    at = dispatch(case, shuiwu, at + timedelta(hours=1, minutes=10))
    actions.accept(case, actor=water, now=at + timedelta(minutes=20))
    actions.feedback(case, actor=water, note="已更换阀门", photos=[_photo()], now=at + timedelta(hours=8))
    close_loop(case, at + timedelta(hours=9), worker_of(cells[1]))
    filed += 1
    # 3. Closed late: reported back after the deadline.
    case = file(2, "C0204", 12, "路面坑洼，车辆颠簸", "交道口南大街5号")
    at = dispatch(case, shizheng, register(case), hours=24)
    actions.accept(case, actor=handler, now=at + timedelta(hours=2))
    actions.feedback(case, actor=handler, note="已修补路面", photos=[_photo()], now=at + timedelta(days=3))
    close_loop(case, at + timedelta(days=3, hours=2), worker_of(cells[2]))
    filed += 1
    # 4. Reworked once, then closed.
    case = file(3, "C0102", 9, "路灯不亮", "北新桥三条1号")
    at = dispatch(case, shizheng, register(case), hours=72)
    actions.feedback(case, actor=handler, note="已更换灯泡", photos=[_photo()], now=at + timedelta(hours=20))
    _step(case, "rework", Status.REWORK, worker_of(cells[3]), at + timedelta(hours=22), "夜间复查仍不亮")
    actions.feedback(case, actor=handler, note="已更换镇流器", photos=[_photo()], now=at + timedelta(hours=40))
    close_loop(case, at + timedelta(hours=42), worker_of(cells[3]))
    filed += 1
    # 5. Overdue at 市政, supervised.
    case = file(4, "C0101", 4, "井盖破损下沉", "东直门南小街20号")
    at = dispatch(case, shizheng, register(case), hours=24)
    actions.supervise(case, actor=dispatcher, note="已超期，请今日处置", now=at + timedelta(days=2))
    filed += 1
    # 6. Dispatched automatically to 市政 (the routing rule of 路面塌陷), corrected by the dispatcher
    #    to 水务 (a leaking main under it); in progress there, with a request for more time waiting.
    case = file(5, "E0401", 2, "路面塌陷约一平方米，下方有水渗出", "景山前街3号")
    at = register(case) + timedelta(minutes=10)
    actions.correct_dispatch(case, actor=dispatcher, departments=[shuiwu], note="塌陷由供水管道渗漏引起", now=at)
    actions.accept(case, actor=water, now=at + timedelta(hours=1))
    actions.request_extension(
        case, actor=water, deadline=at + timedelta(days=7), reason="需协调管线单位联合施工", now=at + timedelta(hours=3)
    )
    filed += 1
    # 7. With 水务, not yet accepted: dispatched automatically when registered (供水管道爆裂).
    case = file(6, "E0402", 1, "供水管道爆裂，路面积水", "安定门外大街15号")
    register(case)
    filed += 1
    # 8. Handled by 市政, waiting for the on-site check.
    case = file(7, "C0202", 1, "道路护栏被撞坏", "建国门内大街40号")
    at = dispatch(case, shizheng, register(case))
    actions.feedback(case, actor=handler, note="护栏已修复", photos=[_photo()], now=at + timedelta(hours=4))
    filed += 1
    # 9. Nobody owns it: handed to the street office (属地兜底).
    case = file(8, "E0404", 3, "楼上漏水引发邻里纠纷", "和平里北街6号")
    actions.dispatch_to_locality(case, actor=dispatcher, now=register(case) + timedelta(minutes=5))
    filed += 1
    # 10. On hold.
    case = file(9, "E0301", 6, "屋顶私搭乱建", "东花市大街9号")
    actions.defer(case, actor=dispatcher, reason="等待规划部门认定", now=register(case) + timedelta(minutes=30))
    filed += 1
    # 11. Rejected.
    case = file(10, "E0104", 2, "来电咨询垃圾分类时间", "天坛东路2号")
    _step(case, "reject", Status.REJECTED, dispatcher, case.created_at + timedelta(minutes=3), "咨询类来电，不予立案")
    filed += 1
    # 12–14. Today's queue: one registered waiting for dispatch, two waiting for registration.
    case = file(11, "E0203", 0, "占用消防通道停车", "永定门外大街100号")
    register(case)
    file(12, "C0301", 0, "果皮箱破损", "前门大街7号")
    file(13, "E0303", 0, "渣土车遗撒", "体育馆路11号")
    return filed + 3


def seed(*, district: Area, stdout, **_) -> None:
    added = ensure_owners()
    if settings.PRODUCTION:
        stdout.write(f"Command centre: {added} default departments added; no demo cases in production.")
        return
    cases = seed_cases(district)
    if cases:
        stdout.write(f"Command centre: {added} default departments added, {cases} demo hotline cases at every stage.")
    else:
        stdout.write(f"Command centre: {added} default departments added; demo cases already present (or no demo accounts).")

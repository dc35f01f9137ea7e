"""The command centre's last two months for the demo, through the real acts: hotline cases
dispatched to the departments that own their class, accepted, reported back with a photo, checked
on site and closed — most on time, some late, a few returned and sent to the right department, the
latest still open within their limits — and the reporters' verdicts (满意 / 基本满意 / 不满意) on
closed cases: the callers' by the dispatcher's call-back, the grid workers' own reports in their
app. So a department's shares close within the period and the satisfaction rate shows.

Each act runs with its moment (``now=``) in the past, as the acts write it when it happens."""
from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, GridAssignment, Role, User
from grids.models import Area, Level
from incidents.actions import report_incident, transition
from incidents.models import Category, Incident, Source, Status

from . import actions
from .models import Assignment, Verdict

HISTORY_CASES = 44
HISTORY_DAYS = 56
VERDICT_SHARE = 0.1  # of the grid workers' own closed reports of the last two months (each one through give_verdict: a tenth is plenty)
VERDICTS = [("satisfied", 68), ("basically", 24), ("unsatisfied", 8)]
UNSATISFIED_REASONS = ["处理不彻底，问题又出现了", "回复太慢", "只处理了一半"]

# (class, department code, what the caller said, what the department did)
CALLS = [
    ("C0101", "SZ", "人行道井盖缺失", "已补装井盖"),
    ("C0102", "SZ", "路灯不亮", "已更换灯具"),
    ("C0204", "SZ", "路面坑洼", "已修补路面"),
    ("E0101", "CG", "路边堆放生活垃圾", "已清运"),
    ("E0201", "CG", "早点摊占道经营", "已劝离并教育"),
    ("C0201", "JT", "交通标志牌被撞弯", "已扶正加固"),
    ("E0403", "SW", "雨后路口积水", "已疏通雨水口"),
]
HANDLERS = {"CG": ("cg_handler", "周城管"), "JT": ("jt_handler", "吴交通")}


def _handler(department: Department, district: Area) -> User:
    """The department's handler: the demo account where there is one, else a handler without a sign-in."""
    found = User.objects.filter(role=Role.DEPARTMENT, department=department, is_active=True).order_by("pk").first()
    if found is not None:
        return found
    username, name = HANDLERS.get(department.code, (f"{department.code.lower()}_handler", f"{department.name}处置员"))
    user, _created = User.objects.get_or_create(username=username, defaults={
        "first_name": name, "role": Role.DEPARTMENT, "area": district, "department": department, "password": make_password(None)})
    return user


def _step(incident, action, to_status, actor, at, note=""):
    transition(incident, action=action, to_status=to_status, actor=actor, expected_status=incident.status, note=note, now=at)


@transaction.atomic
def seed_history(district: Area, *, photo, now=None) -> tuple[int, int]:
    """Answers (cases filed, verdicts given); nothing when the history is there already."""
    now = now or timezone.now()
    dispatcher = User.objects.filter(role=Role.DISPATCHER, area=district, is_active=True).order_by("pk").first()
    colleague = User.objects.filter(role=Role.DISPATCHER, is_active=True).exclude(pk=getattr(dispatcher, "pk", None)).first()
    if dispatcher is None or Verdict.objects.filter(incident__filed_area__code__startswith=district.code).exists():
        return 0, 0
    rng = random.Random(2016)
    departments = {d.code: d for d in Department.objects.filter(code__in={c[1] for c in CALLS} | {"SW", "SZ"})}
    categories = {c.code: c for c in Category.objects.filter(code__in=[c[0] for c in CALLS])}
    calls = [c for c in CALLS if c[0] in categories and c[1] in departments]
    cells = list(Area.objects.current().filter(level=Level.GRID, code__startswith=district.code, assignments__ended_at__isnull=True)
                 .distinct().order_by("code").values_list("pk", flat=True))
    if not calls or not cells:
        return 0, 0
    handlers = {code: _handler(department, district) for code, department in departments.items()}
    filed = 0
    for n in range(HISTORY_CASES):
        code, department_code, said, done = calls[n % len(calls)]
        # Spread over the last eight weeks; the newest few are still being worked on.
        days_ago = HISTORY_DAYS * (1 - n / HISTORY_CASES) + rng.uniform(0, 1)
        at = timezone.localtime(now - timedelta(days=days_ago)).replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
        if at > now - timedelta(hours=3):
            at = now - timedelta(hours=3)
        cell = Area.objects.get(pk=cells[(n * 37) % len(cells)])
        point = cell.boundary.point_on_surface
        incident, _created = report_incident(reporter=dispatcher, category=categories[code], location=Point(point.x, point.y, srid=4326),
                                             description=said, source=Source.HOTLINE, contact="市民来电", now=at)
        filed += 1
        at += timedelta(minutes=rng.randint(3, 20))
        _step(incident, "register", Status.REGISTERED, dispatcher, at)
        department = departments[department_code]
        hours = rng.choice([24, 48, 72])
        if n % 9 == 4 and department_code != "SW" and "SW" in departments:  # sent to the wrong owner first, returned
            actions.dispatch(incident, actor=dispatcher, departments=[department], deadline=at + timedelta(hours=hours), now=at)
            at += timedelta(hours=rng.uniform(0.5, 3))
            actions.return_case(incident, actor=handlers[department_code], reason="不属于本部门职责", now=at)
            department = departments["SW"] if department_code == "SZ" else departments["SZ"]
            at += timedelta(minutes=20)
        if not Assignment.objects.filter(incident=incident, status__in=["dispatched", "accepted"]).exists():
            actions.dispatch(incident, actor=dispatcher, departments=[department], deadline=at + timedelta(hours=hours), now=at)
        handler = handlers[department.code]
        at += timedelta(hours=rng.uniform(0.3, 4))
        if at > now - timedelta(minutes=30):
            continue  # today's: waiting for the department to accept
        actions.accept(incident, actor=handler, now=at)
        # Most report back within the limit; one in six after it.
        took = hours * (rng.uniform(1.05, 1.6) if rng.random() < 0.17 else rng.uniform(0.2, 0.85))
        back = at + timedelta(hours=took)
        if back > now - timedelta(hours=2):
            continue  # still being worked on, within its limit
        actions.feedback(incident, actor=handler, note=done, photos=[photo()], now=back)
        worker = GridAssignment.objects.active().filter(cell=cell).select_related("user").first()
        checked = back + timedelta(hours=rng.uniform(1, 6))
        if worker is not None:
            actions.request_verification(incident, actor=dispatcher, now=back + timedelta(minutes=30))
            _step(incident, "verify", Status.VERIFIED, worker.user, checked, "现场核查已处置")
        else:
            _step(incident, "verify", Status.VERIFIED, dispatcher, checked, "电话核实已处置")
        closed = checked + timedelta(hours=rng.uniform(0.5, 3))
        if closed > now - timedelta(minutes=10):
            continue
        _step(incident, "close", Status.CLOSED, colleague or dispatcher, closed, "处置完毕，准予结案")
    given = _verdicts(district, dispatcher, rng, now)
    return filed, given


def _verdicts(district: Area, dispatcher: User, rng, now) -> int:
    """Verdicts on closed cases of the last two months, a day or two after each closing: the
    callers' recorded by the dispatcher, the grid workers' on their own reports."""
    closed = list(Incident.objects.filter(filed_area__code__startswith=district.code, status=Status.CLOSED,
                                          closed_at__gte=now - timedelta(days=HISTORY_DAYS))
                  .filter(source__in=[Source.HOTLINE, Source.PATROL]).select_related("reporter").order_by("pk"))
    given = 0
    for incident in closed:
        if incident.source == Source.PATROL and (incident.reporter is None or rng.random() > VERDICT_SHARE):
            continue
        at = min(incident.closed_at + timedelta(hours=rng.uniform(2, 48)), now - timedelta(minutes=5))
        value = rng.choices([v for v, _w in VERDICTS], weights=[w for _v, w in VERDICTS])[0]
        if value == "unsatisfied":
            # Within the week an unsatisfied verdict reopens the case; the demo's are the follow-up
            # calls of the next week (counted, reopening nothing), where a week has passed.
            at = incident.closed_at + timedelta(days=rng.uniform(7.5, 10))
            if at > now - timedelta(minutes=5):
                value, at = "basically", min(incident.closed_at + timedelta(hours=6), now - timedelta(minutes=5))
        actor = dispatcher if incident.source == Source.HOTLINE else incident.reporter
        actions.give_verdict(incident, actor=actor, value=value, now=at,
                             reason=rng.choice(UNSATISFIED_REASONS) if value == "unsatisfied" else "")
        given += 1
    return given


def seed(*, district: Area, stdout, **_) -> None:
    """``manage.py seed_demo``'s part after the command centre's own (dispatch.demo)."""
    if settings.PRODUCTION:
        return
    from .demo import _photo

    filed, given = seed_history(district, photo=_photo)
    if filed or given:
        stdout.write(f"Command centre's last two months: {filed} hotline cases through the departments, {given} verdicts.")
    else:
        stdout.write("Command centre's last two months: already present (or no demo dispatcher).")

"""Demo departments, one demo user per role (password gridgov-demo; refused in production), and a
grid worker for every cell.

The demo accounts sign in; the district's other grid workers (one per dozen cells or so, a few
hundred, with plausible names) have no sign-in and no password: they exist so that every cell is
covered, the assignment map and the per-worker figures are full, and cases and patrols have their
people. Their cells are assigned half a year back and part of them handed over two months ago,
through ``accounts.actions.cover_cells`` (the history the indicators read), in two statements.
"""
from __future__ import annotations

import functools
import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from grids.models import Area, Level

from .actions import cover_cells
from .models import Department, Role, User

CELLS_PER_WORKER = 12
COVERED_SINCE_DAYS = 180
HANDOVER_DAYS = 60
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖")
GIVEN = list("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林欣晨阳建国志文海峰东亮芳娜敏静丽艳娟霞秀燕玲桂英红梅琳雪婷倩颖慧莉萍洁琴云")

DEPARTMENTS = [
    ("CG", "城管"), ("SZ", "市政"), ("YL", "园林"), ("HB", "环保"), ("GA", "公安"),
    ("ZJ", "住建"), ("SW", "水务"), ("JT", "交通"), ("GD", "供电"), ("RQ", "燃气"),
]

DEPARTMENT_NAMES_EN = {
    "CG": "Urban management", "SZ": "Municipal works", "YL": "Parks and greenery", "HB": "Environmental protection",
    "GA": "Public security", "ZJ": "Housing and construction", "SW": "Water affairs", "JT": "Transport",
    "GD": "Power supply", "RQ": "Gas supply",
}


@transaction.atomic
def seed(*, district: Area, stdout, **_) -> None:
    if settings.PRODUCTION:
        raise CommandError("Demo accounts are never created in production.")
    for code, name in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name, "name_en": DEPARTMENT_NAMES_EN.get(code, "")})
    accounts = _accounts(district)
    community = accounts[1][3]
    cells = list(Area.objects.current().filter(parent=community, level=Level.GRID).order_by("code")[:2])
    signed_in = [_demo_account(district, *account) for account in accounts]
    worker = signed_in[1]
    workers = _grid_workers(district, worker, cells)
    stdout.write(f"Demo accounts ready: {', '.join(user.username for user in signed_in)} (password {settings.GRIDGOV_DEMO_PASSWORD}); "
                 f"{workers} grid workers without sign-in cover the other cells.")


def _accounts(district: Area) -> list[tuple]:
    """The demo accounts of a district: (login name, name, role, area, department)."""
    street = Area.objects.current().filter(parent=district, level=Level.STREET).order_by("code").first()
    community = Area.objects.current().filter(parent=street, level=Level.COMMUNITY).order_by("code").first()
    department = Department.objects.filter(code="SZ").first()
    return [
        ("admin", "管理员", Role.GIS_ADMIN, district, None),
        ("gridworker", "李网格", Role.GRID_WORKER, community, None),
        ("community", "王社区", Role.COMMUNITY, community, None),
        ("street", "赵街道", Role.STREET, street, None),
        ("dispatcher", "陈调度", Role.DISPATCHER, district, None),
        ("department", "刘市政", Role.DEPARTMENT, district, department),
        ("leader", "周领导", Role.LEADER, district, None),
        # Of the first community: the demo emergency hands him door-to-door tasks (emergencies.demo).
        ("volunteer", "钱志愿", Role.VOLUNTEER, community, None),
    ]


def ensure_demo_user(district: Area, username: str) -> User | None:
    """``demo_user``, and when the district has no such account yet — seeded before the account was
    in the table, or a district whose other demo accounts were made by hand — made now, as
    ``seed`` makes it. None for a name that is no demo account (or an account needing a
    department the district lacks)."""
    found = demo_user(district, username)
    if found is not None:
        return found
    for account in _accounts(district):
        if account[0] == username and not (account[2] == Role.DEPARTMENT and account[4] is None):
            return _demo_account(district, *account)
    return None


def _demo_account(district: Area, username: str, name: str, role: str, area: Area, department) -> User:
    """The district's demo account for a role. The plain name (``dispatcher``) when it is free or
    already this district's; when another district (an earlier demo, the test world) holds it,
    ``dispatcher_<district code>`` — the district's own cases, history and verdicts are written by
    its own dispatcher, and a district without one would get none of them."""
    existing = User.objects.filter(username=username).first()
    if existing is not None and existing.area_id != area.pk:
        username = f"{username}_{district.code}"
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": name, "role": role, "area": area, "department": department},
    )
    if created:
        user.password = demo_password_hash()
        if role == Role.GIS_ADMIN:
            user.is_staff = user.is_superuser = True
        user.save()
    return user


@functools.lru_cache(maxsize=1)
def demo_password_hash() -> str:
    """The demo password hashed once per process. Argon2 takes about a second of CPU on purpose; the
    demo accounts share one published password, so one hash (one salt) for all of them loses nothing."""
    return make_password(settings.GRIDGOV_DEMO_PASSWORD)


def demo_user(district: Area, username: str) -> User | None:
    """The district's demo account of that name (plain or ``<name>_<district code>``, see ``_demo_account``)."""
    found = User.objects.filter(username__in=[username, f"{username}_{district.code}"], area__code__startswith=district.code)
    return found.order_by("username").first()


def _grid_workers(district: Area, demo_worker: User, demo_cells: list[Area]) -> int:
    """A grid worker for every dozen cells of each community (none signs in), with half a year of assignment history."""
    prefix = f"gw{district.code}"
    if User.objects.filter(username__startswith=prefix).exists():
        return User.objects.filter(username__startswith=prefix).count()
    rng = random.Random(2004)
    now = timezone.now()
    demo_ids = {cell.pk for cell in demo_cells}
    by_community: dict[int, list[int]] = {}
    for pk, parent_id in (Area.objects.current().filter(level=Level.GRID, code__startswith=district.code)
                          .order_by("code").values_list("pk", "parent_id")):
        if pk not in demo_ids:
            by_community.setdefault(parent_id, []).append(pk)
    communities = dict(Area.objects.filter(pk__in=by_community).values_list("pk", "code"))
    unusable = make_password(None)
    users, plan = [], []
    for community_id, cell_ids in sorted(by_community.items(), key=lambda item: communities[item[0]]):
        count = max(1, round(len(cell_ids) / CELLS_PER_WORKER))
        for index in range(count):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            users.append(User(username=f"{prefix}{communities[community_id][6:]}{index + 1:02d}", first_name=name,
                              role=Role.GRID_WORKER, area_id=community_id, password=unusable))
        size = -(-len(cell_ids) // count)
        plan.append((len(users) - count, [cell_ids[i:i + size] for i in range(0, len(cell_ids), size)]))
    User.objects.bulk_create(users, batch_size=1000)
    ids = dict(User.objects.filter(username__startswith=prefix).values_list("username", "pk"))
    first: dict[int, int] = {cell.pk: demo_worker.pk for cell in demo_cells}
    handover: dict[int, int] = {}
    for start, chunks in plan:
        workers = [ids[users[start + k].username] for k in range(len(chunks))]
        for worker_id, chunk in zip(workers, chunks):
            first.update({cell_id: worker_id for cell_id in chunk})
        # In one community in five, the second worker joined two months ago and took over part of the first one's cells.
        if len(workers) > 1 and rng.random() < 0.2:
            moved = chunks[0][len(chunks[0]) // 2:]
            first.update({cell_id: workers[0] for cell_id in moved})
            handover.update({cell_id: workers[1] for cell_id in moved})
    cover_cells(None, first, at=now - timedelta(days=COVERED_SINCE_DAYS))
    if handover:
        cover_cells(None, handover, at=now - timedelta(days=HANDOVER_DAYS))
    return len(users)

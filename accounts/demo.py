"""Demo departments and one demo user per role (password gridgov-demo; refused in production)."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from grids.models import Area, Level

from .models import Department, GridAssignment, Role, User

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
    street = Area.objects.current().filter(parent=district, level=Level.STREET).order_by("code").first()
    community = Area.objects.current().filter(parent=street, level=Level.COMMUNITY).order_by("code").first()
    cells = list(Area.objects.current().filter(parent=community, level=Level.GRID).order_by("code")[:2])
    accounts = [
        ("admin", "管理员", Role.GIS_ADMIN, district, None),
        ("gridworker", "李网格", Role.GRID_WORKER, community, None),
        ("community", "王社区", Role.COMMUNITY, community, None),
        ("street", "赵街道", Role.STREET, street, None),
        ("dispatcher", "陈调度", Role.DISPATCHER, district, None),
        ("department", "刘市政", Role.DEPARTMENT, district, Department.objects.get(code="SZ")),
        ("leader", "周领导", Role.LEADER, district, None),
    ]
    for username, name, role, area, department in accounts:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": name, "role": role, "area": area, "department": department},
        )
        if created:
            user.set_password(settings.GRIDGOV_DEMO_PASSWORD)
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
    worker = User.objects.get(username="gridworker")
    for cell in cells:
        GridAssignment.objects.get_or_create(user=worker, cell=cell, ended_at=None)
    stdout.write(f"Demo accounts ready: {', '.join(a[0] for a in accounts)} (password {settings.GRIDGOV_DEMO_PASSWORD}).")

"""A small synthetic district and one persona per role, built once and rebuilt only after a
transactional test has flushed the database.

Layout (1.2 km × 0.8 km in southern Beijing, clear of the demo 东城区, district 990101 "测试区"): two street offices, two
communities in each, about a hundred ~100 m cells. Persona names say where they sit:
``grid_worker_a`` holds cell A (first cell of community 1), ``grid_worker_b`` holds cell B (first
cell of the *other* street's first community).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from shapely.geometry import box

from accounts.models import Department, GridAssignment, Role, User
from grids.demo import build_district
from grids.models import Area, Level

DISTRICT_CODE = "990101"
BOUNDARY = box(116.700, 39.600, 116.714, 39.6072)  # about 1.2 km × 0.8 km, clear of 东城区
PASSWORD = settings.GRIDGOV_DEMO_PASSWORD


@dataclass
class World:
    district: Area
    street_1: Area
    street_2: Area
    community_1: Area
    community_2: Area  # in street 2
    cell_a: Area  # in community 1
    cell_a2: Area  # also in community 1
    cell_b: Area  # in community 2
    department: Department
    other_department: Department
    grid_worker_a: User
    grid_worker_b: User
    community_staff: User
    street_staff: User
    dispatcher: User
    department_handler: User
    other_department_handler: User
    gis_admin: User
    leader: User
    volunteer: User  # a verified volunteer (社会力量) of community 1

    def users(self) -> dict[str, User]:
        return {name: value for name, value in vars(self).items() if isinstance(value, User)}


def _user(username: str, role: str, area: Area | None, department: Department | None = None, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": role, "area": area, "department": department, "first_name": username, **extra}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def ensure_world() -> World:
    district = Area.objects.current().filter(code=DISTRICT_CODE).first()
    if district is None:
        district = build_district(DISTRICT_CODE, name="测试区", boundary=BOUNDARY, streets=2, communities_per_street=2, seed=7)
    streets = list(Area.objects.current().filter(parent=district, level=Level.STREET).order_by("code"))
    community_1 = Area.objects.current().filter(parent=streets[0]).order_by("code").first()
    community_2 = Area.objects.current().filter(parent=streets[1]).order_by("code").first()
    cells_1 = list(Area.objects.current().filter(parent=community_1).order_by("code")[:2])
    cell_b = Area.objects.current().filter(parent=community_2).order_by("code").first()
    department, _ = Department.objects.get_or_create(code="SZ", defaults={"name": "市政"})
    other, _ = Department.objects.get_or_create(code="SW", defaults={"name": "水务"})
    grid_worker_a = _user("worker_a", Role.GRID_WORKER, community_1)
    grid_worker_b = _user("worker_b", Role.GRID_WORKER, community_2)
    # Held since long before any test's cases: the indicators count a case for the worker who
    # covered its cell when it was filed (the assignment history).
    since = timezone.make_aware(datetime(2020, 1, 1))
    GridAssignment.objects.get_or_create(user=grid_worker_a, cell=cells_1[0], ended_at=None, defaults={"started_at": since})
    GridAssignment.objects.get_or_create(user=grid_worker_b, cell=cell_b, ended_at=None, defaults={"started_at": since})
    GridAssignment.objects.filter(user__in=[grid_worker_a, grid_worker_b], ended_at=None, started_at__gt=since).update(started_at=since)
    return World(
        district=district,
        street_1=streets[0],
        street_2=streets[1],
        community_1=community_1,
        community_2=community_2,
        cell_a=cells_1[0],
        cell_a2=cells_1[1],
        cell_b=cell_b,
        department=department,
        other_department=other,
        grid_worker_a=grid_worker_a,
        grid_worker_b=grid_worker_b,
        community_staff=_user("community_1", Role.COMMUNITY, community_1),
        street_staff=_user("street_1", Role.STREET, streets[0]),
        dispatcher=_user("dispatcher", Role.DISPATCHER, district),
        department_handler=_user("handler_sz", Role.DEPARTMENT, district, department),
        other_department_handler=_user("handler_sw", Role.DEPARTMENT, district, other),
        gis_admin=_user("gis_admin", Role.GIS_ADMIN, district, is_staff=True),
        leader=_user("leader", Role.LEADER, district),
        volunteer=_volunteer(community_1),
    )


def _volunteer(community: Area) -> User:
    """A volunteer as needs.actions.verify_volunteer leaves him: active, attached to the community."""
    from needs.models import Volunteer, VolunteerStatus

    user = _user("volunteer_c1", Role.VOLUNTEER, community, phone="13900001234")
    Volunteer.objects.get_or_create(user=user, defaults={
        "name": "志愿者甲", "phone_masked": "139****1234", "community": community, "status": VolunteerStatus.VERIFIED,
    })
    return user

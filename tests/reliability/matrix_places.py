"""The objects of every place of the permission matrix (tests/reliability/matrix.py says which
places and routes there are): built once per test run and remembered."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import GridAssignment, Role, User
from grids.models import Area, Level

from .matrix import (
    ACTION_NAME,
    MARKED_KINDS,
    OUTSIDE_DISTRICT_BOUNDARY,
    OUTSIDE_DISTRICT_CODE,
    PERSONAL_KINDS,
    PLACES,
    UNMARKED_KINDS,
)


@dataclass
class Places:
    """Builds (once) and remembers the objects of every place."""

    world: Any
    media_root: str = ""
    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    own: dict[tuple[str, str], Any] = field(default_factory=dict)
    _outside_cell: Area | None = None

    # --- areas ------------------------------------------------------------------------------
    def cell(self, place: str) -> Area:
        if place == "X":
            return self.outside_cell()
        return {"A": self.world.cell_a, "A2": self.world.cell_a2, "B": self.world.cell_b}[place]

    def area(self, place: str, level: str) -> Area:
        area = self.cell(place)
        while area.level != level:
            area = area.parent
        return area

    def outside_cell(self) -> Area:
        if self._outside_cell is None:
            from grids.demo import build_district

            district = build_district(
                OUTSIDE_DISTRICT_CODE, name="界外区MARK-X-district", boundary=OUTSIDE_DISTRICT_BOUNDARY,
                streets=1, communities_per_street=1, seed=11,
            )
            self._outside_cell = Area.objects.current().filter(code__startswith=district.code, level=Level.GRID).order_by("code").first()
        return self._outside_cell

    def latlng(self, place: str) -> dict[str, str]:
        point = self.cell(place).boundary.point_on_surface
        return {"lat": f"{point.y:.6f}", "lng": f"{point.x:.6f}"}

    def tile(self, place: str, z: int = 16) -> dict[str, Any]:
        point = self.cell(place).boundary.point_on_surface
        n = 2**z
        x = int((point.x + 180.0) / 360.0 * n)
        y = int((1.0 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2.0 * n)
        return {"level": "grid", "z": z, "x": x, "y": y}

    def worker(self, place: str) -> User:
        """The grid worker of a place (made for A2 and X, where the world has none)."""
        if place == "A":
            return self.world.grid_worker_a
        if place == "B":
            return self.world.grid_worker_b
        key = ("worker", place)
        if key not in self.objects:
            cell = self.cell(place)
            user = User.objects.create(username=f"matrix_worker_{place.lower()}", role=Role.GRID_WORKER, area=cell.parent)
            GridAssignment.objects.create(user=user, cell=cell)
            self.objects[key] = user
        return self.objects[key]

    def category(self):
        from incidents.models import Category
        from incidents.seeds import ensure_reference_data

        if not Category.objects.filter(parent__isnull=False).exists():
            ensure_reference_data()
        return Category.objects.filter(parent__isnull=False, active=True).order_by("code").first()

    # --- objects ----------------------------------------------------------------------------
    def marker(self, place: str, kind: str) -> str:
        return f"MARK-{place}-{kind}"

    def markers(self, places: tuple[str, ...]) -> list[str]:
        """Identifying texts of everything built in these places (areas excluded: public geography)."""
        found = []
        for (kind, place), _obj in self.objects.items():
            if place in places and kind in MARKED_KINDS:
                found.append(self.marker(place, kind))
        return found

    def get(self, kind: str, place: str, persona=None) -> Any:
        if kind in PERSONAL_KINDS:
            # One draft per community and author: A and A2 share community 1, so share the draft.
            where = self.area(place, Level.COMMUNITY).code if kind == "draft" else place
            key = (kind, f"{where}:{persona.pk if persona else 'other'}")
            if key not in self.own:
                self.own[key] = getattr(self, f"_build_{kind}")(place, persona)
            return self.own[key]
        if (kind, place) not in self.objects:
            builder = getattr(self, f"_build_{kind}", None)
            if builder is None:
                raise LookupError(kind)
            self.objects[(kind, place)] = builder(place)
        return self.objects[(kind, place)]

    def build_all(self, personas: list) -> None:
        """Build everything up front: list pages then have something to leak, and no object is made
        inside a test's savepoint (rolled back after it) and remembered after."""
        for place in PLACES:
            for kind in MARKED_KINDS + UNMARKED_KINDS:
                self.get(kind, place)
            for persona in personas:
                for kind in PERSONAL_KINDS:
                    self.get(kind, place, persona)
        self._dispatch_cases()

    def url_value(self, kind: str, place: str, persona=None) -> Any:
        if kind == "cell_code":
            return self.cell(place).code
        if kind == "community_code":
            return self.area(place, Level.COMMUNITY).code
        if kind == "action_name":
            return ACTION_NAME
        if kind == "need_act":
            return "claim"
        if kind == "volunteer_decision":
            return "verify"
        if kind == "draft_cell":
            return self.get("draft", place, persona).cells.order_by("id").first().pk
        return self.get(kind, place, persona).pk

    # Builders write rows directly: they make fixtures, not user acts, and must not depend on
    # an action's rules (who may file where) that other tests check.
    def _build_incident(self, place: str):
        from incidents.models import Incident, TimelineEntry

        cell = self.cell(place)
        point = cell.boundary.point_on_surface
        now = timezone.now()
        incident = Incident.objects.create(
            cell=cell, filed_area=cell, area=cell, location=Point(point.x, point.y, srid=4326),
            address=f"{self.marker(place, 'incident')} 地址", category=self.category(),
            description=f"{self.marker(place, 'incident')} 井盖破损", reporter=self.worker(place),
            deadline=now + timedelta(days=30), deadline_started_at=now,
        )
        TimelineEntry.objects.create(
            incident=incident, version=1, actor=self.worker(place), action="report", to_status=incident.status,
            to_level=incident.level, to_area=cell, note=self.marker(place, "incident"),
        )
        return incident

    def _build_photo(self, place: str):
        """A case photo, its file written to the (temporary) MEDIA_ROOT the module fixture sets."""
        from django.core.files.base import ContentFile

        from incidents.models import IncidentPhoto

        photo = IncidentPhoto(incident=self.get("incident", place), stage="before", width=1, height=1, size_bytes=4)
        photo.image.save(f"matrix-{place}.jpg", ContentFile(b"\xff\xd8\xff\xd9"), save=False)
        photo.save()
        return photo

    def _build_notification(self, place: str):
        from incidents.models import Notification

        return Notification.objects.create(
            user=self.worker(place), incident=self.get("incident", place), kind="escalated", text=self.marker(place, "notification")
        )

    def _build_patrol(self, place: str):
        from incidents.models import Patrol

        now = timezone.now()
        return Patrol.objects.create(
            worker=self.worker(place), cell=self.cell(place), started_at=now - timedelta(hours=1), ended_at=now,
            note=self.marker(place, "patrol"),
        )

    def _build_building(self, place: str):
        from residents.models import Building

        cell = self.cell(place)
        return Building.objects.create(
            code=f"MATRIX-{place}", address=f"{self.marker(place, 'building')} 测试路1号", location=cell.boundary.point_on_surface,
            cell=cell, floors=6, units=2,
        )

    def _build_household(self, place: str):
        from residents.models import Dwelling, Household

        dwelling = Dwelling.objects.create(building=self.get("building", place), unit="1", floor=1, room="101")
        return Household.objects.create(number=self.marker(place, "household"), dwelling=dwelling, cell=self.cell(place))

    def _build_person(self, place: str):
        from residents.models import Person

        household = self.get("household", place)
        person = Person.objects.create(
            name=self.marker(place, "person"), gender="female", household=household, cell=self.cell(place),
            relation_to_head="head", current_address=f"{self.marker(place, 'person')} 现住址",
        )
        type(household).objects.filter(pk=household.pk).update(head=person)
        return person

    def _build_visit(self, place: str):
        from residents.models import Visit

        fields = {f.name for f in Visit._meta.get_fields()}
        extra = {"notes": self.marker(place, "visit")} if "notes" in fields else {}
        return Visit.objects.create(household=self.get("household", place), worker=self.worker(place), **extra)

    def _build_need(self, place: str):
        """A need of the place's household, recorded by its grid worker (rows written directly)."""
        from needs.models import Need, NeedEvent, NeedKind
        from needs.seeds import ensure_kinds

        ensure_kinds()
        cell = self.cell(place)
        now = timezone.now()
        need = Need.objects.create(
            household=self.get("household", place), cell=cell, area=cell, kind=NeedKind.objects.get(code="food"), source="grid",
            description=f"{self.marker(place, 'need')} 需要米面 13812345678", deadline=now + timedelta(days=1),
            deadline_started_at=now, created_by=self.worker(place),
        )
        NeedEvent.objects.create(need=need, version=1, action="record", note=self.marker(place, "need"))
        return need

    def _build_volunteer(self, place: str):
        """A registration waiting in the place's community."""
        from needs.models import Volunteer

        user = User.objects.create(username=f"matrix_volunteer_{place.lower()}", role=Role.VOLUNTEER, is_active=False)
        return Volunteer.objects.create(
            user=user, name=self.marker(place, "volunteer"), phone_masked="137****0000", community=self.area(place, Level.COMMUNITY),
        )

    # --- emergencies: one per place, declared over the place's cell, with a campaign and a task ---
    def _build_emergency(self, place: str):
        from emergencies.models import Emergency

        return Emergency.objects.create(kind="epidemic", title=self.marker(place, "emergency"), area=self.cell(place),
                                        declared_by=self.world.dispatcher)

    def _build_zone(self, place: str):
        from django.contrib.gis.geos import MultiPolygon

        from emergencies.models import Zone

        boundary = self.cell(place).boundary
        shape = boundary if boundary.geom_type == "MultiPolygon" else MultiPolygon(boundary)
        return Zone.objects.create(emergency=self.get("emergency", place), name=self.marker(place, "zone"), measure="lockdown",
                                   geometry=shape)

    def _build_campaign(self, place: str):
        from emergencies.models import Campaign

        deadline = timezone.now() + timedelta(days=30)
        zone = self.get("zone", place)
        return Campaign.objects.create(emergency=zone.emergency, zone=zone, title=self.marker(place, "campaign"), unit="household",
                                       deadline=deadline, care_deadline=deadline, issued_by=self.world.dispatcher, task_count=1)

    def _build_task(self, place: str):
        from emergencies.models import CellProgress, Task

        household = self.get("household", place)
        campaign = self.get("campaign", place)
        CellProgress.objects.create(campaign=campaign, cell=self.cell(place), total=1, care_total=1)
        return Task.objects.create(campaign=campaign, cell=self.cell(place), building=household.dwelling.building, household=household,
                                   room="101", floor=1, care=True, deadline=campaign.deadline, worker=self.worker(place),
                                   note=self.marker(place, "task"))

    def _build_import_job(self, place: str, persona):
        """An import is seen by whoever uploaded it: the persona's own (inside) or somebody else's."""
        from residents.models import ImportJob

        uploader = persona or self.worker("X")
        return ImportJob.objects.create(
            uploaded_by=uploader, area=self.area(place, Level.COMMUNITY), filename=f"{self.marker(place, 'import_job')}.xlsx",
            status="invalid",
        )

    def _build_cut_job(self, place: str, persona):
        """A cutting is seen by the administrator who started it: the persona's own or another's."""
        from grids.models import CutJob

        author = persona or self._other_admin()
        community = self.area(place, Level.COMMUNITY)
        return CutJob.objects.create(scope=community, communities=[community.code], created_by=author, status="failed")

    def _build_draft(self, place: str, persona):
        """A draft is seen by its author: the persona's own (inside) or another administrator's."""
        from grids import actions as grid_actions
        from grids.models import DraftCell, DraftRevision

        author = persona or self._other_admin()
        community = self.area(place, Level.COMMUNITY)
        draft = DraftRevision.objects.create(
            community=community, created_by=author, base_revision=grid_actions.community_revision(community)
        )
        cell = self.cell(place)
        DraftCell.objects.create(draft=draft, origin=cell, geometry=cell.boundary)
        return draft

    def _dispatch_cases(self) -> None:
        """Case A to 市政, case A2 to 水务 (rows written directly, as the other builders do)."""
        try:
            from dispatch.models import Assignment
        except ImportError:  # the dispatch app is not there yet: departments then see no case at all
            return
        now = timezone.now()
        for place, department in (("A", self.world.department), ("A2", self.world.other_department)):
            Assignment.objects.create(
                incident=self.get("incident", place), department=department, deadline=now + timedelta(days=3),
                dispatched_by=self.world.dispatcher,
            )

    def _other_admin(self) -> User:
        key = ("admin", "X")
        if key not in self.objects:
            self.objects[key] = User.objects.create(
                username="matrix_other_admin", role=Role.GIS_ADMIN, area=self.area("X", Level.DISTRICT), is_staff=True
            )
        return self.objects[key]

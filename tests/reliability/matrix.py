"""What the permission matrix needs to know about the URL configuration.

The matrix walks every route of ``gridgov.urls``; this module tells it how to fill a route's URL
arguments with an object *inside* a persona's jurisdiction and one *outside* it. Nothing is
skipped silently: a route whose arguments are not described here makes the matrix fail with a
message naming the route and this file.

Places. Objects are made in four places of the shared ``world`` plus a second district:

    A   cell A (grid_worker_a's cell), community 1, street 1
    A2  another cell of community 1 — outside for grid_worker_a, who holds only cell A
    B   cell B, community 2, street 2
    X   a cell of another district (990102) — outside even for the district-wide roles

Every object outside carries a marker (``MARK-<place>-<kind>``) in its identifying text, so a
leak shows up as the marker in a response body.

To cover a new route:
  * its URL arguments name an object of a kind below → add the route name to ``ROUTE_KINDS``;
  * a new kind of object → add a builder to ``Places.build`` (and to ``ROUTE_KINDS``);
  * it shows nothing that belongs to a jurisdiction (public geography, static files) → add it to
    ``PUBLIC_ROUTES`` with the reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from django.contrib.gis.geos import Point
from django.utils import timezone
from shapely.geometry import box

from accounts.capabilities import Capability
from accounts.models import GridAssignment, Role, User
from grids.models import Area, Level

PLACES = ("A", "A2", "B", "X")
OUTSIDE_DISTRICT_CODE = "990102"
OUTSIDE_DISTRICT_BOUNDARY = box(116.720, 39.600, 116.7245, 39.6035)  # about 380 m × 390 m, east of the world

# Which place is inside, and which outside place is tried, for each persona (the nearest one
# outside: the hardest to keep apart).
INSIDE_PLACE = {
    "grid_worker_a": "A",
    "grid_worker_b": "B",
    "community_staff": "A",
    "street_staff": "A",
    "dispatcher": "A",
    "department_handler": "A",
    "other_department_handler": "A",
    "gis_admin": "A",
    "leader": "A",
}
OUTSIDE_PLACE = {
    "grid_worker_a": "A2",
    "grid_worker_b": "A",
    "community_staff": "B",
    "street_staff": "B",
    "dispatcher": "X",
    "department_handler": "X",
    "other_department_handler": "X",
    "gis_admin": "X",
    "leader": "X",
    None: "A",  # anonymous
}
# Every place a persona must never see anything of (the body check of every response).
OUTSIDE_PLACES = {
    "grid_worker_a": ("A2", "B", "X"),
    "grid_worker_b": ("A", "A2", "X"),
    "community_staff": ("B", "X"),
    "street_staff": ("B", "X"),
    "dispatcher": ("X",),
    "department_handler": ("X",),
    "other_department_handler": ("X",),
    "gis_admin": ("X",),
    "leader": ("X",),
    None: PLACES,
}

# Departments see cases by dispatch, not by area (dispatch registers that narrowing): the case in
# A is dispatched to 市政 (department_handler), the case in A2 to 水务 (other_department_handler);
# each must be 404 to the other department. Applies to routes whose arguments name a case or its photo.
CASE_KINDS = ("incident", "photo")
CASE_INSIDE_PLACE = {"department_handler": "A", "other_department_handler": "A2"}
CASE_OUTSIDE_PLACE = {"department_handler": "A2", "other_department_handler": "A"}
# Case markers a department must never see (cases not dispatched to it); patrols and other records
# follow the area rule like everyone's.
CASE_FORBIDDEN_PLACES = {"department_handler": ("A2", "B", "X"), "other_department_handler": ("A", "B", "X")}

# Routes whose URL arguments name objects. kind → how the builder makes one per place.
# Keyed by the route's full name ("namespace:name"), or by its pattern when it has no name.
ROUTE_KINDS: dict[str, dict[str, str]] = {
    # grids
    "grids:editor": {"code": "community_code"},
    "area-detail": {"code": "cell_code"},
    "area-revisions": {"code": "community_code"},
    "community-draft": {"code": "community_code"},
    "draft-detail": {"draft_id": "draft"},
    "draft-cells": {"draft_id": "draft"},
    "draft-cell": {"draft_id": "draft", "cell_id": "draft_cell"},
    "draft-split": {"draft_id": "draft"},
    "draft-merge": {"draft_id": "draft"},
    "draft-validation": {"draft_id": "draft"},
    "draft-impact": {"draft_id": "draft"},
    "draft-publish": {"draft_id": "draft"},
    "draft-rebase": {"draft_id": "draft"},
    "draft-undo": {"draft_id": "draft"},
    "grids:cut_job": {"job_id": "cut_job"},
    "grids:cut_status": {"job_id": "cut_job"},
    "grids:cut_cells": {"job_id": "cut_job"},
    "grids:cut_publish": {"job_id": "cut_job"},
    # residents
    "residents:cell": {"code": "cell_code"},
    "residents:building_new": {"code": "cell_code"},
    "residents:building": {"pk": "building"},
    "residents:household_new": {"pk": "building"},
    "residents:household": {"pk": "household"},
    "residents:household_visit": {"pk": "household"},
    "residents:person_new": {"household_pk": "household"},
    "residents:person": {"pk": "person"},
    "residents:person_reveal": {"pk": "person"},
    "residents:person_edit": {"pk": "person"},
    "residents:person_tag": {"pk": "person"},
    "residents:person_status": {"pk": "person"},
    "residents:area": {"code": "community_code"},
    "residents:import_job": {"pk": "import_job"},
    "residents:import_status": {"pk": "import_job"},
    "residents:import_confirm": {"pk": "import_job"},
    "residents-person-detail": {"pk": "person"},
    "residents-person-reveal": {"pk": "person"},
    "residents-building-detail": {"pk": "building"},
    "residents-household-detail": {"pk": "household"},
    "residents-household-visits": {"pk": "household"},
    "residents-statistics": {"code": "community_code"},
    # incidents
    "incidents:patrol-summary": {"pk": "patrol"},
    "incidents:detail": {"pk": "incident"},
    "incidents:act": {"pk": "incident", "action": "action_name"},
    "incident-detail": {"pk": "incident"},
    "incident-action": {"pk": "incident", "action": "action_name"},
    "patrol-detail": {"pk": "patrol"},
    "patrol-points": {"pk": "patrol"},
    "patrol-checkins": {"pk": "patrol"},
    "patrol-end": {"pk": "patrol"},
    # dispatch (the command centre acts on incidents)
    "incident-photo": {"pk": "photo"},
    "dispatch:case": {"pk": "incident"},
    "dispatch:act": {"pk": "incident", "action": "action_name"},
    "dispatch-case": {"pk": "incident"},
    "dispatch-case-action": {"pk": "incident", "action": "action_name"},
    "dispatch:contact-reveal": {"pk": "incident"},
    "dispatch-case-contact-reveal": {"pk": "incident"},
}

# Query strings that name an object (404 outside, like a URL argument).
ROUTE_QUERIES: dict[str, Callable[["Places", str], dict[str, str]]] = {
    "area-labels": lambda places, place: {"parent": places.area(place, Level.COMMUNITY).code},
}
# Query strings that filter a list by place: outside, the list may answer (200) but must hold
# nothing from outside — neither a marked object nor the outside cell's code.
ROUTE_FILTERS: dict[str, Callable[["Places", str], dict[str, str]]] = {
    "area-list": lambda places, place: {"parent": places.area(place, Level.COMMUNITY).code},
    "incident-nearby": lambda places, place: places.latlng(place) | {"category": places.category().code},
}

# Routes that any signed-in persona may read in full, whatever the jurisdiction, with the reason;
# `anonymous=True` when even a visitor who is not signed in may read them.
@dataclass(frozen=True)
class Public:
    reason: str
    anonymous: bool = False
    kwargs: Callable[["Places", str], dict[str, Any]] | None = None
    must_be_404: bool = False  # the object the kwargs name is never public: everyone gets 404


PUBLIC_ROUTES: dict[str, Public] = {
    "login": Public("the sign-in page", anonymous=True),
    "logout": Public("signing out reveals nothing", anonymous=True),
    "set_language": Public("the language switch", anonymous=True),
    "api-token": Public("token exchange; answers POST only", anonymous=True),
    "api-token-refresh": Public("token refresh by a refresh key; answers POST only", anonymous=True),
    "password_reset_confirm": Public(
        "the page a one-time reset link opens; a made-up link says it is used or expired", anonymous=True,
        kwargs=lambda places, place: {"uidb64": "MQ", "token": "made-up-token"},
    ),
    "api-schema": Public("the OpenAPI schema describes endpoints, not data", anonymous=True),
    "api-docs": Public("Swagger UI, served from the sidecar", anonymous=True),
    "healthz": Public("health of services for the load balancer; no personal data", anonymous=True),
    "service-worker": Public("the service worker: lists static files and caches only what a signed-in user fetches", anonymous=True),
    "web-manifest": Public("the web app manifest: the product's name and icons", anonymous=True),
    "area-lookup": Public(
        "point lookup answers public geography (names and codes of areas are on every map)",
        kwargs=None,
    ),
    "area-tile": Public(
        "vector tiles are public geography: outlines, names and codes of every area",
        kwargs=lambda places, place: places.tile(place),
    ),
    "incident-categories": Public("the category list is reference data"),
    "residents-tags": Public("the care-tag list is reference data"),
    # Open311 GeoReport v2 is a public API by its specification; every public case of every channel is
    # listed, but only through dispatch.public.present: never a staff member's or reporter's words
    # (the markers are in the internal description, address and note), so the marker check proves it.
    "open311-discovery": Public("Open311 discovery (public by the GeoReport v2 spec)", anonymous=True,
                                kwargs=lambda places, place: {"fmt": "json"}),
    "open311-services": Public("Open311 service list: the categories", anonymous=True, kwargs=lambda places, place: {"fmt": "json"}),
    "open311-service": Public("Open311 service definition", anonymous=True,
                              kwargs=lambda places, place: {"fmt": "json", "service_code": places.category().code}),
    "open311-requests": Public("Open311 requests: every public case, public fields only", anonymous=True,
                               kwargs=lambda places, place: {"fmt": "json"}),
    "open311-request": Public(
        "Open311 request by id: a public case, its internal words never shown", anonymous=True,
        kwargs=lambda places, place: {"fmt": "json", "service_request_id": places.get("incident", place).pk},
    ),
    "open311-not-found": Public("any other Open311 path answers the spec's error list", anonymous=True, must_be_404=True,
                                kwargs=lambda places, place: {"path": "nothing.json"}),
    # The residents' pages (随手拍): the form is public on purpose; a case's page opens only with the
    # unguessable token its reporter got — a made-up one is 404, and the verdict is POST only.
    "public:report": Public("the residents' report form (no account)", anonymous=True),
    "public:case": Public("a resident's status page: a made-up token is 404", anonymous=True, must_be_404=True,
                          kwargs=lambda places, place: {"token": "made-up-token-0000000000000"}),
    "public:verdict": Public("a resident's verdict: POST only, by the token", anonymous=True,
                             kwargs=lambda places, place: {"token": "made-up-token-0000000000000"}),
    "open311-token": Public("Open311 token lookup: an unknown token is 404", anonymous=True, must_be_404=True,
                            kwargs=lambda places, place: {"fmt": "json", "token": "00000000-0000-4000-8000-000000000000"}),
    # The public copy of a photo an Open311 request publishes: an unsigned or forged token is 404.
    "open311-media": Public("public copy of a published Open311 photo; a forged token is 404", anonymous=True,
                            kwargs=lambda places, place: {"token": f"{places.get('photo', place).pk}:forged"}, must_be_404=True),
}

ACTION_NAME = "add_info"  # an action every role that sees a case may try


# Pages and endpoints a role may use only with a capability (accounts.capabilities): the matrix
# reads who holds it from the table and expects exactly the others to be refused, with the
# route's refusal (403; 404 where the page's existence itself is withheld), and nobody else.
@dataclass(frozen=True)
class Gate:
    capability: Capability
    refusal: int = 403


CAPABILITY_ROUTES: dict[str, Gate] = {
    "grids:import": Gate(Capability.EDIT_BOUNDARIES),
    "grids:editor": Gate(Capability.EDIT_BOUNDARIES),
    "grids:cut": Gate(Capability.EDIT_BOUNDARIES),
    "grids:cut_job": Gate(Capability.EDIT_BOUNDARIES),
    "grids:cut_status": Gate(Capability.EDIT_BOUNDARIES),
    "grids:cut_cells": Gate(Capability.EDIT_BOUNDARIES),
    "incidents:hotline": Gate(Capability.TAKE_HOTLINE_CALLS),
    "incidents:report": Gate(Capability.REPORT_CASES),
    "dispatch:console": Gate(Capability.RUN_COMMAND_CENTRE),
    "dispatch:queue-json": Gate(Capability.RUN_COMMAND_CENTRE),
    "dispatch-queue": Gate(Capability.RUN_COMMAND_CENTRE),
    "dispatch-heat": Gate(Capability.RUN_COMMAND_CENTRE),
    "dispatch:inbox": Gate(Capability.WORK_DEPARTMENT_SHARES),
    "dispatch-inbox": Gate(Capability.WORK_DEPARTMENT_SHARES),
    # An area's figures; a department handler asks for their department's with ?department=.
    "indicators": Gate(Capability.SEE_EVERY_DEPARTMENT),
    "residents:index": Gate(Capability.SEE_RESIDENT_RECORDS),
    "residents:persons": Gate(Capability.SEE_RESIDENT_RECORDS),
    "residents:export": Gate(Capability.SEE_RESIDENT_RECORDS),
    "residents:due": Gate(Capability.RECORD_VISITS),
    "residents:import": Gate(Capability.IMPORT_RESIDENTS),
    "residents:statistics": Gate(Capability.READ_POPULATION_STATISTICS),
    "residents:area": Gate(Capability.READ_POPULATION_STATISTICS),
    "residents-statistics": Gate(Capability.READ_POPULATION_STATISTICS),
    "residents:audit": Gate(Capability.READ_REVEAL_AUDIT, refusal=404),
}


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


# Objects whose text must never appear outside their jurisdiction.
MARKED_KINDS = ("incident", "notification", "patrol", "building", "household", "person", "visit")
# Objects without identifying text (binary), built up front all the same.
UNMARKED_KINDS = ("photo",)
# Objects seen only by their author, not by area: built per persona.
PERSONAL_KINDS = ("import_job", "draft", "cut_job")

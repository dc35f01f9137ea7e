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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from shapely.geometry import box

from accounts.capabilities import Capability
from grids.models import Level

if TYPE_CHECKING:  # the builder of the places' objects reads these tables
    from .matrix_places import Places

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
    "volunteer": "A",
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
    "volunteer": "B",  # another community's need
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
    "volunteer": ("B", "X"),
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
    # needs
    "needs:detail": {"pk": "need"},
    "needs:act": {"pk": "need", "action": "need_act"},
    "needs-act": {"pk": "need", "action": "need_act"},
    "needs:household_code": {"pk": "household"},
    "needs:volunteer_decision": {"pk": "volunteer", "decision": "volunteer_decision"},
    # emergencies (each place's emergency is declared over its cell, so A2's is outside for grid_worker_a)
    "emergency-detail": {"pk": "emergency"},
    "emergency-end": {"pk": "emergency"},
    "emergency-zone-campaigns": {"pk": "zone"},
    "emergency-campaign-progress": {"pk": "campaign"},
    "emergency-campaign-export": {"pk": "campaign"},
    "emergency-campaign-hand": {"pk": "campaign"},
    "emergency-task-outcome": {"pk": "task"},
    "emergencies:campaign": {"pk": "campaign"},
    "emergencies:outcome": {"pk": "task"},
    "emergencies:map": {"pk": "emergency"},
    "emergencies:map_zones": {"pk": "emergency"},
    "emergencies:map_areas": {"pk": "emergency"},
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
    # The needs board narrows what the reader sees by an area code: another street's community gives nothing.
    "needs:board": lambda places, place: {"community": places.area(place, Level.COMMUNITY).code},
    "needs:markers": lambda places, place: {"community": places.area(place, Level.COMMUNITY).code},
    "needs:export": lambda places, place: {"community": places.area(place, Level.COMMUNITY).code},
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
    "grids:base_layer": Public(
        "the base map is public geography: outlines, names and codes of the street offices and communities of the user's districts"
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
    # The households' need page: the form is public; the household's own page opens only after its
    # dwelling number and code were given in this browser (made-up: 404); registration is public.
    "public_needs:open": Public("the households' code form (no account)", anonymous=True),
    "public_needs:household": Public("a household's own needs: 404 until its code was given", anonymous=True, must_be_404=True),
    "public_needs:confirm": Public("a household confirms receipt: POST only, 404 without its code", anonymous=True,
                                   kwargs=lambda places, place: {"pk": places.get("need", place).pk}),
    "public_needs:leave": Public("closing the household's page reveals nothing; POST only", anonymous=True),
    "public_needs:volunteer": Public("the volunteers' registration form (no account)", anonymous=True),
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
    "needs:list": Gate(Capability.WORK_NEEDS),
    "needs:new": Gate(Capability.WORK_NEEDS),
    "needs:volunteer": Gate(Capability.CLAIM_NEEDS),
    "needs:department": Gate(Capability.FULFIL_DEPARTMENT_NEEDS),
    "needs:overview": Gate(Capability.READ_NEEDS),
    "needs:volunteers": Gate(Capability.VERIFY_VOLUNTEERS),
    "emergencies:dashboard": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergencies:declare": Gate(Capability.DECLARE_EMERGENCIES),
    "emergencies:tasks": Gate(Capability.WORK_EMERGENCY_TASKS),
    "emergencies:campaign": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergency-list": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergency-detail": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergency-tasks": Gate(Capability.WORK_EMERGENCY_TASKS),
    "emergency-campaign-progress": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergency-campaign-export": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergencies:map": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergencies:map_zones": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "emergencies:map_areas": Gate(Capability.READ_EMERGENCY_PROGRESS),
    "needs:hotline": Gate(Capability.TAKE_HOTLINE_CALLS),
    # The needs board (needs:board, needs:markers, needs:export) opens with either of two
    # capabilities (work_needs or read_needs); tests/reliability/test_needs_board_attacks.py checks its gate.
}


# Objects whose text must never appear outside their jurisdiction.
MARKED_KINDS = ("incident", "notification", "patrol", "building", "household", "person", "visit", "need", "volunteer", "emergency", "zone",
                "campaign", "task")
# Objects without identifying text (binary), built up front all the same.
UNMARKED_KINDS = ("photo",)
# Objects seen only by their author, not by area: built per persona.
PERSONAL_KINDS = ("import_job", "draft", "cut_job")

"""Every role × every page, API endpoint and export × an object inside and outside the role's
jurisdiction: never a 500, never a leak, 404 outside.

The routes come from the URL configuration itself (``get_resolver()`` walked recursively, in
``matrix_routes.py``), so a new endpoint is in the matrix the moment it is routed. How to fill a
route's URL arguments lives in ``tests/reliability/matrix.py``; a route this file does not know
fails with a message saying what to add — nothing is skipped silently.

The Django admin is checked separately (it has its own permission system: staff flag and model
permissions, not jurisdictions).
"""
from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client, override_settings

from accounts.capabilities import can
from tests.world import ensure_world

from .matrix import (
    CAPABILITY_ROUTES,
    CASE_FORBIDDEN_PLACES,
    CASE_INSIDE_PLACE,
    CASE_KINDS,
    CASE_OUTSIDE_PLACE,
    INSIDE_PLACE,
    OUTSIDE_PLACE,
    OUTSIDE_PLACES,
    PUBLIC_ROUTES,
    ROUTE_FILTERS,
    ROUTE_KINDS,
    ROUTE_QUERIES,
)
from .matrix_places import Places
from .matrix_routes import (
    ADMIN_ROUTES,
    HELP,
    READABLE_ROUTES,
    ROUTES,
    _body_text,
    WRITABLE_ROUTES,
    Route,
    _get,
    _is_login_redirect,
    _resolve_values,
    _url,
)

PERSONAS = [*INSIDE_PLACE, None]  # None: not signed in


@pytest.fixture(scope="module")
def places(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's objects, built once for the module inside a transaction that is rolled back
    at the end (as Django's setUpTestData does); each test runs in a savepoint inside it.
    Uploaded files (case photos) go to a temporary MEDIA_ROOT."""
    media_root = str(tmp_path_factory.mktemp("matrix-media"))
    media = override_settings(MEDIA_ROOT=media_root)
    media.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = Places(ensure_world(), media_root=media_root)
            built.build_all([getattr(built.world, name) for name in INSIDE_PLACE] + [None])
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()


@pytest.fixture(autouse=True)
def _matrix_media(request, settings):
    """The photos' files live in the module's MEDIA_ROOT, whatever a per-test fixture chose."""
    if "places" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("places").media_root


@pytest.fixture
def clients(places, db):
    made = {}
    for persona in PERSONAS:
        client = Client()
        if persona is not None:
            client.force_login(getattr(places.world, persona))
        made[persona] = client
    return made


@pytest.mark.parametrize("route", READABLE_ROUTES, ids=[r.id for r in READABLE_ROUTES])
def test_no_role_sees_or_breaks_anything_outside_its_jurisdiction(route: Route, places: Places, clients):
    public = PUBLIC_ROUTES.get(route.id)
    problems: list[str] = []
    inside_statuses: list[int] = []

    personas = PERSONAS
    if public is not None and public.anonymous and not route.kwargs:
        personas = ["dispatcher", None]  # open to everyone: one signed-in persona says as much as nine
    for persona in personas:
        user = getattr(places.world, persona) if persona else None
        label = persona or "anonymous"
        forbidden = OUTSIDE_PLACES[persona]
        markers = places.markers(forbidden)
        if persona in CASE_FORBIDDEN_PLACES:
            markers += [places.marker(p, "incident") for p in CASE_FORBIDDEN_PLACES[persona]]
        takes_object = bool(route.kwargs) or route.id in ROUTE_QUERIES
        filtered = route.id in ROUTE_FILTERS
        inside_place = INSIDE_PLACE.get(persona)
        outside_place = OUTSIDE_PLACE[persona]
        if persona in CASE_INSIDE_PLACE and set((ROUTE_KINDS.get(route.id) or {}).values()) & set(CASE_KINDS):
            inside_place, outside_place = CASE_INSIDE_PLACE[persona], CASE_OUTSIDE_PLACE[persona]
        try:
            asked = []
            if inside_place is not None:
                asked.append(("inside", inside_place))
            if takes_object or filtered or inside_place is None:
                asked.append(("outside", outside_place))
            answers = {}
            for which, place in asked:
                values, query = _resolve_values(route, places, place, user if which == "inside" else None)
                url = _url(route, values, query)
                answers[which] = (url, _get(clients[persona], url))
        except LookupError as exc:
            pytest.fail(str(exc))

        for which, (url, answer) in answers.items():
            where = f"{label:<24} {which:<7} GET {url} → {answer.status}"
            if answer.status == 500:
                problems.append(f"{where}: server error {answer.error}")
                continue
            leaked = [m for m in markers if m in answer.text]
            if leaked:
                problems.append(f"{where}: the body shows what lies outside the jurisdiction: {', '.join(leaked)}")
            if which == "inside" and persona is not None:
                inside_statuses.append(answer.status)

        if public is not None and public.must_be_404:
            for which, (url, answer) in answers.items():
                if answer.status != 404:
                    problems.append(f"{label:<24} {which:<7} GET {url} → {answer.status}: must be 404 ({public.reason})")

        if persona is None:
            url, answer = answers["outside"]
            allowed_open = public is not None and public.anonymous
            if not allowed_open and not (_is_login_redirect(answer) or answer.status in (401, 403, 404, 405)):
                problems.append(
                    f"{'anonymous':<24} outside  GET {url} → {answer.status}: a visitor who is not signed in must be sent to "
                    f"sign in (302) or refused (401/403); if the route is meant to be public, add it to PUBLIC_ROUTES in {HELP}"
                )
            continue

        if filtered:
            url, outside = answers["outside"]
            code = places.cell(outside_place).code
            if outside.status < 300 and code in outside.text:
                problems.append(f"{label:<24} outside GET {url} → {outside.status}: the list shows the outside cell {code}")
        elif takes_object and public is None:
            url, outside = answers["outside"]
            inside = answers["inside"][1]
            if outside.status == 404:
                pass
            elif outside.status == inside.status and outside.status in (302, 400, 403, 405):
                pass  # the role cannot use the route at all: the answer says nothing about the object
            elif outside.status == 403:
                problems.append(
                    f"{label:<24} outside GET {url} → 403 but {inside.status} inside: an object outside the jurisdiction must be "
                    f"404 (a different answer tells that it exists)"
                )
            else:
                problems.append(
                    f"{label:<24} outside GET {url} → {outside.status} (inside: {inside.status}): an object outside the "
                    f"jurisdiction ({outside_place}) must answer 404"
                )
            thing = places.cell(outside_place) if any(k.endswith("code") for k in (ROUTE_KINDS.get(route.id) or {}).values()) else None
            if thing is not None and outside.status < 300 and thing.name in outside.text:
                problems.append(f"{label:<24} outside GET {url}: the body names the outside area {thing.name!r}")

    if public is not None and not public.must_be_404 and inside_statuses and all(s == 404 for s in inside_statuses):
        problems.append(f"every persona got 404 from a public route: the URL the matrix builds is wrong ({HELP})")
    if (route.kwargs or route.id in ROUTE_QUERIES) and public is None and inside_statuses and all(s == 404 for s in inside_statuses):
        problems.append(
            f"no persona reaches the inside object (every one answered 404): the matrix would prove nothing for this route; "
            f"check what ROUTE_KINDS/ROUTE_QUERIES in {HELP} build for it"
        )
    assert not problems, f"{route.id} ({route.pattern}):\n  " + "\n  ".join(problems)


GATED_ROUTES = [route for route in READABLE_ROUTES if route.id in CAPABILITY_ROUTES]


def test_every_gated_route_is_routed():
    assert set(CAPABILITY_ROUTES) <= {route.id for route in GATED_ROUTES}, f"unknown routes in CAPABILITY_ROUTES ({HELP})"


@pytest.mark.parametrize("route", GATED_ROUTES, ids=[r.id for r in GATED_ROUTES])
def test_a_role_is_refused_exactly_what_the_capability_table_withholds(route: Route, places: Places, clients):
    """Who may is read from accounts.capabilities; that the page refuses the others is the test."""
    gate = CAPABILITY_ROUTES[route.id]
    problems = []
    for persona, place in INSIDE_PLACE.items():
        user = getattr(places.world, persona)
        try:
            values, query = _resolve_values(route, places, place, user)
        except LookupError as exc:
            pytest.fail(str(exc))
        url = _url(route, values, query)
        answer = _get(clients[persona], url)
        may = can(user, gate.capability)
        if answer.status >= 500:
            problems.append(f"{persona:<24} GET {url} → {answer.status} {answer.error}")
        elif may and answer.status == 403:
            problems.append(f"{persona:<24} GET {url} → 403, but the role may {gate.capability.value}")
        elif not may and answer.status != gate.refusal:
            problems.append(f"{persona:<24} GET {url} → {answer.status}: the role may not {gate.capability.value}, "
                            f"so it must be refused ({gate.refusal})")
    assert not problems, f"{route.id} ({route.pattern}):\n  " + "\n  ".join(problems)


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Function views exempt from CSRF on purpose, with the reason (none today).
CSRF_EXEMPT_ALLOWED: dict[str, str] = {
    "open311-requests": "Open311 clients POST form data with an api_key, not a session cookie: nothing to forge",
}


def _drf_session_authenticated(route: Route) -> bool:
    from rest_framework.authentication import SessionAuthentication

    classes = getattr(route.view_class, "authentication_classes", ())
    return any(issubclass(cls, SessionAuthentication) for cls in classes)


@pytest.mark.parametrize("route", WRITABLE_ROUTES, ids=[r.id for r in WRITABLE_ROUTES])
def test_a_signed_in_post_without_the_csrf_token_is_refused(route: Route, places: Places, db):
    """A page of another site cannot make a signed-in user's browser change anything."""
    methods = route.methods()
    tried = [m for m in UNSAFE if methods is None and m == "POST" or methods is not None and m in methods]
    persona = places.world.gis_admin if route.is_admin else places.world.dispatcher
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona)
    if route.is_admin:
        values = {name: "1" for name in route.kwargs}
        query = {}
    else:
        try:
            values, query = _resolve_values(route, places, "A", persona)
        except LookupError as exc:
            pytest.fail(str(exc))
    url = _url(route, values, query)
    drf = route.view_class is not None and hasattr(route.view_class, "authentication_classes")
    exempt = getattr(route.callback, "csrf_exempt", False) and not drf
    problems = []
    for method in tried:
        response = getattr(client, method.lower())(url, data={"note": "csrf"} if method == "POST" else None)
        text = _body_text(response)
        if drf and not _drf_session_authenticated(route):
            # No session authentication: a cookie cannot act, so there is nothing to forge.
            if 200 <= response.status_code < 300 or response.status_code >= 500:
                problems.append(f"{method} {url} → {response.status_code} without session authentication or token")
            continue
        if exempt:
            if route.id not in CSRF_EXEMPT_ALLOWED:
                problems.append(f"{method} {url}: the view is csrf_exempt; add it to CSRF_EXEMPT_ALLOWED with the reason if intended")
            continue
        if response.status_code != 403 or "CSRF" not in text:
            problems.append(f"{method} {url} → {response.status_code}: must be refused with 403 for the missing CSRF token")
    assert not problems, f"{route.id} ({route.pattern}):\n  " + "\n  ".join(problems)


def test_every_route_is_known_to_the_matrix(places, db):
    """One failure listing every route the matrix cannot fill, for the developer adding routes."""
    unknown = []
    for route in ROUTES:
        try:
            _resolve_values(route, places, "A", places.world.dispatcher)
        except LookupError as exc:
            unknown.append(str(exc))
    assert not unknown, "\n".join(unknown)


@pytest.mark.parametrize("persona", [None, "grid_worker_a", "gis_admin"], ids=["anonymous", "grid_worker", "staff_gis_admin"])
def test_the_admin_is_closed_to_everyone_but_staff_and_never_fails(persona, places, db):
    """The admin's own permissions: non-staff are sent to sign in; staff without model permissions
    get 403 or an empty index; nobody gets a 500."""
    client = Client()
    if persona:
        client.force_login(getattr(places.world, persona))
    problems = []
    is_staff = persona == "gis_admin"
    for route in ADMIN_ROUTES:
        values = {name: "1" for name in route.kwargs}
        url = route.path(values)
        answer = _get(client, url)
        if answer.status == 500:
            problems.append(f"GET {url} → {answer.status} {answer.error}")
        elif not is_staff and route.id not in ("admin:login", "admin:logout", "admin:password_reset") and not (
            _is_login_redirect(answer) or answer.status in (404, 405)
        ):
            problems.append(f"GET {url} → {answer.status}: a user who is not staff must be sent to the admin sign-in")
        leaked = [m for m in places.markers(OUTSIDE_PLACES[persona]) if m in answer.text]
        if leaked:
            problems.append(f"GET {url}: shows {', '.join(leaked)}")
    assert not problems, "\n".join(problems)

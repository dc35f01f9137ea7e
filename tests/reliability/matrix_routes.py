"""The permission matrix's routes and answers: every route of the URL configuration (walked
recursively, so a new endpoint is in the matrix the moment it is routed), how to fill its URL
arguments for a place (tables in ``matrix.py``), and what a request answered, exports unpacked."""

import io
import re
import traceback
import zipfile
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .matrix import PUBLIC_ROUTES, ROUTE_FILTERS, ROUTE_KINDS, ROUTE_QUERIES
from .matrix_places import Places


HELP = "tests/reliability/matrix.py"


@dataclass(frozen=True)
class Route:
    id: str  # "namespace:name", or the pattern when unnamed
    pattern: str  # the full pattern, converters included
    regex: re.Pattern
    callback: object
    view_class: type | None
    kwargs: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    def methods(self) -> set[str] | None:
        """HTTP methods a class-based view declares; None for function views (unknown: try them)."""
        if self.view_class is None:
            return None
        names = getattr(self.view_class, "http_method_names", [])
        return {m.upper() for m in names if hasattr(self.view_class, m) and m not in ("options", "head")}

    def path(self, values: dict[str, object]) -> str:
        """The URL for these argument values, built from the pattern itself (names may repeat)."""
        pattern = self.pattern
        # Regular-expression groups first: "(?P<fmt>json|xml)" also contains "<fmt>".
        pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), pattern)
        pattern = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), pattern)
        pattern = pattern.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
        return "/" + pattern


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None, regex: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns, regex + entry.pattern.regex.pattern.lstrip("^"))
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            callback = entry.callback
            view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            full_regex = re.compile("^" + regex + entry.pattern.regex.pattern.lstrip("^"))
            yield Route(
                id=name or pattern, pattern=pattern, regex=full_regex, callback=callback, view_class=view_class,
                kwargs=tuple(sorted(full_regex.groupindex)),
            )


ROUTES = [route for route in _walk(get_resolver()) if not route.is_admin]
ADMIN_ROUTES = [route for route in _walk(get_resolver()) if route.is_admin]


def _answers(route: "Route", methods: set[str]) -> bool:
    declared = route.methods()
    return declared is None or bool(declared & methods)


# Each test is generated only for the routes it applies to, so nothing is skipped at run time.
READABLE_ROUTES = [route for route in ROUTES if _answers(route, {"GET"})]
WRITABLE_ROUTES = [route for route in ROUTES + ADMIN_ROUTES if _answers(route, {"POST", "PUT", "PATCH", "DELETE"})]


def _body_text(response) -> str:
    """The text a user would see, exports unpacked (an .xlsx is a zip of XML)."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return raw.decode("utf-8", "replace")


@dataclass
class Answer:
    status: int
    text: str
    location: str = ""
    error: str = ""


def _get(client: Client, url: str) -> Answer:
    try:
        # A savepoint per request: a view's database error must not poison the next request.
        with transaction.atomic():
            response = client.get(url)
    except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f"{f.filename.split('/work/main/')[-1]}:{f.lineno}" for f in reversed(frames) if "/work/main/" in f.filename
                      and "/.venv/" not in f.filename), "?")
        return Answer(500, "", error=f"{type(exc).__name__}: {exc} (at {where})")
    return Answer(response.status_code, _body_text(response), response.get("Location", ""))


def _resolve_values(route: Route, places: Places, place: str, persona_user) -> tuple[dict, dict]:
    """URL argument values and query string for ``place``; raises LookupError naming what is missing."""
    public = PUBLIC_ROUTES.get(route.id)
    query = {}
    if route.id in ROUTE_QUERIES:
        query = ROUTE_QUERIES[route.id](places, place)
    elif route.id in ROUTE_FILTERS:
        query = ROUTE_FILTERS[route.id](places, place)
    if not route.kwargs:
        return {}, query
    if public is not None and public.kwargs is not None:
        return public.kwargs(places, place), query
    kinds = ROUTE_KINDS.get(route.id)
    unknown = [name for name in route.kwargs if not kinds or name not in kinds]
    if unknown:
        raise LookupError(
            f"Route {route.id!r} ({route.pattern}) takes URL argument(s) {', '.join(unknown)} that the permission matrix "
            f"cannot fill. Add the route to ROUTE_KINDS in {HELP} (argument name → kind of object), or to PUBLIC_ROUTES "
            f"with the reason if it shows nothing that belongs to a jurisdiction."
        )
    values = {}
    for name in route.kwargs:
        try:
            values[name] = places.url_value(kinds[name], place, persona_user)
        except LookupError:
            raise LookupError(
                f"Route {route.id!r}: the matrix has no builder for objects of kind {kinds[name]!r}; add `_build_{kinds[name]}` "
                f"to Places in {HELP}."
            ) from None
    return values, query


def _url(route: Route, values: dict, query: dict) -> str:
    url = route.path(values)
    return f"{url}?{urlencode(query)}" if query else url


def _is_login_redirect(answer: Answer) -> bool:
    return answer.status == 302 and ("/accounts/login/" in answer.location or "/admin/login/" in answer.location)

"""Reads that several places need (pages, API, export, home card): each starts from ``scoped``."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from accounts.capabilities import Capability, role_can
from accounts.models import GridAssignment
from accounts.scope import scoped
from gridgov.cache import count
from grids.models import Area, Level

from . import privacy
from .models import Building, CareTag, Household, Person, PersonTag, ResidentType, Visit
from .policy import can_see_sensitive_tags

VISIT_INTERVAL_DAYS = 30
ID_RE = re.compile(r"^\d{17}[\dX]$")
DOCUMENT_RE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9-]{5,30}$")
PHONE_RE = re.compile(r"^\+?[\d\- ]{7,16}$")


NAME_AND_LAST4_RE = re.compile(r"^(?P<name>.*\S)\s+(?P<last4>\d{3}[\dXx])$")
# Query-string parameters that carry a search box's text.
SEARCH_PARAMETERS = ("q", "exact")


def is_exact_identifier(text: str) -> bool:
    """A full ID / passport number or a phone number: searched through the keyed hash."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if ID_RE.match(compact) or DOCUMENT_RE.match(compact):
        return True
    return bool(PHONE_RE.match(text or "")) and len(privacy.normalise_phone(text)) >= 7


def identifier_in_address(params) -> str:
    """The query-string parameter holding a full ID, passport or phone number, or ''.

    The one rule of pages and API: a request with such a parameter is refused (400), because an
    address ends up in access logs, proxies and browser histories. The number goes in a POST body.
    """
    for name in SEARCH_PARAMETERS:
        if is_exact_identifier(params.get(name, "")):
            return name
    return ""


class IdentifierSearchLimit(Exception):
    """The user has made today's allowance of identifier searches (GRIDGOV_IDENTIFIER_SEARCHES_PER_DAY)."""


def _count_identifier_search(user) -> None:
    # An identifier search answers "is this the number?": counted per user and day, so that a
    # masked number cannot be found by trying every value. Counted in the cache (Redis).
    limit = settings.GRIDGOV_IDENTIFIER_SEARCHES_PER_DAY
    key = f"residents:identifier-searches:{getattr(user, 'pk', None)}:{timezone.localdate().isoformat()}"
    used = count(key, 2 * 86400)
    if used > limit:
        raise IdentifierSearchLimit()


def visible_tags(user) -> QuerySet[CareTag]:
    tags = CareTag.objects.filter(active=True)
    return tags if can_see_sensitive_tags(user) else tags.filter(sensitive=False)


def visible_tag_ids(user) -> set[int]:
    tags = CareTag.objects.all()
    if not can_see_sensitive_tags(user):
        tags = tags.filter(sensitive=False)
    return set(tags.values_list("pk", flat=True))


def search_persons(
    user,
    *,
    q: str = "",
    tag: str = "",
    area: str = "",
    resident_type: str = "",
    include_inactive: bool = False,
) -> QuerySet[Person]:
    """The people this user may see, narrowed by one search box and a few filters.

    The box understands: a name followed by four characters (digits, or three digits and X) →
    that name with those last four of the ID number; an 18-character ID number or a passport
    number → exact match through the keyed hash; a phone number → exact match through its
    hash; anything else → name, address or household number.

    The last four alone no longer find anyone: the masks do not show them (residents.privacy),
    and a search by them alone would tell everyone's last four to whoever tried the 11,000
    values. Identifier searches count against a daily allowance (``IdentifierSearchLimit``).
    """
    people = scoped(Person.objects.all(), user)
    if not include_inactive:
        people = people.present()
    text = (q or "").strip()
    compact = re.sub(r"\s+", "", text).upper()
    named = NAME_AND_LAST4_RE.match(text)
    if compact:
        if ID_RE.match(compact) or DOCUMENT_RE.match(compact):
            _count_identifier_search(user)
            people = people.filter(id_number_hash__in=privacy.search_hashes("id", compact))
        elif PHONE_RE.match(text) and len(privacy.normalise_phone(text)) >= 7:
            _count_identifier_search(user)
            people = people.filter(phone_hashes__overlap=privacy.search_hashes("phone", privacy.normalise_phone(text)))
        elif named and not named.group("name").isdigit():
            _count_identifier_search(user)
            people = people.filter(name__contains=named.group("name"), id_last4=named.group("last4").upper())
        else:
            people = people.filter(
                Q(name__contains=text)
                | Q(current_address__contains=text)
                | Q(registered_address__contains=text)
                | Q(household__dwelling__building__address__contains=text)
                | Q(household__number=text)
            )
    if tag:
        found = visible_tags(user).filter(Q(code=tag) | Q(name=tag)).first()
        # A tag the user may not see filters to nothing rather than telling who carries it.
        people = people.filter(person_tags__tag=found) if found else people.none()
    if area:
        people = people.filter(cell__code__startswith=area)
    if resident_type:
        people = people.filter(resident_type=resident_type) if resident_type in ResidentType.values else people.none()
    return people


def with_list_relations(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.select_related("household__dwelling__building", "cell").prefetch_related("tags")


def last_visit_subquery(household_ref: str = "household_id"):
    """Date of the latest visit to the household; annotate people with the default, households with "pk"."""
    return Subquery(Visit.objects.filter(household=OuterRef(household_ref)).order_by("-visited_on").values("visited_on")[:1])


def due_for_visit(user, *, days: int = VISIT_INTERVAL_DAYS, today: dt.date | None = None) -> QuerySet[Person]:
    """Tagged residents (tags the user may see) whose household nobody visited in ``days`` days, longest first."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=days)
    tagged = PersonTag.objects.filter(person=OuterRef("pk"), tag__in=visible_tags(user))
    return (
        scoped(Person.objects.present(), user)
        .filter(Exists(tagged))
        .annotate(last_visit=last_visit_subquery())
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
        .order_by(F("last_visit").asc(nulls_first=True), "cell_id", "household_id", "id")
    )


def my_cells(user) -> QuerySet[Area]:
    if role_can(user, Capability.WORK_CELLS):
        return Area.objects.filter(
            pk__in=GridAssignment.objects.active().filter(user=user).values("cell"), valid_to__isnull=True
        ).order_by("code")
    return scoped(Area.objects.current().filter(level=Level.GRID), user).order_by("code")


def cell_counts(cells: list[Area]) -> dict[int, dict[str, int]]:
    ids = [c.pk for c in cells]
    counts: dict[int, dict[str, int]] = {pk: {"buildings": 0, "households": 0, "people": 0} for pk in ids}
    for key, queryset in (
        ("buildings", Building.objects.filter(cell_id__in=ids)),
        ("households", Household.objects.filter(cell_id__in=ids)),
        ("people", Person.objects.present().filter(cell_id__in=ids)),
    ):
        for row in queryset.values("cell_id").annotate(n=Count("pk")):
            counts[row["cell_id"]][key] = row["n"]
    return counts


def area_statistics(area: Area, *, include_sensitive: bool) -> dict[str, Any]:
    """Population by resident type, households, buildings and tag counts of an area, with its children.

    Works on the copied cell column, so it is a handful of GROUP BY queries over an index,
    whatever the tier. Sensitive tags are left out unless the reader may see them.
    """
    code = area.code
    people = Person.objects.present().filter(cell__code__startswith=code)
    by_type = {value: 0 for value in ResidentType.values}
    for row in people.values("resident_type").annotate(n=Count("pk")):
        by_type[row["resident_type"]] = row["n"]
    tag_rows = (
        PersonTag.objects.filter(person__in=people)
        .values("tag__code", "tag__name", "tag__sensitive")
        .annotate(n=Count("pk"))
        .order_by("tag__name")
    )
    tags = [
        {"code": r["tag__code"], "name": r["tag__name"], "sensitive": r["tag__sensitive"], "count": r["n"]}
        for r in tag_rows
        if include_sensitive or not r["tag__sensitive"]
    ]
    stats: dict[str, Any] = {
        "area": {"code": code, "name": area.name, "level": area.level},
        "population": sum(by_type.values()),
        "by_resident_type": by_type,
        "households": Household.objects.filter(cell__code__startswith=code).count(),
        "buildings": Building.objects.filter(cell__code__startswith=code).count(),
        "tags": tags,
        "children": [],
    }
    if area.level != Level.GRID:
        children = list(Area.objects.current().filter(parent=area).order_by("code"))
        if children:
            length = len(children[0].code)
            per_child: dict[str, dict[str, int]] = {c.code: {"population": 0, "households": 0} for c in children}
            for row in people.annotate(prefix=Substr("cell__code", 1, length)).values("prefix").annotate(n=Count("pk")):
                if row["prefix"] in per_child:
                    per_child[row["prefix"]]["population"] = row["n"]
            households = Household.objects.filter(cell__code__startswith=code)
            for row in households.annotate(prefix=Substr("cell__code", 1, length)).values("prefix").annotate(n=Count("pk")):
                if row["prefix"] in per_child:
                    per_child[row["prefix"]]["households"] = row["n"]
            stats["children"] = [
                {"code": c.code, "name": c.name, "level": c.level, **per_child[c.code]} for c in children
            ]
    return stats

"""REST API for resident records (/api/v1/residents/…). Scoped like every page; masked by default."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area

from . import actions
from .models import Building, Household, Person
from .pagination import CappedPageNumberPagination
from .policy import can_see_sensitive_tags, can_see_statistics
from .queries import (
    area_statistics,
    due_for_visit,
    IdentifierSearchLimit,
    identifier_in_address,
    search_persons,
    visible_tag_ids,
    visible_tags,
    with_list_relations,
)
from .serializers import (
    BuildingDetailSerializer,
    BuildingSerializer,
    CareTagSerializer,
    HouseholdDetailSerializer,
    HouseholdSerializer,
    PersonSearchSerializer,
    PersonSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
    VisitCreateSerializer,
    VisitSerializer,
)


def _as_api_error(exc: Exception):
    """Map an action's Django exceptions onto DRF's, keeping the field names."""
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(str(exc))
    if isinstance(exc, DjangoValidationError):
        return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    return exc


class _TagContextMixin:
    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["visible_tag_ids"] = visible_tag_ids(self.request.user)
        return context


PERSON_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Name, address or household number; a name, a space and 4 characters = that name with those last four of the ID number. A full ID, passport or phone number is refused here: POST it to /api/v1/residents/persons/search/"),
    OpenApiParameter("tag", OpenApiTypes.STR, description="Care tag code"),
    OpenApiParameter("area", OpenApiTypes.STR, description="Area code prefix"),
    OpenApiParameter("resident_type", OpenApiTypes.STR, enum=["registered", "floating", "foreign"]),
    OpenApiParameter("include_inactive", OpenApiTypes.BOOL, description="Include people who moved out or died"),
]


class PersonListView(_TagContextMixin, generics.ListAPIView):
    serializer_class = PersonSerializer
    pagination_class = CappedPageNumberPagination

    @extend_schema(parameters=PERSON_FILTERS, description="People in the caller's jurisdiction; ID numbers and phones masked. "
                   "A full ID, passport or phone number is refused here (it would be logged with the address): "
                   "POST it to /api/v1/residents/persons/search/.")
    def get(self, request, *args, **kwargs):
        if name := identifier_in_address(request.query_params):
            raise ValidationError({name: [_(
                "A full ID, passport or phone number must not travel in the address, where servers and proxies "
                "log it: send it in the body of a POST to /api/v1/residents/persons/search/."
            )]})
        return super().get(request, *args, **kwargs)

    def filters(self):
        return self.request.query_params

    def get_queryset(self):
        params = self.filters()
        try:
            people = search_persons(
                self.request.user,
                q=params.get("q", ""),
                tag=params.get("tag", ""),
                area=params.get("area", ""),
                resident_type=params.get("resident_type", ""),
                include_inactive=params.get("include_inactive") in ("1", "true", "yes", True),
            )
        except IdentifierSearchLimit:
            raise Throttled(detail=_("You have made today's number of searches by ID, passport or phone number."))
        return with_list_relations(people)


class PersonSearchView(PersonListView):
    """The person list searched by a body, not the address: for full ID, passport and phone numbers,
    which must not end up in access logs (PIPL). Same filters, scope, masking and pages (``?page=``)."""

    http_method_names = ["post", "options"]

    @extend_schema(request=PersonSearchSerializer, responses={200: PersonSerializer(many=True)},
                   description="People in the caller's jurisdiction found by the filters in the JSON body.")
    def post(self, request, *args, **kwargs):
        serializer = PersonSearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self._filters = serializer.validated_data
        return self.list(request, *args, **kwargs)

    def filters(self):
        return self._filters


class PersonDetailView(_TagContextMixin, generics.RetrieveAPIView):
    serializer_class = PersonSerializer

    def get_object(self):
        return get_scoped_or_404(with_list_relations(Person.objects.all()), self.request.user, pk=self.kwargs["pk"])


class PersonRevealView(APIView):
    @extend_schema(
        request=RevealRequestSerializer,
        responses={200: RevealResponseSerializer},
        description="The full ID number or phones of one person. Needs the reveal permission and a reason; writes one audit record.",
    )
    def post(self, request, pk: int):
        person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
        payload = RevealRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            revealed = actions.reveal_person_field(
                actor=request.user, person=person, field_name=payload.validated_data["field"],
                reason=payload.validated_data["reason"], via="api",
            )
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        response = Response({"field": payload.validated_data["field"], "value": revealed.value, "audit_id": revealed.audit.pk})
        response["Cache-Control"] = "no-store"
        return response


class BuildingListView(generics.ListAPIView):
    serializer_class = BuildingSerializer
    pagination_class = CappedPageNumberPagination

    @extend_schema(parameters=[OpenApiParameter("cell", OpenApiTypes.STR, description="Area code prefix"),
                               OpenApiParameter("q", OpenApiTypes.STR, description="Code or address")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        buildings = scoped(Building.objects.select_related("cell"), self.request.user)
        if code := self.request.query_params.get("cell"):
            buildings = buildings.filter(cell__code__startswith=code)
        if q := self.request.query_params.get("q", "").strip():
            buildings = buildings.filter(address__contains=q) | buildings.filter(code__startswith=q)
        return buildings.order_by("code")


class BuildingDetailView(generics.RetrieveAPIView):
    serializer_class = BuildingDetailSerializer

    def get_object(self):
        return get_scoped_or_404(
            Building.objects.select_related("cell").prefetch_related("dwellings__households"), self.request.user, pk=self.kwargs["pk"]
        )


class HouseholdListView(generics.ListAPIView):
    serializer_class = HouseholdSerializer
    pagination_class = CappedPageNumberPagination

    @extend_schema(parameters=[OpenApiParameter("building", OpenApiTypes.INT), OpenApiParameter("cell", OpenApiTypes.STR)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        households = scoped(Household.objects.select_related("head", "dwelling__building", "cell"), self.request.user)
        if building := self.request.query_params.get("building"):
            if not building.isdigit():
                raise ValidationError({"building": [_("A building id is a number.")]})
            households = households.filter(dwelling__building_id=int(building))
        if code := self.request.query_params.get("cell"):
            households = households.filter(cell__code__startswith=code)
        return households.annotate(member_count=Count("members")).order_by("number")


class HouseholdDetailView(_TagContextMixin, generics.RetrieveAPIView):
    serializer_class = HouseholdDetailSerializer

    def get_object(self):
        return get_scoped_or_404(
            Household.objects.select_related("head", "dwelling__building", "cell").annotate(member_count=Count("members")),
            self.request.user, pk=self.kwargs["pk"],
        )


class HouseholdVisitsView(APIView):
    @extend_schema(responses={200: VisitSerializer(many=True)}, description="Visits to a household, newest first.")
    def get(self, request, pk: int):
        household = get_scoped_or_404(Household.objects.all(), request.user, pk=pk)
        return Response(VisitSerializer(household.visits.select_related("worker")[:100], many=True).data)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer, 200: VisitSerializer},
                   description="Record a visit (today unless a date is given). A visit re-sent with the same "
                   "`client_id` answers the first one (200) instead of recording it twice.")
    def post(self, request, pk: int):
        household = get_scoped_or_404(Household.objects.all(), request.user, pk=pk)
        payload = VisitCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            visit = actions.record_visit(actor=request.user, household=household, **payload.validated_data)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        created = not getattr(visit, "repeated", False)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DueVisitsView(_TagContextMixin, generics.ListAPIView):
    serializer_class = PersonSerializer
    pagination_class = CappedPageNumberPagination

    @extend_schema(description="Tagged residents in the caller's cells not visited for 30 days, longest first.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return with_list_relations(due_for_visit(self.request.user))


class StatisticsView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT},
                   description="Population by resident type, households, buildings and care-tag counts of an area and its children.")
    def get(self, request, code: str):
        if not can_see_statistics(request.user):
            raise PermissionDenied(_("Your role does not read population statistics."))
        area = get_scoped_or_404(Area.objects.current(), request.user, code=code)
        return Response(area_statistics(area, include_sensitive=can_see_sensitive_tags(request.user)))


class CareTagListView(generics.ListAPIView):
    serializer_class = CareTagSerializer
    pagination_class = None

    def get_queryset(self):
        return visible_tags(self.request.user)

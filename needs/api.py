"""The needs API under /api/v1/needs/: the reader's list, recording a need (the phone's outbox
posts here; a repeat of a ``client_id`` answers the first need, 200), and the acts."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.capabilities import Capability, can
from accounts.scope import get_scoped_or_404
from gridgov.parsers import API_PARSERS
from incidents.channels import error_response
from incidents.errors import IncidentError
from incidents.models import Urgency
from residents.models import Household

from . import actions, channels, queries
from .models import NeedSource


class RecordSerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    kind = serializers.CharField(max_length=30)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False, default="", trim_whitespace=False)
    source = serializers.ChoiceField(choices=[NeedSource.GRID_WORKER, NeedSource.HOTLINE], default=NeedSource.GRID_WORKER)
    client_id = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    # A hotline need's caller (source hotline only): stored encrypted, never answered in full here.
    caller_phone = serializers.CharField(max_length=24, allow_blank=True, required=False, default="")


def as_json(row: queries.NeedRow) -> dict:
    need = row.need
    return {
        "id": need.pk, "kind": need.kind.code, "kind_label": need.kind.label, "urgency": need.urgency, "status": need.status,
        "status_label": need.get_status_display(), "level": need.level, "deadline": need.deadline.isoformat() if need.deadline else None,
        "light": row.light, "address": row.address, "phone": row.phone, "caller_phone": row.caller_phone, "description": row.description,
        "acts": row.acts,
    }


class NeedListView(APIView):
    parser_classes = API_PARSERS

    @extend_schema(operation_id="needs_list", responses={200: OpenApiTypes.OBJECT},
                   description="The reader's needs: a worker's area, a volunteer's claimable and own, a department's.")
    def get(self, request):
        user = request.user
        if can(user, Capability.WORK_NEEDS) or can(user, Capability.READ_NEEDS):
            needs = queries.worklist(user)
        elif can(user, Capability.CLAIM_NEEDS):
            claimable, mine = queries.volunteer_list(user)
            return Response({"claimable": [as_json(r) for r in queries.rows(claimable, user)],
                             "mine": [as_json(r) for r in queries.rows(mine, user)]})
        elif can(user, Capability.FULFIL_DEPARTMENT_NEEDS):
            needs = queries.department_list(user)
        else:
            raise PermissionDenied(_("Your role does not work on needs."))
        return Response({"results": [as_json(r) for r in queries.rows(needs, user)]})

    @extend_schema(operation_id="needs_create", request=RecordSerializer, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
                   description="Record a household's need. A need re-sent with the same `client_id` answers the first (200).")
    def post(self, request):
        if not can(request.user, Capability.WORK_NEEDS):
            raise PermissionDenied(_("Your role does not record needs."))
        if not isinstance(request.data, dict):
            return Response({"detail": _("The body must be a JSON object.")}, status=status.HTTP_400_BAD_REQUEST)
        payload = RecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        household = get_scoped_or_404(Household.objects.all(), request.user, pk=data["household"])
        try:
            need = actions.record_need(
                household=household, kind=data["kind"], urgency=data["urgency"], description=data["description"],
                source=data["source"], actor=request.user, client_id=data["client_id"], caller_phone=data["caller_phone"],
            )
        except IncidentError as exc:
            return error_response(exc)
        body = as_json(queries.row(need, request.user))
        return Response(body, status=status.HTTP_200_OK if getattr(need, "repeated", False) else status.HTTP_201_CREATED)


class NeedActView(APIView):
    parser_classes = API_PARSERS

    @extend_schema(operation_id="needs_act", request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   description="Run an act on a need: claim, hand_on (department or supplier), deliver, confirm, release, cancel (reason).")
    def post(self, request, pk: int, action: str):
        if action not in channels.ACTS:
            return Response({"detail": _("There is no such act.")}, status=status.HTTP_404_NOT_FOUND)
        need = get_scoped_or_404(queries.visible_needs(request.user), request.user, pk=pk)
        try:
            need = channels.run(action, need, request.user, request.data)
        except IncidentError as exc:
            return error_response(exc)
        return Response(as_json(queries.row(need, request.user)))

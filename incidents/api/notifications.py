"""The notifications' API: the list and marking read."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import actions
from ..timeline import notification_text
from ..models import Notification


class NotificationListView(APIView):
    @extend_schema(operation_id="notifications_list", parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        queryset = Notification.objects.filter(user=request.user).select_related("incident__category")
        if request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        response = paginator.get_paginated_response([
            {"id": n.pk, "kind": n.kind, "kind_label": n.get_kind_display(), "incident": n.incident_id,
             "category": n.incident.category.label if n.incident_id else "", "link": n.target_url, "text": notification_text(n), "created_at": timezone.localtime(n.created_at).isoformat(),
             "read": n.read_at is not None}
            for n in page
        ])
        response.data["unread"] = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
        return response


def _notification_id(value) -> int:
    """A notification id (a positive whole number, or its digits as text), else a 400 naming ids."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValidationError({"ids": [_("Give a list of notification ids.")]})
    return value


class NotificationReadView(APIView):
    @extend_schema(operation_id="notifications_read", request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   description='Mark notifications read: {"ids": [1, 2]}, or all of them with no ids.')
    def post(self, request):
        # A body that is not an object (``[1]``) used to read as "no ids" and mark every notification read.
        if not isinstance(request.data, dict):
            raise ValidationError({"ids": [_('Send an object: {"ids": [1, 2]}, or {} for all of them.')]})
        ids = request.data.get("ids")
        if ids is not None:
            if not isinstance(ids, list) or len(ids) > 1000:
                raise ValidationError({"ids": [_("Give a list of notification ids.")]})
            ids = [_notification_id(value) for value in ids]
        changed = actions.mark_notifications_read(request.user, ids)
        return Response({"marked": changed})

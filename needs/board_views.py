"""The needs board's pages: the list with its map (phone first), the markers as GeoJSON and the
night meeting's workbook, all from one filter (``board.parse_filters``); the data views' gate,
filter and refusal are ``gridgov.filtered_views``' (the emergency map's layers use the same)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.capabilities import Capability, can
from gridgov.filtered_views import filtered_view
from incidents.errors import IncidentError
from incidents.models import Urgency

from . import board, export, queries, rules
from .models import NeedKind

DENIED = gettext_lazy("Your role does not read needs.")


def _gate(request) -> None:
    if not board.may_read_board(request.user):
        raise PermissionDenied(str(DENIED))


def _refused(exc: IncidentError) -> JsonResponse:
    errors = {exc.field: [exc.message]} if exc.field else {}
    return JsonResponse({"detail": exc.message, "errors": errors}, status=exc.http_status)


@login_required
@require_GET
def board_page(request):
    """Community and street staff, the command centre, leaders: unsettled needs by kind and urgency, filtered, on a map."""
    _gate(request)
    error = ""
    try:
        filters = board.parse_filters(request.GET)
    except IncidentError as exc:
        error, filters = exc.message, board.Filters()
    listed = board.needs(request.user, filters)
    return render(request, "needs/board.html", {
        "filters": filters, "error": error, "counts": board.counts(listed), "rows": queries.rows(listed, request.user),
        "kinds": NeedKind.objects.filter(active=True), "urgencies": Urgency.choices, "states": _state_choices(),
        "can_record": rules.may_record(request.user), "can_hotline": can(request.user, Capability.TAKE_HOTLINE_CALLS),
    }, status=400 if error else 200)


def _state_choices():
    return [("", _("Every unsettled need")), ("open", _("Open (not delivered)")), ("overdue", _("Overdue")),
            ("delivered", _("Delivered, awaiting confirmation"))]


# The board's data views: allowed to read the board, and the page's one filter read from the
# query (a bad value answers 400 naming the field); the view gets the filters.
_filtered = filtered_view(allowed=board.may_read_board, denied=DENIED, parse=lambda request: board.parse_filters(request.GET),
                          refusal=(IncidentError,), refuse=_refused)


@_filtered
def markers(request, filters):
    return JsonResponse(board.markers(request.user, filters))


@_filtered
def export_needs(request, filters):
    response = HttpResponse(export.needs_workbook(request.user, filters),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="needs-{stamp}.xlsx"'
    return response

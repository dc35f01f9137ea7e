"""Pagination that stays fast at a million rows: the count stops at a cap.

An exact COUNT(*) over a district's million people costs more than the page itself; nobody
pages through 400 pages of 25 either. Past the cap the list says "10,000+" and asks for a
narrower search.
"""
from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMITed subquery of bare ids: at most cap + 1 rows, and none of the
        # joins that select_related adds for display (they made the count ten times slower).
        rows = self.object_list
        if hasattr(rows, "values"):
            rows = rows.select_related(None).prefetch_related(None).order_by().values("pk")
        return rows[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class CappedPageNumberPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response({
            "count": min(paginator.count, paginator.cap),
            "count_capped": paginator.capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_capped"] = {"type": "boolean", "description": f"true when more than {COUNT_CAP} match"}
        return response

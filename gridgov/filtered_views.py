"""One decorator for the read-only views that answer a filtered question (a board's markers and
workbook, an emergency map's layers): the same three steps, written once.

1. **Gate**: signed in (``login_required``), GET only, and ``allowed(user)``; otherwise 403 with
   ``denied``, before anything is read.
2. **Filter**: ``parse(request, **kwargs)`` reads the view's filter from the URL and the query (the
   page's own parser, so the page and its data views always agree) and returns it; the view is
   called as ``view(request, chosen)``.
3. **Refusal**: a filter ``parse`` refuses raises one of ``refusal``; ``refuse(exc)`` turns it
   into the answer (a JSON 400 naming the field). Without ``refusal`` whatever ``parse`` raises
   (``Http404`` for a record outside the reader's scope) goes to Django as it is.

It imports no app: each app passes its own gate, parser and refusal.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


def filtered_view(
    *, allowed: Callable[[Any], bool], denied: str, parse: Callable[..., Any],
    refusal: tuple[type[Exception], ...] = (), refuse: Callable[[Exception], HttpResponse] | None = None,
) -> Callable[[Callable[[HttpRequest, Any], HttpResponse]], Callable[..., HttpResponse]]:
    if refusal and refuse is None:
        raise TypeError("A view that refuses a filter needs refuse() to answer it.")

    def decorate(view: Callable[[HttpRequest, Any], HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @require_GET
        @functools.wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied(str(denied))
            try:
                chosen = parse(request, **kwargs)
            except refusal as exc:
                return refuse(exc)
            return view(request, chosen)
        return wrapped
    return decorate

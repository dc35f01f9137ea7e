"""One answer per scope for the console's polls (the intake pulse every second, the queue every 5 s).

Every dispatcher of a district asks the same question at the same interval, and the answer is the
district's, not the seat's. So the answer is computed once per scope (``accounts.scope.scope_key``:
two users share it only when the one scoping function gives them the same cases), per filter set
and language, and kept in Redis for one poll interval. Its key also holds the count of case changes
(``incidents.changes``), bumped by every act once committed: the dispatcher who just acted, and
everybody else, reads a fresh answer at the next poll; without a change an answer is at most one
interval old.

Each answer carries an ETag over what it shows (everything but the moment it was computed), so a
console whose queue has not changed gets 304 and no body — little on a weak connection.

A poll whose answer is already kept is answered in front of Django (dispatch/hotpath.py) with the
same key, the same freshness rule and the same ETag comparison as here: ``answer_key``,
``kept_answer`` and ``not_modified`` are the one definition of each.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.scope import scope_key
from incidents.changes import case_changes
from incidents.models import Incident

# The console's poll intervals (its page config reads them): how long one answer is kept.
INTAKE_SECONDS = 1
QUEUE_SECONDS = 5
HEAT_SECONDS = 30
# Redis drops a kept answer this long after its interval whatever the clock says: the
# application's clock decides freshness, and a clock behind (another host's) keeps nothing long.
BACKSTOP_SECONDS = 5
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    body: bytes
    etag: str


def _params_name(params) -> str:
    if params is None:
        return ""
    lists = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    return json.dumps(sorted((str(k), sorted(str(v) for v in values)) for k, values in lists), ensure_ascii=False)


def interval(kind: str) -> int:
    """How long an answer of this kind is kept (read at each call: a test may shorten it)."""
    return {"intake": INTAKE_SECONDS, "api-heat": HEAT_SECONDS}.get(kind, QUEUE_SECONDS)


def answer_key(kind: str, user, params=None, *, language: str | None = None) -> str:
    """Equal for two requests exactly when they must get the same answer now. ``language``: the
    active language (Django's view) or the one the locale middleware would activate (the hot path)."""
    who = f"{scope_key(user, Incident)}\n{_params_name(params)}"
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"dispatch:poll:{kind}:{case_changes()}:{language or get_language()}:{digest}"


def make_answer(payload: dict[str, Any], render: Callable[[dict[str, Any]], bytes] | None = None) -> Answer:
    body = render(payload) if render is not None else json.dumps(payload, ensure_ascii=False, cls=DjangoJSONEncoder).encode()
    shown = {name: value for name, value in payload.items() if name != "now"}  # the computing moment is not news
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()[:24]
    return Answer(body=body, etag=f'"{digest}"')


def kept_answer(key: str, seconds: int) -> Answer | None:
    """The answer kept under ``key`` if it was computed less than ``seconds`` ago; Redis errors
    are the caller's. A value of another shape (written by an older release) counts as none."""
    kept = cache.get(key)
    if not isinstance(kept, tuple) or len(kept) != 3:
        return None
    body, etag, computed_at = kept
    # An answer stamped ahead of this clock (another host's clock runs ahead) is still kept:
    # Redis's expiry bounds it.
    if timezone.now().timestamp() - computed_at >= seconds:
        return None
    return Answer(body=body, etag=etag)


def shared_answer(kind: str, user, params, compute: Callable[[], dict[str, Any]], *, seconds: int,
                  render: Callable[[dict[str, Any]], bytes] | None = None) -> Answer:
    """The kept answer of this scope and filter set, computed by ``compute()`` when there is none
    (its body written by ``render``, else as the console's JSON: one way per kind)."""
    try:
        key = answer_key(kind, user, params)
        kept = kept_answer(key, seconds)
    except Exception:  # Redis away: answer from the database, as before the cache
        log.warning("poll cache unavailable", exc_info=True)
        return make_answer(compute(), render)
    if kept is not None:
        return kept
    computed_at = timezone.now().timestamp()
    answer = make_answer(compute(), render)
    try:
        cache.set(key, (answer.body, answer.etag, computed_at), timeout=seconds + BACKSTOP_SECONDS)
    except Exception:
        log.warning("poll cache unavailable", exc_info=True)
    return answer


def not_modified(answer: Answer, if_none_match: str) -> bool:
    """Whether the console already holds this answer (its If-None-Match header names its ETag)."""
    return answer.etag in parse_etags(if_none_match)


def respond(request, answer: Answer) -> HttpResponse:
    """200 with the answer, or 304 without a body when the console already has it (If-None-Match)."""
    if not_modified(answer, request.META.get("HTTP_IF_NONE_MATCH", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(answer.body, content_type="application/json")
    response["ETag"] = answer.etag
    # Revalidated on every poll, never stored by a shared proxy: it is one jurisdiction's.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Cookie",))  # the session and the language switch
    return response


def api_response(request, kind: str, compute: Callable[[], dict[str, Any]]):
    """The API's answer of a view whose payload depends only on the user's scope, the query's
    filters and the language (the queue, the heat map): shared as the console's polls are, written
    by DRF's own JSON renderer, so the bytes are those DRF would send. Another rendering (the
    browsable API, an indented JSON) is computed each time, as before."""
    renderer = request.accepted_renderer
    if type(renderer) is not JSONRenderer or "indent" in (request.accepted_media_type or ""):
        return Response(compute())
    answer = shared_answer(kind, request.user, request.query_params, compute, seconds=interval(kind),
                           render=lambda payload: renderer.render(payload, request.accepted_media_type))
    response = respond(request, answer)
    patch_vary_headers(response, ("Authorization",))  # a token's answer is its user's too
    return response

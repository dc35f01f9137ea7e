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
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

from accounts.scope import scope_key
from incidents.changes import case_changes
from incidents.models import Incident

# The console's poll intervals (its page config reads them): how long one answer is kept.
INTAKE_SECONDS = 1
QUEUE_SECONDS = 5
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


def answer_key(kind: str, user, params=None) -> str:
    """Equal for two requests exactly when they must get the same answer now."""
    who = f"{scope_key(user, Incident)}\n{_params_name(params)}"
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"dispatch:poll:{kind}:{case_changes()}:{get_language()}:{digest}"


def make_answer(payload: dict[str, Any]) -> Answer:
    body = json.dumps(payload, ensure_ascii=False, cls=DjangoJSONEncoder).encode()
    shown = {name: value for name, value in payload.items() if name != "now"}  # the computing moment is not news
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()[:24]
    return Answer(body=body, etag=f'"{digest}"')


def shared_answer(kind: str, user, params, compute: Callable[[], dict[str, Any]], *, seconds: int) -> Answer:
    """The kept answer of this scope and filter set, computed by ``compute()`` when there is none."""
    try:
        key = answer_key(kind, user, params)
        kept = cache.get(key)
    except Exception:  # Redis away: answer from the database, as before the cache
        log.warning("poll cache unavailable", exc_info=True)
        return make_answer(compute())
    if kept is not None:
        return Answer(*kept)
    answer = make_answer(compute())
    try:
        cache.set(key, (answer.body, answer.etag), timeout=seconds)
    except Exception:
        log.warning("poll cache unavailable", exc_info=True)
    return answer


def respond(request, answer: Answer) -> HttpResponse:
    """200 with the answer, or 304 without a body when the console already has it (If-None-Match)."""
    if answer.etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(answer.body, content_type="application/json")
    response["ETag"] = answer.etag
    # Revalidated on every poll, never stored by a shared proxy: it is one jurisdiction's.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Cookie",))  # the session and the language switch
    return response

"""The one JSON parser of the whole API (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]), with limits.

Python's json module recurses once per nesting level: ``[[[[…]]]]`` a hundred thousand deep
raised RecursionError — a 500 — on the token endpoint and every JSON endpoint, and a document
just below the interpreter's limit breaks whatever walks it next. So before a body is parsed:

- its size is at most ``GRIDGOV_API_JSON_MAX_BYTES`` (default 2 MiB; a day's patrol batch is
  ~75 kB, a drawn cell a few kB) — 413 otherwise;
- it nests at most ``GRIDGOV_API_JSON_MAX_DEPTH`` levels (default 32; GeoJSON needs about 8) —
  400 otherwise, measured on the brackets outside strings without recursing;

and after it: no string holds a NUL character or half of a surrogate pair (PostgreSQL text can
hold neither; they failed as 500s deep inside the view) — 400 naming the field.
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser


def max_bytes() -> int:
    return int(getattr(settings, "GRIDGOV_API_JSON_MAX_BYTES", 2 * 1024 * 1024))


def max_depth() -> int:
    return int(getattr(settings, "GRIDGOV_API_JSON_MAX_DEPTH", 32))


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


# A JSON string, unrolled so that a long one is matched without backtracking.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")
_SUSPECT = re.compile(r"\\u(?:0000|d[89a-f][0-9a-f]{2})", re.I)
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def nesting_exceeds(text: str, limit: int) -> bool:
    """Does ``text`` nest arrays and objects deeper than ``limit``? (False for unbalanced text: the parser says why.)"""
    if text.count("[") + text.count("{") <= limit:
        return False
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _level in range(limit):
        skeleton, removed = _INNERMOST.subn("", skeleton)
        if not skeleton or not removed:
            return False
    return bool(skeleton)


def _bad_string_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string holding a NUL or a lone surrogate, or None (iterative)."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if _BAD_CHARACTER.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                if _BAD_CHARACTER.search(key):
                    return name
                stack.append((name, inner))
        elif isinstance(item, list):
            stack.extend((f"{where}.{index}" if where else str(index), inner) for index, inner in enumerate(item))
    return None


def parse_json_body(raw: bytes, encoding: str | None = None) -> Any:
    """A JSON body within the limits above, or the API's exception saying what is wrong.

    The API's parser below and the hot paths in front of Django (gridgov/hotpath.py) both read
    JSON through this: one set of limits."""
    limit = max_bytes()
    if len(raw) > limit:
        raise PayloadTooLarge(_("The JSON body is larger than %(limit)d kB.") % {"limit": limit // 1024})
    try:
        text = codecs.decode(raw, encoding or settings.DEFAULT_CHARSET)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseError(_("JSON parse error - %(error)s") % {"error": exc})
    depth = max_depth()
    if nesting_exceeds(text, depth):
        raise ParseError(_("The JSON body nests deeper than %(depth)d levels.") % {"depth": depth})
    try:
        # NaN and Infinity are not JSON (DRF's strict mode refuses them too).
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(_("The JSON body nests deeper than %(depth)d levels.") % {"depth": depth})
    except ValueError as exc:
        raise ParseError(_("JSON parse error - %(error)s") % {"error": exc})
    if _SUSPECT.search(text):
        where = _bad_string_path(data)
        if where is not None:
            raise ValidationError({where: [_("Contains a NUL character or a broken character, which is not allowed.")]})
    return data


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        raw = stream.read(max_bytes() + 1) if stream is not None else b""
        return parse_json_body(raw, parser_context.get("encoding"))


def _refuse_constant(name: str):
    raise ValueError(f"Out of range float values are not permitted: {name}")


# For views that list their parsers (the ones that take files as well as JSON): the same limits.
API_PARSERS = [LimitedJSONParser, MultiPartParser, FormParser]

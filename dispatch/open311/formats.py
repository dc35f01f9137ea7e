"""Rendering GeoReport v2 answers as JSON or XML, and its error lists."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


# Characters XML 1.0 cannot hold at all, not even escaped: C0 controls but tab, newline and
# carriage return; surrogates; U+FFFE and U+FFFF. One such character in one description made the
# whole requests.xml ill-formed for every client; they are dropped from the text (JSON keeps them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ElementTree.Element, tag: str, value: Any, item_tags: dict[str, str]) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner, item_tags)
    elif isinstance(value, list):
        child = item_tags.get(tag, tag.rstrip("s"))
        for inner in value:
            _append(element, child, inner, item_tags)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any, item: str | None = None, item_tags: dict[str, str] | None = None) -> bytes:
    """``value`` a list → <root><item>…</item>…</root>; a dict → <root>…</root>. Lists inside are
    wrapped by their key with one element per entry (``item_tags`` names them: attributes →
    attribute, values → value, endpoints → endpoint, formats → format)."""
    tags = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format", **(item_tags or {})}
    element = ElementTree.Element(root)
    if isinstance(value, list):
        for entry in value:
            _append(element, item or root.rstrip("s"), entry, tags)
    else:
        for key, inner in value.items():
            _append(element, key, inner, tags)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="utf-8")


def render(fmt: str, value: Any, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, value, item)
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


class Open311Error(Exception):
    """An answer in the spec's error format: [{"code": …, "description": …}]."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def error_response(fmt: str, errors: list[Open311Error]) -> HttpResponse:
    status = errors[0].status
    return render(
        fmt, [{"code": e.status, "description": e.description} for e in errors], root="errors", item="error", status=status
    )

"""A fuzz of the API's JSON parser limits (gridgov/parsers.py): whatever the body, the parser
answers the document or a client error (400/413) — never another exception, which would be a 500.

Documents are generated with nesting around the limit, strings holding brackets, quotes,
backslashes, NULs and lone surrogates, and raw bytes that are not JSON at all.
"""
from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings, strategies as st
from rest_framework.exceptions import APIException, ParseError, ValidationError

from gridgov.parsers import LimitedJSONParser, PayloadTooLarge, max_depth

TEXT = st.text(alphabet=st.sampled_from(list('ab[]{}"\\,:井\x00\ud800\udfff\n\t ')), max_size=20)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=60,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _bad(value) -> bool:
    if isinstance(value, str):
        return any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return any(_bad(v) for v in value)
    if isinstance(value, dict):
        return any(_bad(k) or _bad(v) for k, v in value.items())
    return False


def _parse(raw: bytes):
    return LimitedJSONParser().parse(io.BytesIO(raw), "application/json", {"encoding": "utf-8"})


def _wrap(value, levels: int):
    for _level in range(levels):
        value = [value]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, extra=st.integers(min_value=0, max_value=40))
def test_a_document_is_answered_or_refused_as_a_client_error(document, extra):
    document = _wrap(document, extra)
    raw = json.dumps(document, ensure_ascii=True).encode()
    # What the server receives: a high and a low surrogate written one after the other as escapes
    # ("\ud800\udfff") are one valid character once decoded, not two broken ones.
    received = json.loads(raw)
    try:
        parsed = _parse(raw)
    except ParseError:
        assert _depth(document) > max_depth(), "a document within the depth limit was refused"
        return
    except ValidationError:
        assert _bad(received), "a clean document was refused"
        return
    assert _depth(document) <= max_depth() and not _bad(received)
    assert parsed == received


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300) | st.text(alphabet=st.sampled_from(list('[]{}"\\:,0123 a\x00')), max_size=300).map(str.encode))
def test_any_bytes_are_answered_or_refused_as_a_client_error(raw):
    try:
        _parse(raw)
    except APIException as exc:
        assert 400 <= exc.status_code < 500


def test_depth_exactly_at_the_limit_parses_and_one_more_is_refused():
    limit = max_depth()
    assert _parse(json.dumps(_wrap(1, limit)).encode()) == _wrap(1, limit)
    try:
        _parse(json.dumps(_wrap(1, limit + 1)).encode())
    except ParseError:
        pass
    else:
        raise AssertionError("one level over the limit was parsed")


def test_size_exactly_at_the_limit_parses_and_one_byte_more_is_refused(settings):
    settings.GRIDGOV_API_JSON_MAX_BYTES = 1000
    body = '{"x": "' + "a" * (1000 - len('{"x": ""}')) + '"}'
    assert len(body) == 1000 and _parse(body.encode())["x"]
    try:
        _parse((body[:-2] + 'a"}').encode())
    except PayloadTooLarge:
        pass
    else:
        raise AssertionError("a body over the limit was parsed")

"""JSON made by PostgreSQL, put into an API answer as it is.

A patrol's day is a 2,880-point track: fetched as rows, converted to Python numbers and encoded
again, it cost the API answer several times its SQL (bench/patrols.py). PostgreSQL writes that
part of the answer as JSON text instead, and the answer carries it through unparsed: the view
puts a ``RawJSON`` where the value goes and answers with ``PassThroughJSONRenderer`` (DRF's JSON
renderer, so every other value is encoded exactly as before).
"""
from __future__ import annotations

import secrets

from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer


class RawJSON:
    """JSON text made elsewhere (by the database), written into the answer as it is.

    The text must be valid JSON and come from our own SQL, never from a user: it is not checked."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:40]!r}…)" if len(self.text) > 40 else f"RawJSON({self.text!r})"


class PassThroughJSONRenderer(JSONRenderer):
    """DRF's JSON renderer that writes each ``RawJSON`` value as its text.

    1. The encoder meets a ``RawJSON`` (not a JSON type, so it asks its ``default``) and writes a
       placeholder string in its place: a random key of this answer and the value's number.
    2. Each placeholder, with its quotes, is replaced by the value's text.
    No string of the answer's own data (a note, a name) can be a placeholder: it would have to
    hold this answer's random key. The C encoder stays in use (``default`` is its hook)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        key = secrets.token_hex(8)
        texts: list[bytes] = []

        class Encoder(self.encoder_class):
            def default(self, obj):
                if isinstance(obj, RawJSON):
                    texts.append(obj.text.encode())
                    return f"rawjson:{key}:{len(texts) - 1}"
                return super().default(obj)

        # A renderer is made per request (APIView.get_renderers): its own attribute is no one else's.
        self.encoder_class = Encoder
        try:
            body = super().render(data, accepted_media_type, renderer_context)
        finally:
            del self.encoder_class
        for number, text in enumerate(texts):
            body = body.replace(f'"rawjson:{key}:{number}"'.encode(), text, 1)
        return body


# What a view that answers with RawJSON values lists as its renderer_classes (DRF's default pair,
# with the JSON one able to pass them through; the browsable API renders through it too).
PASS_THROUGH_RENDERERS = (PassThroughJSONRenderer, BrowsableAPIRenderer)

"""JSON made by the database goes into an API answer as it is (gridgov/renderers.py), and nothing a
user wrote can be taken for it."""
from __future__ import annotations

import json

from rest_framework.renderers import JSONRenderer

from gridgov.renderers import PassThroughJSONRenderer, RawJSON


def test_raw_json_is_written_as_it_is_and_everything_else_as_drf_writes_it():
    data = {"note": "东门 “quoted”", "when": None, "track": RawJSON("[[39.9,116.4],[39.900001,116.400002]]"),
            "nested": [{"line": RawJSON("[]")}, 1.5]}
    body = PassThroughJSONRenderer().render(data)
    assert json.loads(body) == {"note": "东门 “quoted”", "when": None, "track": [[39.9, 116.4], [39.900001, 116.400002]],
                                "nested": [{"line": []}, 1.5]}
    plain = dict(data, track=[[39.9, 116.4], [39.900001, 116.400002]], nested=[{"line": []}, 1.5])
    assert body == JSONRenderer().render(plain)


def test_a_users_text_that_looks_like_a_placeholder_stays_text():
    data = {"note": "rawjson:0000000000000000:0", "track": RawJSON("[1]"), "other": '"rawjson:x:0"'}
    assert json.loads(PassThroughJSONRenderer().render(data)) == data | {"track": [1]}

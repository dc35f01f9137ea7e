"""A fuzz of the page forms (the HTML side of what schemathesis does for the API): every page
route that takes a POST, as each role, with random and hostile values in every field its form
shows — formulas, NUL, year 0 and 9999, huge numbers, scripts, ID numbers, files that are not
photos. Never a 500; and a post that is refused (an error status, the form shown again, an error
message) leaves the database exactly as it was: nothing half-saved.

The routes and their objects come from the permission matrix (``matrix.py``); a new form route
is fuzzed the moment it is routed.
"""
from __future__ import annotations

import re

import pytest
from django.urls import path
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from incidents.actions import machine

from .dbwrites import writes
from .matrix_routes import ROUTES, _resolve_values, _url
from .test_permission_matrix import places  # noqa: F401 - places: fixture

PERSONAS = ["grid_worker_a", "community_staff", "dispatcher", "department_handler", "gis_admin", "leader"]
EXAMPLES = 4
HOSTILE = [
    "", " ", "=HYPERLINK(\"http://evil.example/?x\",\"点击\")", "+1+2", "-1", "@SUM(A1)", "\t=1", "0", "-99999999999999999999",
    "1e309", "NaN", "9999-12-31", "0001-01-01", "2026-13-45", "2026-12-31T25:99", "<script>alert(1)</script>",
    "' OR 1=1 --", "../../etc/passwd", "a" * 5000, "\u202e反转", "😀", "１２３", "[[[[[[[[", "{\"a\": [1]}", "110101198005011171",
    "13812345678", "true", "null", "\x00", "张三\r\n=1", "#1", "99999999999",
]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', re.I)
FILE_FIELD = re.compile(r'<input\b[^>]*\btype="file"[^>]*\bname="([^"]+)"|<input\b[^>]*\bname="([^"]+)"[^>]*\btype="file"', re.I)
DEFAULT_FIELDS = ["note", "reason", "field", "name", "passed", "deadline", "original", "assignee", "departments", "to_level"]
NOT_FORMS = {"login", "logout", "set_language", "password_reset_confirm", "open311-requests", "api-token", "api-token-refresh"}
FORM_ROUTES = [r for r in ROUTES if not r.pattern.startswith(("api/", "open311/")) and r.view_class is None
               and r.id not in NOT_FORMS and r.id != "healthz"]


def _refused(answer) -> bool:
    if answer.status_code >= 400:
        return True
    if answer.status_code == 200 and "application/json" in answer.get("Content-Type", ""):
        return answer.json().get("ok") is False
    said = list(get_messages(answer.wsgi_request))
    if said and said[-1].level_tag == "error":
        return True
    return answer.status_code == 200 and b"errorlist" in answer.content  # the form shown again with its errors


def post_and_check(client: Client, url: str, body: dict):
    """POST in a savepoint that is rolled back; answers (response, tables a refused post left changed)."""
    answer, changed = writes(lambda: client.post(url, body))
    if answer.status_code >= 500 or not _refused(answer):
        return answer, []
    return answer, changed


def _form_fields(client: Client, url: str) -> tuple[list[str], list[str]]:
    page = client.get(url)
    text = page.content.decode("utf-8", "replace") if page.status_code == 200 else ""
    files = sorted({a or b for a, b in FILE_FIELD.findall(text)})
    fields = sorted(set(FIELD.findall(text)) - {"csrfmiddlewaretoken", *files}) or DEFAULT_FIELDS
    return fields, files


@pytest.mark.parametrize("route", FORM_ROUTES, ids=[r.id for r in FORM_ROUTES])
def test_no_hostile_form_post_fails_or_half_saves(route, places, settings):  # noqa: F811
    settings.MEDIA_ROOT = places.media_root
    acts = sorted(name for name in machine.ACTS if machine.runnable(name))
    problems: list[str] = []
    for persona in PERSONAS:
        user = getattr(places.world, persona)
        try:
            values, query = _resolve_values(route, places, "A", user)
        except LookupError as exc:
            pytest.fail(str(exc))
        client = Client(raise_request_exception=False)
        client.force_login(user)
        fields, files = _form_fields(client, _url(route, values, query))

        @settings_for_forms
        @given(data=st.fixed_dictionaries({name: VALUES for name in fields}), act=st.sampled_from(acts),
               upload=st.binary(max_size=64))
        def post(data, act, upload):
            args = dict(values, action=act) if "action" in values else values
            url = _url(route, args, query)
            body = dict(data)
            for name in files:
                body[name] = SimpleUploadedFile("x.jpg", upload, content_type="image/jpeg")
            answer, changed = post_and_check(client, url, body)
            if answer.status_code >= 500:
                problems.append(f"{persona}: POST {url} {data!r} → {answer.status_code}")
            elif changed:
                problems.append(f"{persona}: POST {url} {data!r} → {answer.status_code}, refused, but wrote {changed}")

        post()
    assert not problems, "\n".join(problems[:20])


settings_for_forms = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# --- the detector itself: a view that writes and then refuses is caught ---------------------

def _half_saving_view(request):
    from django.http import HttpResponseBadRequest

    from accounts.models import Department

    Department.objects.create(code="HALF", name="half-saved")
    return HttpResponseBadRequest("refused after writing")


def _saving_view(request):
    from django.http import HttpResponseRedirect

    from accounts.models import Department

    Department.objects.create(code="WHOLE", name="saved")
    return HttpResponseRedirect("/")


urlpatterns = [path("half/", _half_saving_view), path("whole/", _saving_view)]


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_fuzz_catches_a_refused_post_that_wrote_something(django_user_model):
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.create_user("fuzzer", password="x-very-long-password-1"))
    answer, changed = post_and_check(client, "/half/", {"note": "x"})
    assert answer.status_code == 400 and changed == ["accounts_department"]
    answer, changed = post_and_check(client, "/whole/", {"note": "x"})
    assert answer.status_code == 302 and changed == []  # a post that was taken may write

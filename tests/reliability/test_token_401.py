"""A client holding an API token is told *why* it is refused: a missing, invalid or expired token
is 401 with ``WWW-Authenticate: Token`` (so a phone or a dispatch system knows to refresh its token
or sign in again), never a bare 403. The two hot paths in front of Django (grids/hotpath.py,
incidents/hotpath.py) answer exactly the same, since they leave every refusal to Django.

Requests go through the production WSGI stack (the hot paths wrapping Django's handler)."""
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.wsgi import get_wsgi_application
from django.utils import timezone

from accounts import fastauth
from accounts.models import ApiToken
from accounts.tokens import issue
from grids.hotpath import LookupHotPath
from incidents.hotpath import PatrolPointsHotPath
from incidents.models import Patrol


@pytest.fixture
def world(committed_world):
    fastauth.forget_tokens()
    yield committed_world
    fastauth.forget_tokens()


def call(app, *, method="GET", path, query="", token=None, body=None):
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw), "wsgi.errors": io.StringIO(), "HTTP_ACCEPT": "application/json",
    }
    if body is not None:
        environ.update({"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw))})
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    chunks = app(environ, start_response)
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], answer["headers"], content


def expired_key(user) -> str:
    key = issue(user).key
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    fastauth.forget_tokens()
    return key


def assert_401(answer, *, says=None, where=""):
    status, headers, content = answer
    assert status == 401, (status, content[:200], where)
    assert headers.get("WWW-Authenticate") == "Token", headers
    if says:
        assert says in json.loads(content)["detail"]


def requests_of(world):
    point = world.cell_a.boundary.point_on_surface
    patrol = Patrol.objects.create(worker=world.grid_worker_a, cell=world.cell_a, started_at=timezone.now() - timedelta(minutes=5))
    batch = {"points": [{"id": str(uuid.uuid4()), "at": timezone.now().isoformat(), "lat": point.y, "lng": point.x}]}
    return [
        (get_wsgi_application(), dict(path="/api/v1/incidents/")),
        (LookupHotPath(get_wsgi_application()), dict(path="/api/v1/areas/lookup/", query=f"lat={point.y:.7f}&lng={point.x:.7f}")),
        (PatrolPointsHotPath(get_wsgi_application()), dict(method="POST", path=f"/api/v1/patrols/{patrol.pk}/points/", body=batch)),
    ]


def test_an_invalid_token_is_401_with_www_authenticate_on_the_api_and_both_hot_paths(world):
    for app, request in requests_of(world):
        assert_401(call(app, token="not-a-token-" + "x" * 30, **request), says="认证令牌无效", where=request["path"])


def test_an_expired_token_is_401_saying_to_refresh_on_the_api_and_both_hot_paths(world):
    key = expired_key(world.grid_worker_a)
    for app, request in requests_of(world):
        assert_401(call(app, token=key, **request), says="/api/v1/auth/token/refresh/")


def test_no_credentials_at_all_is_401_with_www_authenticate(world):
    for app, request in requests_of(world):
        assert_401(call(app, **request))


def test_a_valid_token_still_works_on_the_hot_paths_after_the_refusals(world):
    key = issue(world.grid_worker_a).key
    for app, request in requests_of(world):
        for _ in range(2):  # the second call is the one the hot path answers itself
            status, _headers, content = call(app, token=key, **request)
            assert status == 200, content[:200]

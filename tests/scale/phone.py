"""What the tests send as a resident's browser and as the grid worker's phone, over real HTTP."""
from __future__ import annotations

import re
import threading
import time
import uuid

import requests
from django.core import signing

from dispatch.public import challenge

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')
_CASE_LINK = re.compile(r"/public/case/([A-Za-z0-9_-]+)/")


def file_as_resident(session: requests.Session, server, facts: dict, description: str = "路灯不亮了") -> str:
    """The resident's report form, filled and sent; answers the status page's path."""
    form = session.get(server.url("/public/report/"), timeout=30)
    assert form.status_code == 200, form.text[:500]
    token = _CHALLENGE.search(form.text).group(1)
    numbers = signing.loads(token, salt=challenge.SALT)
    sent = session.post(server.url("/public/report/"), allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": _CSRF.search(form.text).group(1), "category": "C0102",
        "lat": f"{facts['lat']:.6f}", "lng": f"{facts['lng']:.6f}", "description": description, "phone": "",
        "challenge": token, "answer": str(numbers["a"] + numbers["b"]),
    }, headers={"Referer": server.url("/public/report/")})
    assert sent.status_code == 302, sent.text[:500]
    return "/public/case/" + _CASE_LINK.search(sent.headers["Location"]).group(1) + "/"


def report(server, facts: dict, client_id: uuid.UUID, timeout: float = 10) -> requests.Response:
    """One report from the phone's outbox: the API call the phone makes, with its client id."""
    return requests.post(server.url("/api/v1/incidents/"), timeout=timeout, json={
        "category": "E0101", "lat": facts["lat"], "lng": facts["lng"], "description": "路边垃圾堆",
        "client_id": str(client_id),
    }, headers={"Authorization": f"Token {facts['worker_token']}"})


def health(server, token: str) -> dict:
    return requests.get(server.url("/healthz"), headers={"X-Health-Token": token}, timeout=30).json()


class Phone(threading.Thread):
    """A phone's outbox: a report stays in it until the server answers it with a success, and is
    sent again (same client id) after an error or a timeout; then the next report is made."""

    def __init__(self, server, facts, stop: threading.Event):
        super().__init__(daemon=True)
        self.server, self.facts, self.stop = server, facts, stop
        self.answered: list[tuple[uuid.UUID, float]] = []
        self.sent: set[uuid.UUID] = set()
        self.errors = 0
        self.seconds: list[float] = []  # how long each answered request took
        self.pending: uuid.UUID | None = None
        self.pause = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            if self.pending is None:
                self.pending = uuid.uuid4()
            self.sent.add(self.pending)
            try:
                began = time.monotonic()
                answer = report(self.server, self.facts, self.pending, timeout=15)
                ok = 200 <= answer.status_code < 300
                if ok:
                    self.seconds.append(time.monotonic() - began)
            except requests.RequestException:
                ok = False
            if ok:
                self.answered.append((self.pending, time.monotonic()))
                self.pending = None
            else:
                self.errors += 1
                self.pause.wait(0.2)  # the outbox waits a moment before sending again

"""Helpers of the public-side tests: filing as a resident through the real page, as a phone does."""
from __future__ import annotations

import re

from django.core import signing
from django.test import Client

from dispatch.public import challenge

TOKEN_IN_LINK = re.compile(r"/public/case/([A-Za-z0-9_-]+)/")


def answer_of(page_html: str) -> tuple[str, str]:
    """(challenge token, its right answer) read from the form, as a person reads the question."""
    token = re.search(r'name="challenge" value="([^"]+)"', page_html).group(1)
    data = signing.loads(token, salt=challenge.SALT)
    return token, str(data["a"] + data["b"])


def file_as_resident(client: Client | None = None, *, where, category: str = "C0102", description: str = "路灯不亮了",
                     phone: str = "", photos=(), ip: str = "203.0.113.7", **extra):
    """POST the report form; answers (response, status-page token or None)."""
    client = client or Client()
    form = client.get("/public/report/", REMOTE_ADDR=ip)
    token, answer = answer_of(form.content.decode())
    point = where.boundary.point_on_surface if hasattr(where, "boundary") else where
    data = {"category": category, "lat": f"{point.y:.6f}", "lng": f"{point.x:.6f}", "description": description,
            "phone": phone, "challenge": token, "answer": answer, **extra}
    if photos:
        data["photos"] = list(photos)
    response = client.post("/public/report/", data, REMOTE_ADDR=ip)
    found = TOKEN_IN_LINK.search(response.get("Location", "") or "")
    return response, (found.group(1) if found else None)


def colleague_dispatcher(world):
    """A second dispatcher of the command centre: separation of duties asks someone other than
    the one who handled a case to close it."""
    from accounts.models import Role
    from tests.world import _user

    return _user("dispatcher_2", Role.DISPATCHER, world.district)


def close_at_centre(world, incident):
    """A case in the command centre's intake worked to its end as the centre does it: registered
    and handled by one dispatcher, checked on site by the cell's grid worker, closed by a colleague."""
    from incidents import actions as case_acts
    from incidents.models import Incident

    from tests.dispatch.conftest import photo

    case_acts.register(Incident.objects.get(pk=incident.pk), actor=world.dispatcher)
    case_acts.handle(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, photos=[photo()])
    case_acts.verify(Incident.objects.get(pk=incident.pk), actor=world.grid_worker_a, passed=True)
    case_acts.close(Incident.objects.get(pk=incident.pk), actor=colleague_dispatcher(world))
    return Incident.objects.get(pk=incident.pk)

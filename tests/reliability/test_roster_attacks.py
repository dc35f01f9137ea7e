"""A community's staff assigns cells only inside her community: another jurisdiction's cell or
worker in the request is refused as unknown, and nothing changes."""
from __future__ import annotations

import pytest

from accounts.actions import AssignmentRefused, cover_cells
from accounts.models import GridAssignment


def test_another_communitys_cell_in_the_body_is_refused(world):
    before = list(GridAssignment.objects.filter(cell=world.cell_b).values_list("user_id", "ended_at"))
    with pytest.raises(AssignmentRefused) as caught:
        cover_cells(world.community_staff, {world.cell_b.pk: world.grid_worker_a.pk})
    assert caught.value.field == "cells"
    assert list(GridAssignment.objects.filter(cell=world.cell_b).values_list("user_id", "ended_at")) == before


def test_another_communitys_worker_is_refused(world):
    with pytest.raises(AssignmentRefused) as caught:
        cover_cells(world.community_staff, {world.cell_a2.pk: world.grid_worker_b.pk})
    assert caught.value.field == "worker"


def test_a_leader_assigns_nothing(world):
    with pytest.raises(AssignmentRefused):
        cover_cells(world.leader, {world.cell_a2.pk: world.grid_worker_a.pk})


def test_the_assignment_page_answers_404_for_another_jurisdictions_cell_and_400_for_nonsense(world, client):
    from django.urls import reverse

    client.force_login(world.community_staff)
    url = reverse("dispatch:workload-assign")
    answer = client.post(url, {"cells": [world.cell_b.pk], "worker": world.grid_worker_a.pk}, content_type="application/json")
    assert answer.status_code == 404 and answer.json()["field"] == "cells"
    assert not GridAssignment.objects.active().filter(cell=world.cell_b, user=world.grid_worker_a).exists()
    for body, field in [({"cells": "1"}, "cells"), ({"cells": [True]}, "cells"), ({"cells": [1], "worker": "x"}, "worker"),
                        ({"cells": [10**30]}, "cells")]:
        answer = client.post(url, body, content_type="application/json")
        assert answer.status_code == 400 and answer.json()["field"] == field
    assert client.post(url, b"\x00{", content_type="application/json").status_code == 400
    assert client.get(reverse("dispatch:workload-data"), {"area": world.street_2.code}).status_code == 404

"""The demo emergency scenario: an epidemic over the demo district's first community (lockdown)
and its neighbour (controlled), a household campaign with the care-tagged first, a volunteer, and
a few outcomes already recorded by the demo grid worker, verified volunteers and needs in every
state (emergencies/demo_needs.py). Idempotent: run again, nothing doubles."""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_user, ensure_demo_user
from grids.models import Area, Level
from needs.seeds import ensure_kinds

from .actions.campaigns import issue_campaign
from .actions.declaring import declare_emergency
from .actions.outcomes import hand_tasks, record_outcome
from .demo_needs import seed_needs
from .models import Emergency, Measure, Outcome, Task, Unit

TITLE = "演练：东城区新冠疫情应急处置"
# Fixed client ids: running the seed again replays the same taps, which the server answers once.
_DEMO_TAPS = [uuid.UUID(int=0xE11E_0000 + n) for n in range(6)]


@transaction.atomic
def seed(*, district: Area, stdout, **_) -> Emergency:
    if settings.PRODUCTION:
        raise CommandError("The demo emergency is never created in production.")
    ensure_kinds()  # a door's "needs help" becomes a need of kind "other"
    street = Area.objects.current().filter(parent=district, level=Level.STREET).order_by("code").first()
    communities = list(Area.objects.current().filter(parent=street, level=Level.COMMUNITY).order_by("code")[:2])
    existing = Emergency.objects.filter(title=TITLE, area=district).first()
    if existing is not None:
        stdout.write(f"Demo emergency already present (#{existing.pk}).")
        seed_needs(emergency=existing, communities=communities, stdout=stdout)
        return existing
    # The district's own demo accounts (another district, or the test world, may hold the plain names).
    dispatcher, community_user = demo_user(district, "dispatcher"), demo_user(district, "community")
    if dispatcher is None or community_user is None:
        raise CommandError("The district has no demo dispatcher or community staff: run seed_demo first.")
    zones = [{"name": "一号封控区", "measure": Measure.LOCKDOWN, "areas": [communities[0].code]}]
    if len(communities) > 1:
        zones.append({"name": "二号管控区", "measure": Measure.CONTROLLED, "areas": [communities[1].code]})
    emergency = declare_emergency(actor=dispatcher, kind="epidemic", title=TITLE, area=district, zones=zones,
                                  description="演练数据：封控区逐户通知核酸检测，重点人群优先。")
    now = timezone.now()
    campaign = issue_campaign(actor=dispatcher, zone=emergency.zones.get(name="一号封控区"), title="逐户通知核酸检测",
                              unit=Unit.HOUSEHOLD, deadline=now + timedelta(hours=12), care_deadline=now + timedelta(hours=4))
    # The district's demo volunteer, as every other demo account (``volunteer`` or, when another
    # district holds that name, ``volunteer_<code>``); a district seeded before he was a demo account gets him now.
    volunteer = ensure_demo_user(district, "volunteer")
    unassigned = list(Task.objects.filter(campaign=campaign, worker__isnull=True).values_list("pk", flat=True)[:20])
    if unassigned:
        hand_tasks(actor=community_user, task_ids=unassigned, volunteer=volunteer)
    worker = demo_user(district, "gridworker")
    outcomes = [Outcome.DONE, Outcome.DONE, Outcome.NOBODY_HOME, Outcome.DONE, Outcome.REFUSED, Outcome.NEEDS_HELP]
    for task, outcome, client_id in zip(Task.objects.filter(campaign=campaign, worker=worker).order_by("id"), outcomes, _DEMO_TAPS):
        record_outcome(actor=worker, task_id=task.pk, outcome=outcome, client_id=client_id)
    stdout.write(f"Demo emergency #{emergency.pk}: {len(zones)} zones, campaign of {campaign.task_count} tasks "
                 f"(volunteer: {volunteer.username} / {settings.GRIDGOV_DEMO_PASSWORD}).")
    seed_needs(emergency=emergency, communities=communities, stdout=stdout)
    return emergency

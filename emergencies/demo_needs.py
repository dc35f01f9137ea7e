"""The demo emergency's needs and volunteers (``manage.py seed_emergency``): three volunteers
registered and verified by the staff of their community, and needs in every state a night meeting
talks about — open, claimed, delivered, confirmed received, a hotline call, and one medical need
already past its urgent limit. Every write goes through the needs app's actions, as in real use.
Idempotent: a second run finds the demo volunteers and needs and writes nothing."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import User
from accounts.scope import scoped
from grids.models import Area
from needs import actions as needs
from needs.actions.volunteers import volunteer_phone_hashes
from needs.models import Need, NeedSource, Volunteer
from needs.rules import may_verify_volunteers
from needs.seeds import ensure_kinds
from residents.models import Household

from .models import Emergency

# name, mobile (the sign-in name), what he can do, index of the demo community he helps in
VOLUNTEERS = [
    ("孙志愿", "13900000101", "送菜、送药（有电动车）", 0),
    ("周志愿", "13900000102", "陪同就医、照看老人", 0),
    ("吴志愿", "13900000103", "搬运物资", 1),
]
MARK = "演练："


def _volunteers(communities: list[Area], verifiers: list[User]) -> list[User]:
    """The demo volunteers, each verified by staff whose jurisdiction holds his community (a
    community nobody of the demo may verify in gets none)."""
    users = []
    for name, phone, skills, index in VOLUNTEERS:
        community = communities[min(index, len(communities) - 1)]
        # A volunteer is found by his phone's keyed hash (his login name is generated).
        record = Volunteer.objects.filter(phone_hash__in=volunteer_phone_hashes(phone)).select_related("user").first()
        if record is None:
            here = Area.objects.filter(pk=community.pk)
            verifier = next((user for user in verifiers if may_verify_volunteers(user) and scoped(here, user).exists()), None)
            if verifier is None:
                continue
            record = needs.register_volunteer(name=name, phone=phone, password=settings.GRIDGOV_DEMO_PASSWORD,
                                              community=community, skills=skills)
            record = needs.verify_volunteer(volunteer=record, actor=verifier)
        users.append(User.objects.get(pk=record.user_id))
    return users


def _households(user: User, count: int) -> list[Household]:
    """Households of different buildings where there are enough (the needs spread on the map)."""
    households = scoped(Household.objects.select_related("dwelling"), user)
    listed = list(households.order_by("dwelling__building__code", "dwelling__room", "id")[:2000])
    spread, buildings = [], set()
    for household in listed:
        if household.dwelling.building_id not in buildings:
            buildings.add(household.dwelling.building_id)
            spread.append(household)
    return (spread + [h for h in listed if h not in spread])[:count]


def seed_needs(*, emergency: Emergency, communities: list[Area], stdout) -> None:
    if Need.objects.filter(emergency=emergency, description__contains=MARK).exists():
        stdout.write("Demo needs already present.")
        return
    ensure_kinds()
    found_users = {name: demo_user(emergency.area, name) for name in ("gridworker", "community", "street", "dispatcher")}
    users = {name: user for name, user in found_users.items() if user is not None}
    worker, dispatcher = users.get("gridworker"), users.get("dispatcher")
    found = _households(worker, 7) if worker else []
    if dispatcher is None or not found:
        stdout.write("No demo needs: the demo grid worker, the dispatcher or households in her cells are missing "
                     "(run seed_demo).")
        return
    homes = [found[n % len(found)] for n in range(7)]  # a small demo: a household may have two needs
    volunteers = _volunteers(communities, [users[name] for name in ("community", "street") if name in users])
    if not volunteers:
        stdout.write("No demo needs: no demo staff may verify volunteers in the demo communities.")
        return
    verified = len(volunteers)
    volunteers = [volunteers[n % len(volunteers)] for n in range(2)]  # the two who claim below (one may be both)
    now = timezone.now()

    def record(home, kind, text, urgency="normal", at=None, source=NeedSource.GRID_WORKER, actor=worker):
        return needs.record_need(household=home, kind=kind, urgency=urgency, description=MARK + text, source=source,
                                 actor=actor, emergency=emergency, now=at or now)

    # Recorded five hours ago, nobody took it: past the medical kind's urgent limit, climbing.
    record(homes[0], "medicine", "胰岛素只剩一天的量，需要代购（诺和灵）", urgency="urgent", at=now - timedelta(hours=5))
    record(homes[1], "food", "家中三口人，蔬菜和米面两天后吃完")
    record(homes[2], "daily_necessities", "婴儿纸尿裤（L码）两包", at=now - timedelta(minutes=40))
    claimed = record(homes[3], "food", "独居老人，需要送一周的蔬菜", at=now - timedelta(hours=1))
    needs.claim_need(need=claimed, actor=volunteers[0])
    ride = record(homes[4], "medical_transport", "周三、周五透析，需要接送到医院", urgency="urgent", at=now - timedelta(minutes=30))
    needs.claim_need(need=ride, actor=volunteers[1])
    delivered = record(homes[5], "elderly_care", "老人行动不便，需要帮忙取药", at=now - timedelta(hours=3))
    needs.claim_need(need=delivered, actor=volunteers[1], now=now - timedelta(hours=2))
    needs.deliver_need(need=delivered, actor=volunteers[1], note="已送到门口", now=now - timedelta(hours=1))
    confirmed = record(homes[6], "daily_necessities", "消毒液和口罩", at=now - timedelta(hours=6))
    needs.claim_need(need=confirmed, actor=volunteers[0], now=now - timedelta(hours=5))
    needs.deliver_need(need=confirmed, actor=volunteers[0], now=now - timedelta(hours=4))
    needs.confirm_received(need=confirmed, actor=worker, now=now - timedelta(hours=3))
    # A neighbour's call to the hotline, about a household of the controlled zone.
    neighbours = scoped(Household.objects.filter(cell__code__startswith=communities[-1].code), dispatcher)
    called = list(neighbours.order_by("id")[:1]) or homes[1:2]
    if called:
        needs.record_need(household=called[0], kind="medicine", urgency="urgent", source=NeedSource.HOTLINE,
                          description=f"{MARK}邻居来电：楼上独居老人发烧，家里没有退烧药", actor=dispatcher, emergency=emergency,
                          caller_phone="13800000199")
    stdout.write(f"Demo needs: {Need.objects.filter(emergency=emergency).count()} needs, {verified} verified volunteers "
                 f"(sign in with {VOLUNTEERS[0][1]} / {settings.GRIDGOV_DEMO_PASSWORD}).")

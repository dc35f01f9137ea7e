"""Demo residents: plausible buildings, households and people in the demo district (synthetic data).

Names are drawn from common surnames and given-name characters; ID numbers are random but
valid (region, birth date, sequence with the right gender parity, check digit); phones are
random mobile numbers. None of it describes a real person. Everything is written with
COPY (gridgov.bulk), so a few thousand people take a few seconds; running it again does nothing.

The demo grid worker's two cells (first two cells of the first community of the first street)
get several buildings, tagged residents and a visit history, so that "visits due" has work in it.
"""
from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_user
from gridgov.bulk import insert_rows, update_rows
from accounts.models import GridAssignment, User
from grids.models import Area, Level

from .actions import ensure_default_care_tags
from .idnumbers import PROVINCES, synthetic_id_number
from .models import (
    Building,
    CareTag,
    ChangeHistory,
    Dwelling,
    DwellingUse,
    Gender,
    Household,
    IdType,
    Person,
    PersonTag,
    Relation,
    ResidentType,
    Visit,
)
from .privacy import sealed_identifiers

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE_CHARS = list("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣晨阳建国志文海峰东亮成")
FEMALE_CHARS = list("芳娜敏静丽艳娟霞秀燕玲桂英华红梅琳雪婷倩颖慧莉萍洁琴云凤霞佳欣怡悦思雨晶月兰")
ESTATE_WORDS = ["和平里", "安定", "东四", "交道口", "北新桥", "景山", "朝阳门", "建国门", "崇文", "龙潭", "天坛", "永定", "东花市", "前门", "体育馆"]
ETHNIC_MINORITIES = ["回族", "满族", "蒙古族", "朝鲜族", "壮族", "土家族"]
FOREIGN_PREFIXES = ["E", "G", "P", "K"]
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159", "176", "177", "186", "187", "188", "189"]

SEED = 2004
CELLS_WITH_RESIDENTS = 220  # besides the demo grid worker's two; at least one in every community


def _name(rng: random.Random, gender: str, surname: str | None = None) -> str:
    chars = MALE_CHARS if gender == Gender.MALE else FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


def _birth(rng: random.Random, today: dt.date, low: int, high: int) -> dt.date:
    age_days = rng.randint(low * 365, high * 365 + 364)
    return today - dt.timedelta(days=age_days)


def _point_in(rng: random.Random, cell: Area) -> Point:
    xmin, ymin, xmax, ymax = cell.boundary.extent
    for _ in range(30):
        point = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), srid=4326)
        if cell.boundary.contains(point):
            return point
    return cell.boundary.point_on_surface


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


class _Ids:
    """Synthetic ID numbers, never the same one twice."""

    def __init__(self, rng: random.Random, home_region: str):
        self.rng, self.home_region, self.used = rng, home_region, set()

    def make(self, birth: dt.date, gender: str, resident_type: str) -> tuple[str, str]:
        if resident_type == ResidentType.FOREIGN:
            return IdType.PASSPORT, self.rng.choice(FOREIGN_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        region = self.home_region if resident_type == ResidentType.REGISTERED else None
        while True:
            number = synthetic_id_number(self.rng, birth_date=birth, gender=gender, region=region)
            if number not in self.used:
                self.used.add(number)
                return IdType.RESIDENT_ID, number


def _household_people(rng: random.Random, today: dt.date) -> list[dict]:
    """One household's members as dicts (relation, gender, birth, surname)."""
    shape = rng.random()
    head_gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
    surname = rng.choice(SURNAMES)
    if shape < 0.12:  # elderly living alone
        return [{"relation": Relation.HEAD, "gender": head_gender, "birth": _birth(rng, today, 70, 92), "surname": surname, "alone": True}]
    if shape < 0.22:  # a single adult
        return [{"relation": Relation.HEAD, "gender": head_gender, "birth": _birth(rng, today, 22, 60), "surname": surname}]
    head_birth = _birth(rng, today, 28, 75)
    members = [{"relation": Relation.HEAD, "gender": head_gender, "birth": head_birth, "surname": surname}]
    spouse_birth = min(today - dt.timedelta(days=18 * 365), head_birth + dt.timedelta(days=rng.randint(-1500, 1500)))
    members.append({"relation": Relation.SPOUSE, "gender": Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE,
                    "birth": spouse_birth, "surname": None})
    head_age = (today - head_birth).days // 365
    if head_age < 60:
        for _ in range(rng.choice([0, 1, 1, 2])):
            lowest = max(0, head_age - 40)
            highest = max(lowest, min(head_age - 20, 30))
            members.append({"relation": Relation.CHILD, "gender": rng.choice(Gender.values), "birth": _birth(rng, today, lowest, highest), "surname": surname})
        if rng.random() < 0.2 and head_age < 55:
            members.append({"relation": Relation.PARENT, "gender": rng.choice(Gender.values), "birth": _birth(rng, today, head_age + 22, min(head_age + 35, 95)), "surname": surname})
    elif rng.random() < 0.3:
        members.append({"relation": Relation.GRANDCHILD, "gender": rng.choice(Gender.values), "birth": _birth(rng, today, 5, 14), "surname": surname, "left_behind": rng.random() < 0.5})
    return members


def seed(*, district: Area, stdout, progress=None, scale: float = 1.0, **_) -> None:
    if settings.PRODUCTION:
        raise CommandError("Demo residents are never created in production.")
    if Building.objects.filter(cell__code__startswith=district.code).exists():
        stdout.write("Demo residents already present; left as they are.")
        return
    rng = random.Random(SEED)
    today = timezone.localdate()
    street = Area.objects.current().filter(parent=district, level=Level.STREET).order_by("code").first()
    community = Area.objects.current().filter(parent=street, level=Level.COMMUNITY).order_by("code").first()
    worker_cells = list(Area.objects.current().filter(parent=community, level=Level.GRID).order_by("code")[:2])
    others = list(
        Area.objects.current().filter(level=Level.GRID, code__startswith=district.code).exclude(pk__in=[c.pk for c in worker_cells])
        .order_by("code").values_list("pk", flat=True)
    )
    # A cell or two with residents in every community, then more at random.
    by_community: dict[int, list[int]] = {}
    for pk, parent_id in Area.objects.filter(pk__in=others).values_list("pk", "parent_id"):
        by_community.setdefault(parent_id, []).append(pk)
    chosen = {rng.choice(sorted(pks)) for pks in by_community.values()}
    rest = [pk for pk in others if pk not in chosen]
    chosen |= set(rng.sample(rest, min(max(0, round(CELLS_WITH_RESIDENTS * scale) - len(chosen)), len(rest))))
    cells = worker_cells + list(Area.objects.filter(pk__in=chosen).select_related("parent").order_by("code"))
    ensure_default_care_tags()
    tags = {t.code: t for t in CareTag.objects.all()}
    # Registered residents were mostly born here: their ID numbers carry the district's code (when it is a real one).
    home_region = district.code if district.code[:2] in PROVINCES and district.code[2:] != "0000" else "110101"
    ids = _Ids(rng, home_region)
    worker = demo_user(district, "gridworker")
    now = timezone.now()
    worker_cell_ids = {c.pk for c in worker_cells}

    with transaction.atomic():
        buildings: list[Building] = []
        for cell in cells:
            count = 3 if cell.pk in worker_cell_ids else rng.choice([1, 1, 2])
            estate = rng.choice(ESTATE_WORDS)
            for number in range(1, count + 1):
                buildings.append(Building(
                    code=f"{cell.code}-{number:02d}", address=f"{estate}小区{rng.randint(1, 30)}号楼", location=_point_in(rng, cell),
                    cell=cell, floors=rng.choice([5, 6, 6, 7, 12, 18]), units=rng.choice([1, 2, 3]),
                    property_manager=rng.choice(["", f"{estate}物业", "房管所"]), created_at=now, updated_at=now,
                ))
        insert_rows(Building, buildings)

        dwellings: list[Dwelling] = []
        for building in buildings:
            for unit in range(1, (building.units or 1) + 1):
                for floor in range(1, rng.randint(2, 4) + 1):
                    for room in (1, 2):
                        use = DwellingUse.RENTED if rng.random() < 0.15 else DwellingUse.RESIDENTIAL
                        dwellings.append(Dwelling(building=building, unit=str(unit), floor=floor, room=f"{floor}{room:02d}", use=use))
        insert_rows(Dwelling, dwellings)

        building_by_id = {b.pk: b for b in buildings}
        households = [
            Household(number=f"{building_by_id[d.building_id].code}-{d.unit}-{d.room}", dwelling=d,
                      cell_id=building_by_id[d.building_id].cell_id, created_at=now)
            for d in dwellings
        ]
        insert_rows(Household, households)

        people: list[Person] = []
        plans: list[dict] = []
        iterable = progress(households) if progress else households
        for household in iterable:
            dwelling = household.dwelling
            building = building_by_id[dwelling.building_id]
            resident_type = ResidentType.FLOATING if dwelling.use == DwellingUse.RENTED else ResidentType.REGISTERED
            if rng.random() < 0.02:
                resident_type = ResidentType.FOREIGN
            for member in _household_people(rng, today):
                gender, birth = member["gender"], member["birth"]
                id_type, number = ids.make(birth, gender, resident_type)
                age = (today - birth).days // 365
                phones = [_mobile(rng)] if age >= 16 else []
                if phones and rng.random() < 0.15:
                    phones.append(_mobile(rng))
                people.append(Person(
                    household=household, cell_id=household.cell_id, name=_name(rng, gender, member.get("surname")),
                    gender=gender, birth_date=birth, ethnicity=rng.choice(ETHNIC_MINORITIES) if rng.random() < 0.06 else "汉族",
                    id_type=id_type, resident_type=resident_type, relation_to_head=member["relation"],
                    registered_address=("北京市东城区" if resident_type == ResidentType.REGISTERED else ""),
                    current_address=f"{building.address}{dwelling.unit}单元{dwelling.room}", created_at=now, updated_at=now,
                    **sealed_identifiers(number, phones),
                ))
                plans.append(member)
        insert_rows(Person, people)

        heads = []
        for person in people:
            if person.relation_to_head == Relation.HEAD:
                household = person.household
                household.head = person
                heads.append(household)
        update_rows(Household, heads, ["head"])

        person_tags: list[PersonTag] = []
        for person, member in zip(people, plans):
            age = (today - person.birth_date).days // 365
            chosen_tags = []
            if member.get("alone"):
                chosen_tags.append("elderly_alone")
            if member.get("left_behind"):
                chosen_tags.append("left_behind_child")
            if rng.random() < 0.025:
                chosen_tags.append("disabled")
            if rng.random() < 0.03 and member["relation"] == Relation.HEAD:
                chosen_tags.append("low_income")
            if age >= 60 and rng.random() < 0.04:
                chosen_tags.append("serious_illness")
            if rng.random() < 0.01:
                chosen_tags.append("key_care")
            for code in chosen_tags:
                if code in tags:
                    person_tags.append(PersonTag(person=person, tag=tags[code], added_at=now))
        insert_rows(PersonTag, person_tags)

        # Some visits in the grid worker's cells: recent ones, and some long ago, so the due list has work.
        # Every covered cell's households are visited by their grid worker now and then.
        visits = []
        covering = dict(GridAssignment.objects.active().filter(cell_id__in={h.cell_id for h in households}).values_list("cell_id", "user_id"))
        if worker is not None or covering:
            for household in households:
                visitor = worker.pk if worker is not None and household.cell_id in worker_cell_ids else covering.get(household.cell_id)
                if visitor is not None and rng.random() < 0.6:
                    days_ago = rng.choice([2, 5, 9, 15, 24, 40, 55, 80, 100, 130])
                    visits.append(Visit(household=household, worker_id=visitor, visited_on=today - dt.timedelta(days=days_ago),
                                        notes=rng.choice(["", "一切正常", "老人身体不适，已联系家属", "反映楼道灯不亮"]),
                                        follow_up_needed=rng.random() < 0.1, created_at=now))
            insert_rows(Visit, visits)

        insert_rows(ChangeHistory, [ChangeHistory(at=now, model="person", object_id=p.pk, person=p, household_id=p.household_id, cell_id=p.cell_id,
                           action="create", changes={"name": [None, p.name]}) for p in people])
    stdout.write(
        f"Demo residents: {len(buildings)} buildings, {len(households)} households, {len(people)} people, "
        f"{len(person_tags)} care tags, {len(visits)} visits (grid worker's cells: {', '.join(c.code for c in worker_cells)})."
    )

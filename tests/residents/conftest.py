"""Resident fixtures: a building, household and people in cell A, cell A2 and cell B of the world."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest

from residents import actions
from residents.idnumbers import check_char
from residents.models import CareTag, Household, Person

_counter = itertools.count(1)


def valid_id(region: str = "110101", birth: dt.date = dt.date(1980, 5, 1), sequence: int = 1) -> str:
    """A valid ID number; an odd sequence is a man, an even one a woman."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def make_household(cell, *, number: str | None = None, code: str | None = None) -> Household:
    n = next(_counter)
    building = actions.create_building(
        actor=None, code=code or f"T{cell.code}-{n}", address=f"测试路{n}号楼", location=cell.boundary.point_on_surface
    )
    dwelling = actions.create_dwelling(actor=None, building=building, unit="1", floor=2, room=f"2{n:02d}")
    return actions.create_household(actor=None, number=number or f"HH{n:05d}", dwelling=dwelling)


def make_person(household: Household, *, name: str, id_number: str, phones=("13812345678",), relation="head", tags=(), **extra) -> Person:
    data = actions.PersonInput(name=name, id_number=id_number, phones=list(phones), relation_to_head=relation, **extra)
    return actions.create_person(actor=None, household=household, data=data, tags=tags)


@dataclass
class People:
    in_a: Person  # cell A (grid_worker_a's cell), community 1, street 1
    in_a2: Person  # another cell of community 1
    in_b: Person  # cell B, other street
    id_a: str
    id_b: str
    phone_a: str
    elderly: CareTag
    disabled: CareTag


# A transactional test elsewhere in the suite flushes the rows migration 0002 created (the
# default care tags): put them back whenever a test asks for the world.
@pytest.fixture
def world(world):
    actions.ensure_default_care_tags()
    return world


@pytest.fixture
def committed_world(committed_world):
    actions.ensure_default_care_tags()
    return committed_world


@pytest.fixture
def people(world) -> People:
    elderly = CareTag.objects.get(code="elderly_alone")
    disabled = CareTag.objects.get(code="disabled")
    id_a, id_a2, id_b = valid_id(sequence=11), valid_id("320102", dt.date(1990, 2, 3), 22), valid_id("440103", dt.date(1975, 12, 31), 33)
    in_a = make_person(make_household(world.cell_a), name="张三", id_number=id_a, phones=["13812345678"], tags=[elderly, disabled])
    in_a2 = make_person(make_household(world.cell_a2), name="李四", id_number=id_a2, phones=["13900001111"])
    in_b = make_person(make_household(world.cell_b), name="王五", id_number=id_b, phones=["13700002222"], tags=[elderly])
    return People(in_a=in_a, in_a2=in_a2, in_b=in_b, id_a=id_a, id_b=id_b, phone_a="13812345678", elderly=elderly, disabled=disabled)

"""The demo adds plausible, valid, synthetic residents quickly and only once."""
import io
import time

from residents import demo
from residents.idnumbers import parse_id_number
from residents.models import Building, Household, Person


def test_the_demo_seeds_valid_people_once(world):
    out = io.StringIO()
    started = time.monotonic()
    demo.seed(district=world.district, stdout=out)
    assert time.monotonic() - started < 30
    people = Person.objects.filter(cell__code__startswith=world.district.code)
    assert people.count() > 500
    assert Household.objects.filter(head__isnull=True).count() == 0
    for person in people.filter(id_type="resident_id")[:300]:
        info = parse_id_number(person._decrypted_id_number())
        assert info.birth_date == person.birth_date and info.gender == person.gender
    first_cells = {b.cell.code for b in Building.objects.select_related("cell")}
    assert world.cell_a.code in first_cells  # the demo grid worker's first cell has residents
    count = Person.objects.count()
    demo.seed(district=world.district, stdout=out)
    assert Person.objects.count() == count

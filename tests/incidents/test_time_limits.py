"""Time limits per class, level and condition: the most specific row wins."""
from decimal import Decimal

from incidents import clock
from incidents.models import Category, Clock, TimeLimit


def test_a_minor_class_row_beats_the_level_default(db):
    manhole = Category.objects.get(code="C0101")
    assert clock.limit_for(manhole.pk, "grid", "normal") == clock.Limit(Clock.URGENT_HOURS, Decimal("2"))
    lamp = Category.objects.get(code="C0102")
    assert clock.limit_for(lamp.pk, "grid", "normal") == clock.Limit(Clock.WORKING_DAYS, Decimal("1"))
    assert clock.limit_for(lamp.pk, "district", "urgent") == clock.Limit(Clock.URGENT_HOURS, Decimal("24"))


def test_a_major_class_row_applies_to_its_minor_classes(db):
    lamp = Category.objects.get(code="C0102")
    TimeLimit.objects.create(category=lamp.parent, level="street", condition="normal", clock=Clock.WORKING_HOURS, amount=6)
    assert clock.limit_for(lamp.pk, "street", "normal") == clock.Limit(Clock.WORKING_HOURS, Decimal("6"))


def test_without_any_row_a_case_still_gets_a_deadline(db):
    TimeLimit.objects.all().delete()
    lamp = Category.objects.get(code="C0102")
    assert clock.limit_for(lamp.pk, "grid", "urgent") == clock.FALLBACK_LIMIT

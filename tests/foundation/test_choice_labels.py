"""Choice labels come from a map built once per field, yet follow each request's language."""
from django.utils import translation

from dispatch.models import Assignment
from incidents.models import Incident


def test_labels_are_translated_into_the_language_active_at_each_call():
    incident = Incident(status="registered", level="street")
    share = Assignment(status="cancelled")
    with translation.override("zh-hans"):
        assert (incident.get_status_display(), incident.get_level_display()) == ("已立案", "街道")
        chinese_share = share.get_status_display()
    with translation.override("en"):
        assert (incident.get_status_display(), incident.get_level_display()) == ("Registered", "Street office")
        assert share.get_status_display() == "Withdrawn"
    assert chinese_share != "Withdrawn"


def test_an_unknown_value_is_shown_as_it_is():
    assert Incident(status="no-such-status").get_status_display() == "no-such-status"

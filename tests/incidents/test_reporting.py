"""Filing a report: the cell found by lookup, the clock started, bad input refused whole."""
import io

import pytest
import time_machine
from django.contrib.gis.geos import Point
from PIL import Image

from incidents.actions import InvalidInput, report_incident
from incidents.models import Incident, IncidentPhoto, Source, Status, TimelineEntry

from .conftest import inside, jpeg_bytes, photo, shanghai


@time_machine.travel(shanghai(2025, 3, 3, 10, 0), tick=False)
def test_a_report_in_a_cell_is_held_at_grid_level_with_a_deadline(world, category):
    incident, created = report_incident(
        reporter=world.grid_worker_a, category=category("E0103"), location=inside(world.cell_a), description="路面有油污"
    )
    assert created
    assert incident.cell == world.cell_a and incident.filed_area == world.cell_a
    assert (incident.level, incident.area, incident.status) == ("grid", world.cell_a, Status.REPORTED)
    assert incident.source == Source.SELF_REPORT
    assert incident.deadline == shanghai(2025, 3, 4, 17, 30)  # one working day at the grid
    entry = TimelineEntry.objects.get(incident=incident)
    assert (entry.version, entry.action, entry.to_status, entry.actor) == (1, "report", "reported", world.grid_worker_a)


def test_a_hotline_call_starts_at_the_command_centre(world, category):
    incident, _ = report_incident(
        reporter=world.dispatcher, category=category("E0203"), location=inside(world.cell_b), source=Source.HOTLINE,
        contact="王先生 138****0000",
    )
    assert incident.level == "district" and incident.area == world.district
    assert incident.cell == world.cell_b  # still filed against its cell


def test_a_location_outside_every_cell_is_accepted_at_district_level_with_a_flag(world, category):
    # Just past the district's eastern edge, within GPS error of it (a point far from every served
    # district is refused: tests/reliability/test_small_attacks.py).
    incident, _ = report_incident(reporter=world.grid_worker_a, category=category(), location=Point(116.7143, 39.6036, srid=4326))
    assert incident.outside_cells and incident.cell is None
    assert incident.level == "district" and incident.area == world.district
    assert incident.filed_area == world.district


def test_a_report_without_location_is_refused_naming_the_field(world, category):
    with pytest.raises(InvalidInput) as error:
        report_incident(reporter=world.grid_worker_a, category=category(), location=None)
    assert error.value.field == "location"
    assert not Incident.objects.exists()


def test_a_major_class_is_not_a_category_for_a_case(world, category):
    with pytest.raises(InvalidInput) as error:
        report_incident(reporter=world.grid_worker_a, category=category("E01"), location=inside(world.cell_a))
    assert error.value.field == "category"


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_saved(world, category):
    with pytest.raises(InvalidInput) as error:
        report_incident(
            reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a),
            photos=[photo("notes.jpg", b"%PDF-1.4 not a picture")],
        )
    assert error.value.field == "photos" and "notes.jpg" in error.value.message
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_a_photo_cut_off_in_transit_files_the_case_and_marks_the_photo_unreadable(world, category):
    # Its header is whole, so the request takes it; the photo worker finds the body cut off
    # (incidents.actions.photo_queue): the case stays, the photo says why it has no picture.
    whole = jpeg_bytes(800, 600)
    incident, _ = report_incident(reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a),
                                  photos=[photo("cut.jpg", whole[: len(whole) // 2])])
    stored = incident.photos.get()
    assert stored.state == "failed" and "cut.jpg" in stored.failure and not stored.image
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_a_file_that_is_not_a_picture_is_refused(world, category):
    with pytest.raises(InvalidInput) as error:
        report_incident(reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a),
                        photos=[photo("notes.jpg", b"these are not the pixels you are looking for")])
    assert "notes.jpg" in error.value.message
    assert not Incident.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(world, category, settings):
    settings.GRIDGOV_PHOTO_MAX_BYTES = 10_000
    with pytest.raises(InvalidInput) as error:
        report_incident(reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a),
                        photos=[photo("big.jpg", jpeg_bytes(1600, 1200))])
    assert "big.jpg" in error.value.message
    assert not Incident.objects.exists()


def test_photo_metadata_with_the_gps_position_is_stripped(world, category):
    original = jpeg_bytes(800, 600, exif=True)
    assert b"Model X-SECRET" in original
    incident, _ = report_incident(
        reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a), photos=[photo("p.jpg", original)]
    )
    stored = incident.photos.get()
    data = stored.image.read()
    assert b"Model X-SECRET" not in data and b"PhonemakerCo" not in data
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and image.size == (800, 600)
    assert stored.stage == "before"


def test_a_sideways_phone_photo_is_turned_upright_and_a_huge_one_scaled_down(world, category):
    incident, _ = report_incident(
        reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a),
        photos=[photo("rotated.jpg", jpeg_bytes(800, 600, orientation=6)), photo("huge.png", _png(5000, 1000), "image/png")],
    )
    rotated, huge = incident.photos.order_by("id")
    assert (rotated.width, rotated.height) == (600, 800)
    assert max(huge.width, huge.height) == 2048


def _png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_report_sent_twice_from_the_offline_queue_is_filed_once(world, category):
    kwargs = dict(reporter=world.grid_worker_a, category=category(), location=inside(world.cell_a),
                  client_id="3f1c1e0e-8a51-4a35-9d7c-6a4d1f2b9e01")
    first, created_first = report_incident(**kwargs)
    again, created_again = report_incident(**kwargs)
    assert created_first and not created_again and first.pk == again.pk
    assert Incident.objects.count() == 1


def test_nearby_open_cases_of_the_same_class_are_offered_as_duplicates(world, category, file_case):
    """Within the class's duplicate radius (50 m for exposed rubbish), nearest first."""
    from incidents.queries import nearby

    here = inside(world.cell_a)
    close = file_case(code="E0101", location=Point(here.x + 0.0002, here.y, srid=4326))  # ~17 m east
    far = file_case(code="E0101", location=Point(here.x, here.y + 0.0009, srid=4326))  # ~100 m north
    other_class = file_case(code="E0103", location=here)
    found = nearby(world.grid_worker_a, point=here, category=category("E0101"))
    assert [i.pk for i in found] == [close.pk]
    assert 10 < found[0].distance.m < 25
    # A wider radius reaches the far one (seen here by the dispatcher: it may lie in another cell).
    assert far.pk in [i.pk for i in nearby(world.dispatcher, point=here, category=category("E0101"), radius_m=150)]
    assert other_class.pk not in [i.pk for i in found]

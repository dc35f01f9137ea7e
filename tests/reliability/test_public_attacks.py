"""Attacks on the public routes: NUL bytes, huge input, made-up and guessed tokens, floods from one
address or one phone, a replayed question — a clear 4xx, nothing half-saved, never a 500."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from dispatch.models import PublicCase, Verdict
from incidents.models import Incident
from tests.dispatch.conftest import inside, photo
from tests.dispatch.public_helpers import answer_of, file_as_resident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["description", "phone", "category", "lat", "answer"])
def test_a_nul_byte_in_any_field_is_a_400_and_files_nothing(world, field):
    values = {"description": "路灯\x00坏了", "phone": "138\x0000138000", "category": "C01\x0002", "lat": "39.9\x00",
              "answer": "1\x002"}
    response, token = file_as_resident(where=world.cell_a, **{field: values[field]})
    assert response.status_code == 400 and token is None
    assert not Incident.objects.exists() and not PublicCase.objects.exists()


def test_huge_input_is_refused_with_a_message(world):
    response, _token = file_as_resident(where=world.cell_a, description="井" * 4001)
    assert response.status_code == 400 and "4,000" in response.content.decode()
    too_many = [photo(f"p{i}.jpg") for i in range(4)]
    response, _token = file_as_resident(where=world.cell_a, photos=too_many)
    assert response.status_code == 400
    not_a_photo = SimpleUploadedFile("x.jpg", b"GIF89a" + b"\x00" * 1000, content_type="image/jpeg")
    response, _token = file_as_resident(where=world.cell_a, photos=[not_a_photo])
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_a_position_that_is_no_place_is_refused(world):
    for lat, lng in (("nan", "116.4"), ("1e999", "116.4"), ("0", "0"), ("91", "116.4")):
        client = Client()
        form = client.get("/public/report/")
        token, answer = answer_of(form.content.decode())
        response = client.post("/public/report/", {"category": "C0102", "lat": lat, "lng": lng, "challenge": token,
                                                   "answer": answer})
        assert response.status_code == 400, (lat, lng)
    assert not Incident.objects.exists()


def test_a_forged_or_missing_question_is_refused(world):
    point = inside(world.cell_a)
    for challenge in ("", "forged:token", "eyJhIjoxLCJiIjoxLCJuIjoiMSJ9:abc:def"):
        response = Client().post("/public/report/", {"category": "C0102", "lat": point.y, "lng": point.x,
                                                     "challenge": challenge, "answer": "2"})
        assert response.status_code == 400
    assert not Incident.objects.exists()


def test_made_up_tokens_are_404_and_guessing_is_cut_off(world, settings):
    settings.GRIDGOV_PUBLIC_TOKEN_MISSES_PER_IP = 4  # the four guesses that reach the view
    _response, token = file_as_resident(where=world.cell_a)
    client = Client()
    for guess in ["x", "a" * 30, "../../etc/passwd", token[:-1] + ("A" if token[-1] != "A" else "B"), "é" * 30]:
        assert client.get(f"/public/case/{guess}/", REMOTE_ADDR="198.51.100.77").status_code == 404
    # After the misses, even a real link from that address is 404 for a while; other addresses go on.
    assert client.get(f"/public/case/{token}/", REMOTE_ADDR="198.51.100.77").status_code == 404
    assert client.get(f"/public/case/{token}/", REMOTE_ADDR="198.51.100.78").status_code == 200
    assert client.get("/public/case/%00/").status_code in (400, 404)  # the NUL guard answers first
    assert client.post(f"/public/case/{'b' * 30}/verdict/", {"verdict": "satisfied"}).status_code == 404
    assert not Verdict.objects.exists()


def test_a_verdict_is_only_for_the_case_of_the_link_and_only_once_closed(world):
    _response, token = file_as_resident(where=world.cell_a)
    response = Client().post(f"/public/case/{token}/verdict/", {"verdict": "unsatisfied", "note": "x" * 5000})
    assert response.status_code == 302 and not Verdict.objects.exists()  # not closed: refused with a message
    response = Client().post(f"/public/case/{token}/verdict/", {"verdict": "\x00satisfied"})
    assert response.status_code == 400 and not Verdict.objects.exists()  # refused before any view runs


@override_settings(GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR=3)
def test_a_flood_from_one_address_is_stopped_in_redis(world):
    answers = [file_as_resident(where=world.cell_a, ip="203.0.113.200")[0].status_code for _ in range(6)]
    assert answers == [302, 302, 302, 429, 429, 429]
    assert Incident.objects.count() == 3

"""Issue 13, item 4: a stored photo keeps the pixels only.

The attack: a clean JPEG with a second JPEG — carrying EXIF with a GPS position and the phone's
serial — appended after the first one's end-of-image marker. A cleaner that copies everything
after the start of scan keeps the trailer, and any viewer that reads the trailing image (or a
forensic tool) finds the reporter's home. Every format and every trick must come out as pixels.
"""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from incidents.photos import prepare_photo

SECRET = b"SERIAL-0042-SECRET"


def _jpeg(size=(64, 48), *, gps: bool = False, comment: bytes = b"", icc: bytes | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "Phonemaker"
        exif[0xA431] = SECRET.decode()  # BodySerialNumber
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 12.0), 3: "E", 4: (116.0, 24.0, 25.0)}
        kwargs["exif"] = exif
    if comment:
        kwargs["comment"] = comment
    if icc:
        kwargs["icc_profile"] = icc
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **kwargs)
    return buffer.getvalue()


def _upload(data: bytes, name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def _assert_pixels_only(content: bytes, kind: str) -> None:
    assert SECRET not in content and b"Phonemaker" not in content and b"GPS" not in content
    if kind == "jpg":
        assert content.startswith(b"\xff\xd8") and content.endswith(b"\xff\xd9")
        # Exactly one image: one start and one end of image, nothing after the end.
        assert content.count(b"\xff\xd8\xff") == 1, "a second image is embedded"
        assert b"Exif\x00\x00" not in content and b"http://ns.adobe.com/xap" not in content
        assert b"\xff\xfe" not in content.split(b"\xff\xda", 1)[0], "a comment segment survived"
        assert b"ICC_PROFILE" not in content
    image = Image.open(io.BytesIO(content))
    assert not image.getexif(), dict(image.getexif())
    assert "icc_profile" not in image.info and "comment" not in image.info


def test_a_second_jpeg_with_gps_appended_after_the_end_marker_is_not_stored():
    attack = _jpeg() + _jpeg(gps=True)
    assert SECRET in attack
    prepared = prepare_photo(_upload(attack))
    _assert_pixels_only(prepared.content, prepared.extension)
    assert (prepared.width, prepared.height) == (64, 48)


def test_arbitrary_bytes_after_the_end_marker_are_not_stored():
    attack = _jpeg() + b"\x00" * 16 + SECRET + b"GPS 39.9,116.4"
    prepared = prepare_photo(_upload(attack))
    _assert_pixels_only(prepared.content, prepared.extension)


@pytest.mark.parametrize("segment", ["exif", "comment", "icc"])
def test_no_metadata_segment_of_the_upload_is_kept(segment):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = {"exif": lambda: _jpeg(gps=True), "comment": lambda: _jpeg(comment=SECRET), "icc": lambda: _jpeg(icc=icc)}[segment]()
    prepared = prepare_photo(_upload(data))
    _assert_pixels_only(prepared.content, prepared.extension)


def test_png_text_chunks_and_exif_are_dropped_and_transparency_kept():
    image = Image.new("RGBA", (20, 10), (0, 0, 255, 128))
    info = PngInfo()
    info.add_text("Comment", SECRET.decode())
    exif = Image.Exif()
    exif[0xA431] = SECRET.decode()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, exif=exif)
    prepared = prepare_photo(_upload(buffer.getvalue() + _jpeg(gps=True), "p.png"))
    assert prepared.extension == "png"
    _assert_pixels_only(prepared.content, "png")
    assert Image.open(io.BytesIO(prepared.content)).mode == "RGBA"


def test_a_stored_report_photo_holds_no_trailer(world, api_as):
    """End to end through the API: what lands on disk is the clean picture."""
    from incidents.models import IncidentPhoto

    point = world.cell_a.boundary.point_on_surface
    attack = _jpeg((320, 240)) + _jpeg(gps=True)
    response = api_as(world.grid_worker_a).post(
        "/api/v1/incidents/", {"category": "E0103", "lat": point.y, "lng": point.x, "photos": [_upload(attack)]},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    stored = IncidentPhoto.objects.get(incident_id=response.json()["id"])
    with stored.image.open("rb") as handle:
        _assert_pixels_only(handle.read(), "jpg")

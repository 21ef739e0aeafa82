"""Candidate photos: judged by content, bounded, re-encoded without metadata, served cacheably."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from elections.extensions import db
from elections.files.photos import MAX_SIDE, PhotoReason, PhotoRefused, clean_photo
from elections.i18n.refusals import REASONS
from elections.models import AuditEvent, Candidate
from tests.conftest import enrol, make_election, make_position, make_student, post_form, sign_in

TOMORROW = timedelta(days=1)
LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 4096 * 4096}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 90), **save) -> bytes:
    """A small real image in the given format."""
    image = Image.new("RGB", size, (200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (1600, 1200), orientation: int | None = None) -> bytes:
    """A JPEG carrying a GPS position, a camera name and optionally an orientation."""
    image = Image.effect_noise(size, 40).convert("RGB")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 14.0, 19.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (76.0, 53.0, 45.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"secret comment")
    return buffer.getvalue()


def bomb() -> bytes:
    """A PNG of a few hundred kilobytes declaring 400 million pixels."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    return buffer.getvalue()


def truncated_png() -> bytes:
    """A real PNG cut in half."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text", PhotoReason.not_an_image),
        (SVG, PhotoReason.not_an_image),
        (HTML, PhotoReason.not_an_image),
        (PDF, PhotoReason.not_an_image),
        (b"", PhotoReason.not_an_image),
        (image_bytes("GIF"), PhotoReason.not_an_image),
        (image_bytes("BMP"), PhotoReason.not_an_image),
        (image_bytes("TIFF"), PhotoReason.not_an_image),
        (truncated_png(), PhotoReason.damaged),
        (jpeg_with_gps()[:-2000], PhotoReason.damaged),
        (bomb(), PhotoReason.too_many_pixels),
    ],
    ids=[
        "text",
        "svg",
        "html",
        "pdf",
        "empty",
        "gif",
        "bmp",
        "tiff",
        "cut-png",
        "cut-jpeg",
        "bomb",
    ],
)
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused(data, reason):
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(data, **LIMITS)
    assert refused.value.reason == reason


def test_a_file_over_the_byte_limit_is_refused_before_decoding():
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(image_bytes(), max_bytes=100, max_pixels=10**6)
    assert refused.value.reason == PhotoReason.too_large


def test_pixel_limit_comes_from_the_caller():
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(image_bytes(size=(200, 200)), max_bytes=10**6, max_pixels=199 * 200)
    assert refused.value.reason == PhotoReason.too_many_pixels


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_re_encoded_as_small_webp(fmt):
    photo = clean_photo(image_bytes(fmt, size=(2400, 1200)), **LIMITS)
    assert photo.media_type == "image/webp"
    result = Image.open(io.BytesIO(photo.data))
    assert result.format == "WEBP"
    assert max(result.size) == MAX_SIDE
    assert result.size == (800, 400)


def test_exif_gps_and_comments_are_gone_after_re_encoding():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = clean_photo(original, **LIMITS)
    result = Image.open(io.BytesIO(photo.data))
    assert dict(result.getexif()) == {}
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(result.info)
    for marker in (b"Exif", b"SpyCam", b"secret comment", b"GPS"):
        assert marker not in photo.data


def test_the_camera_orientation_is_applied_before_the_metadata_goes():
    photo = clean_photo(jpeg_with_gps(size=(1600, 800), orientation=6), **LIMITS)
    assert (photo.width, photo.height) == (400, 800)


def upload(data: bytes, filename: str, content_type: str = "image/png") -> dict:
    """A multipart file field as a browser would send it."""
    return {"photo": (io.BytesIO(data), filename, content_type)}


def add_free_text(position_id: int, browser, data: bytes, filename: str, content_type: str):
    """Post the new-candidate form with a photo."""
    form = {"name": "Free-dress Friday", **upload(data, filename, content_type)}
    return post_form(
        browser,
        f"/committee/positions/{position_id}/candidates/new",
        form,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "reason"),
    [
        (SVG, "face.svg", "image/svg+xml", PhotoReason.not_an_image),
        (HTML, "face.png", "image/png", PhotoReason.not_an_image),
        (PDF, "face.jpg", "image/jpeg", PhotoReason.not_an_image),
        (truncated_png(), "face.png", "image/png", PhotoReason.damaged),
        (bomb(), "face.png", "image/png", PhotoReason.too_many_pixels),
    ],
    ids=["svg", "html-as-png", "pdf-as-jpg", "truncated", "bomb"],
)
def test_a_refused_upload_says_why_and_saves_nothing(
    app, staff_client, data, filename, content_type, reason
):
    browser, _user = staff_client("committee")
    position = make_position(make_election(opens_in=TOMORROW), candidates=())
    response = add_free_text(position.id, browser, data, filename, content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert str(REASONS[reason]) in page
    assert db.session.scalars(select(Candidate)).all() == []


def test_content_counts_not_the_name_or_type_a_png_called_jpg_is_accepted(app, staff_client):
    browser, _user = staff_client("committee")
    position = make_position(make_election(opens_in=TOMORROW), candidates=())
    response = add_free_text(position.id, browser, image_bytes("PNG"), "face.jpg", "text/plain")
    assert response.status_code == 302, response.get_data(as_text=True)
    candidate = db.session.scalars(select(Candidate)).one()
    assert candidate.photo_type == "image/webp"
    assert Image.open(io.BytesIO(candidate.photo)).format == "WEBP"
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "candidate-added")
    ).one()
    assert entry.details["photo_sha256"] == candidate.photo_digest


def test_photos_are_served_with_a_strong_etag_and_nosniff(app, staff_client, client):
    browser, _user = staff_client("committee")
    election = make_election(opens_in=TOMORROW)
    position = make_position(election, candidates=())
    add_free_text(position.id, browser, image_bytes("PNG"), "face.png", "image/png")
    candidate = db.session.scalars(select(Candidate)).one()
    url = f"/committee/candidates/{candidate.id}/photo?v={candidate.photo_digest[:16]}"
    response = browser.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["ETag"] == f'"{candidate.photo_digest}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]
    again = browser.get(url, headers={"If-None-Match": f'"{candidate.photo_digest}"'})
    assert again.status_code == 304
    # A draft's candidates are not announced yet: students see nothing; signed-out
    # visitors never see a pupil's photo, not even once voting is open.
    voter = make_student(number="5001")
    enrol(election, voter)
    sign_in(client, "5001", "ABCD-EFGH")
    assert client.get(url).status_code == 404
    election.phase = "open"
    db.session.commit()
    assert client.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 404


def test_students_cannot_see_photos_of_a_draft(app, client):
    election = make_election(opens_in=TOMORROW)
    position = make_position(election, candidates=("Дана",))
    candidate = position.candidates[0]
    photo = clean_photo(image_bytes(), **LIMITS)
    candidate.photo, candidate.photo_type, candidate.photo_digest = (
        photo.data,
        photo.media_type,
        photo.digest,
    )
    db.session.commit()
    make_student(number="5001")
    sign_in(client, "5001", "ABCD-EFGH")
    assert client.get(f"/committee/candidates/{candidate.id}/photo").status_code == 404

"""Photo processing: what a citizen uploads is decoded, turned upright, stripped of metadata and re-encoded."""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
import pytest
from PIL import Image

from chalicelib.domain import photos
from chalicelib.domain.errors import ValidationFailed

RED, BLUE = (220, 30, 30), (30, 30, 220)
GPS_IFD, ORIENTATION = 0x8825, 0x0112


def _two_colour(width: int = 200, height: int = 100) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def _jpeg_with_gps_and_orientation() -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show the stored pixels rotated 90° clockwise
    exif[0x010F] = "Phone maker"
    exif[GPS_IFD] = {1: "N", 2: (57.0, 46.0, 52.0), 3: "E", 4: (14.0, 9.0, 41.0)}  # Jönköping
    out = io.BytesIO()
    _two_colour().save(out, "JPEG", exif=exif, quality=95, comment=b"serial 123-456")
    return out.getvalue()


def _close(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels; decoding it would need gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _refused(data: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        photos.process(data)
    error = caught.value
    assert error.field == "file" and error.message and error.message_sv
    return error


def test_a_turned_phone_photo_comes_out_upright_without_location_or_any_metadata() -> None:
    upload = _jpeg_with_gps_and_orientation()
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(GPS_IFD)  # the upload really carries a position
    result = photos.process(upload)
    assert (result.width, result.height) == (100, 200)
    kept = Image.open(io.BytesIO(result.image))
    assert kept.format == "JPEG" and kept.size == (100, 200) and kept.mode == "RGB"
    assert _close(kept.getpixel((50, 30)), RED) and _close(kept.getpixel((50, 170)), BLUE)
    assert not kept.getexif() and "exif" not in kept.info and "icc_profile" not in kept.info
    assert "comment" not in kept.info
    for stored in (result.image, result.thumbnail):
        assert b"Exif" not in stored and b"serial 123-456" not in stored and b"Phone maker" not in stored


def test_a_png_with_transparency_becomes_a_jpeg_on_white() -> None:
    image = Image.new("RGBA", (80, 40), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 40, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    result = photos.process(out.getvalue())
    kept = Image.open(io.BytesIO(result.image))
    assert kept.format == "JPEG" and kept.mode == "RGB" and result.source_format == "PNG"
    assert _close(kept.getpixel((10, 20)), (200, 0, 0)) and _close(kept.getpixel((70, 20)), (255, 255, 255))


def test_an_iphone_heic_photo_is_decoded() -> None:
    out = io.BytesIO()
    pillow_heif.from_pillow(_two_colour(256, 128)).save(out, quality=90)
    assert out.getvalue()[4:12] in (b"ftypheic", b"ftypmif1")
    result = photos.process(out.getvalue())
    assert (result.width, result.height, result.source_format) == (256, 128, "HEIF")
    kept = Image.open(io.BytesIO(result.image))
    assert kept.format == "JPEG"
    assert _close(kept.getpixel((30, 64)), RED) and _close(kept.getpixel((220, 64)), BLUE)


def test_the_thumbnail_fits_in_320_pixels_and_a_huge_photo_is_scaled_down() -> None:
    out = io.BytesIO()
    _two_colour(3000, 1500).save(out, "JPEG")
    result = photos.process(out.getvalue())
    assert max(result.width, result.height) == photos.MAX_EDGE
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == 320 and thumb.size == (320, 160)
    assert (result.thumbnail_width, result.thumbnail_height) == thumb.size


def test_a_text_file_is_refused_with_a_clear_message_in_english_and_swedish() -> None:
    error = _refused(b"Hej! Det har ar ingen bild, bara text.\n" * 20)
    assert "JPEG, PNG or HEIC" in error.message and "JPEG, PNG eller HEIC" in (error.message_sv or "")


def test_a_truncated_jpeg_is_refused() -> None:
    whole = io.BytesIO()
    _two_colour(600, 400).save(whole, "JPEG")
    _refused(whole.getvalue()[: len(whole.getvalue()) // 2])


def test_another_image_format_is_refused() -> None:
    gif = io.BytesIO()
    _two_colour().save(gif, "GIF")
    _refused(gif.getvalue())


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded() -> None:
    error = _refused(_png_header_only(60_000, 60_000))
    assert "megapixels" in error.message and "megapixlar" in (error.message_sv or "")
    error = _refused(_png_header_only(8_000, 7_000))  # under Pillow's own limit, over ours
    assert "megapixels" in error.message


def test_an_empty_or_too_large_file_is_refused() -> None:
    _refused(b"")
    error = _refused(b"\xff\xd8" + b"\0" * photos.MAX_BYTES)
    assert "10.0 MB" in error.message


@pytest.mark.parametrize(
    ("content_type", "size", "in_use", "field"),
    [
        ("image/gif", 1000, 0, "content_type"),
        ("application/pdf", 1000, 0, "content_type"),
        ("image/jpeg", photos.MAX_BYTES + 1, 0, "size"),
        ("image/jpeg", 0, 0, "size"),
        ("image/heic", 1000, 5, "photos"),
    ],
)
def test_an_upload_request_outside_the_rules_is_refused(content_type: str, size: int, in_use: int, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        photos.check_upload_request(content_type, size, photos_in_use=in_use)
    assert caught.value.field == field and caught.value.message_sv


@pytest.mark.parametrize("content_type", photos.ALLOWED_TYPES)
def test_jpeg_png_and_heic_uploads_of_up_to_10_mb_are_allowed(content_type: str) -> None:
    photos.check_upload_request(content_type, photos.MAX_BYTES, photos_in_use=4)

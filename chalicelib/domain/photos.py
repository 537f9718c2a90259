"""Citizen photos: what may be uploaded, and the processing that makes an upload safe to keep and show.

An upload is untrusted bytes. It is decoded with Pillow (HEIC/HEIF through pillow-heif) and refused unless it is a
JPEG, PNG or HEIC/HEIF picture of at most :data:`MAX_PIXELS` pixels; it is turned upright by its EXIF orientation,
converted to sRGB and re-encoded from its pixels as a new JPEG with no metadata at all (no EXIF, so no GPS position,
no camera serial number, no XMP, no comments, no ICC profile), plus a thumbnail. Only the re-encoded files are kept.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from datetime import datetime

import pillow_heif
from PIL import Image, ImageCms, ImageOps

from chalicelib.domain.errors import ValidationFailed

pillow_heif.register_heif_opener(thumbnails=False)

ALLOWED_TYPES = ("image/jpeg", "image/png", "image/heic", "image/heif")
MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 5  # per triage draft and the case it becomes (intake and chat together), counting uploads in progress
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo fits; more would be a decompression bomb in a 512 MB function
MAX_EDGE = 2560  # long edge of the kept photo: enough to see a rash or a wound, small enough to open on a phone
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
# Pillow's names of the formats we decode; every other decoder Pillow has stays unused.
DECODERS = ("JPEG", "PNG", "HEIF")
_DECODED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "HEIF"})  # MPO: a JPEG with extra frames, as some phones write

# What Pillow and libheif raise on bytes that are not a picture they can read (or a damaged one).
_UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError, struct.error)


@dataclass(frozen=True)
class Photo:
    """A validated photo attached to a triage draft (and so to the case the draft becomes), or added to the case
    later from its chat (``case_id`` set). ``draft_id`` names the set of photos it belongs to: the case's draft, or
    the case itself for a case without one."""

    photo_id: str
    draft_id: str
    width: int
    height: int
    image_key: str
    thumbnail_key: str
    uploaded_at: datetime
    case_id: str | None = None


@dataclass(frozen=True)
class ProcessedPhoto:
    """The re-encoded photo and thumbnail (JPEG bytes without metadata) and what was read from the upload."""

    image: bytes
    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int
    source_format: str


def check_upload_request(content_type: str, size: int, *, photos_in_use: int, on_case: bool = False) -> None:
    """May the citizen upload a file of this declared type and size, with ``photos_in_use`` on the draft (or, with
    ``on_case``, on the sent case, where photos can no longer be removed) already?"""
    if content_type not in ALLOWED_TYPES:
        raise ValidationFailed(
            "Only photos can be attached: JPEG, PNG or HEIC (the format of iPhone photos).",
            field="content_type",
            message_sv="Bara foton kan bifogas: JPEG, PNG eller HEIC (formatet för bilder från iPhone).",
        )
    if size < 1:
        raise ValidationFailed("The file is empty.", field="size", message_sv="Filen är tom.")
    if size > MAX_BYTES:
        raise ValidationFailed(
            f"The photo is {_megabytes(size)}; at most {_megabytes(MAX_BYTES)} is allowed. "
            "Take a new photo or choose a smaller one.",
            field="size",
            message_sv=f"Bilden är {_megabytes(size, sv=True)}; högst {_megabytes(MAX_BYTES, sv=True)} är tillåtet. "
            "Ta en ny bild eller välj en mindre.",
        )
    if photos_in_use >= MAX_PHOTOS and on_case:
        raise ValidationFailed(
            f"A case can have at most {MAX_PHOTOS} photos, and this one has them all. Describe it in the chat instead.",
            field="photos",
            message_sv=f"Ett ärende kan ha högst {MAX_PHOTOS} bilder och det här har redan alla. Beskriv i chatten "
            "i stället.",
        )
    if photos_in_use >= MAX_PHOTOS:
        raise ValidationFailed(
            f"At most {MAX_PHOTOS} photos can be attached. Remove one to add another.",
            field="photos",
            message_sv=f"Du kan bifoga högst {MAX_PHOTOS} bilder. Ta bort en för att lägga till en ny.",
        )


def not_a_photo() -> ValidationFailed:
    return ValidationFailed(
        "The file could not be read as a photo. Upload a JPEG, PNG or HEIC photo.",
        field="file",
        message_sv="Filen kunde inte läsas som en bild. Ladda upp ett foto i formatet JPEG, PNG eller HEIC.",
    )


def too_large(size: int) -> ValidationFailed:
    return ValidationFailed(
        f"The uploaded file is {_megabytes(size)}; at most {_megabytes(MAX_BYTES)} is allowed.",
        field="file",
        message_sv=f"Den uppladdade filen är {_megabytes(size, sv=True)}; högst "
        f"{_megabytes(MAX_BYTES, sv=True)} är tillåtet.",
    )


def too_many_pixels() -> ValidationFailed:
    return ValidationFailed(
        f"The picture has more than {MAX_PIXELS // 1_000_000} megapixels; take a new photo with the phone's camera.",
        field="file",
        message_sv=f"Bilden har fler än {MAX_PIXELS // 1_000_000} megapixlar; ta en ny bild med telefonens kamera.",
    )


def process(data: bytes, *, max_edge: int = MAX_EDGE) -> ProcessedPhoto:
    """Decode an upload and re-encode it safely, at most ``max_edge`` px on its long edge; :class:`ValidationFailed`
    (English and Swedish) if it is not a photo we accept."""
    if not data:
        raise not_a_photo()
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here every bomb warning is an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture, source_format = _decode(data, max_edge)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise too_many_pixels() from error
        except _UNREADABLE as error:
            raise not_a_photo() from error
    image = _encode(picture, JPEG_QUALITY)
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=image,
        width=picture.width,
        height=picture.height,
        thumbnail=_encode(thumb, THUMBNAIL_QUALITY),
        thumbnail_width=thumb.width,
        thumbnail_height=thumb.height,
        source_format=source_format,
    )


def _decode(data: bytes, max_edge: int = MAX_EDGE) -> tuple[Image.Image, str]:
    """The upload's pixels as an upright sRGB image of at most ``max_edge`` px on its long edge, and its format."""
    opened = Image.open(io.BytesIO(data), formats=DECODERS)
    source_format = str(opened.format)
    if source_format not in _DECODED_FORMATS:
        raise ValueError(f"unexpected format {source_format}")
    width, height = opened.size
    if width < 1 or height < 1:
        raise ValueError("no pixels")
    if width * height > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{width}x{height} pixels")
    if source_format in ("JPEG", "MPO"):
        opened.draft("RGB", (max_edge, max_edge))  # let the JPEG decoder scale down by 1/2, 1/4, 1/8 while reading
    opened.load()  # decodes every pixel now: a truncated or corrupt file fails here
    icc = opened.info.get("icc_profile")
    upright = ImageOps.exif_transpose(opened)
    rgb = _to_srgb(_flatten(upright), icc)
    if max(rgb.size) > max_edge:
        rgb.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the upload's metadata can travel along.
    return Image.frombytes("RGB", rgb.size, rgb.tobytes()), source_format


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; transparency goes on white (a photo of skin on a black background would look wrong)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Convert from the photo's colour profile (phones use Display P3) to sRGB, which browsers assume."""
    if not isinstance(icc, bytes) or not icc:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable profile: keep the pixels as they are
    return converted if isinstance(converted, Image.Image) else image


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # exif=b"" and no icc_profile: the saved JPEG has no metadata segments besides JFIF.
    image.save(out, "JPEG", quality=quality, optimize=True, exif=b"")
    return out.getvalue()


def _megabytes(size: int, *, sv: bool = False) -> str:
    text = f"{size / (1024 * 1024):.1f} MB"
    return text.replace(".", ",") if sv else text

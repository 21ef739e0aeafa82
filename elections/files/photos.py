"""Candidate photos: checked by content, bounded in size, re-encoded and stripped of metadata.

An upload is trusted for nothing: not its file name, not the browser's MIME type.
Pillow identifies it (JPEG, PNG or WebP only), its pixel count is checked from the
header before any pixel is decoded (a small file can declare a huge image), it is
verified and fully decoded (a truncated file is refused), and then only its pixels
are copied into a fresh image and encoded as WebP at most ``MAX_SIDE`` pixels wide,
so EXIF (GPS position, camera serial), XMP, ICC and comments never reach a page.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from elections.domain.errors import DomainError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 800
OUTPUT_FORMAT = "WEBP"
OUTPUT_TYPE = "image/webp"
OUTPUT_QUALITY = 82


class PhotoReason(StrEnum):
    """Why an uploaded file is not accepted as a candidate's photo."""

    not_an_image = "photo-not-an-image"
    too_large = "photo-too-large"
    too_many_pixels = "photo-too-many-pixels"
    damaged = "photo-damaged"


class PhotoRefused(DomainError[PhotoReason]):
    """The upload is not a usable JPEG, PNG or WebP photo."""

    status = 400


@dataclass(frozen=True)
class Photo:
    """A cleaned photo, ready to store: its bytes, media type and SHA-256."""

    data: bytes
    media_type: str
    digest: str
    width: int
    height: int


def clean_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> Photo:
    """Accept a JPEG, PNG or WebP by content and return it re-encoded without metadata."""
    if len(data) > max_bytes:
        raise PhotoRefused(PhotoReason.too_large, {"bytes": len(data)})
    if not data:
        raise PhotoRefused(PhotoReason.not_an_image)
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; a bomb must be an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return encode(_decode(data, max_pixels))
        except PhotoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused(PhotoReason.too_many_pixels) from None
        except UnidentifiedImageError:
            raise PhotoRefused(PhotoReason.not_an_image) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise PhotoRefused(PhotoReason.damaged) from None


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    """Identify, bound, verify and fully decode the upload into an upright image."""
    with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
        width, height = probe.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise PhotoRefused(PhotoReason.too_many_pixels, {"width": width, "height": height})
        probe.verify()
    # verify() leaves the image unusable; open again to decode (the first frame only).
    with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
        return upright if upright is not None else image.copy()


def encode(image: Image.Image) -> Photo:
    """Copy only the pixels into a fresh image, shrink it, and encode it as WebP."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    converted = image.convert(mode)
    # A fresh image from raw pixels carries no info dict: no EXIF, XMP, ICC or comments.
    bare = Image.frombytes(mode, converted.size, converted.tobytes())
    bare.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    bare.save(out, OUTPUT_FORMAT, quality=OUTPUT_QUALITY, method=4)
    data = out.getvalue()
    return Photo(
        data=data,
        media_type=OUTPUT_TYPE,
        digest=hashlib.sha256(data).hexdigest(),
        width=bare.width,
        height=bare.height,
    )

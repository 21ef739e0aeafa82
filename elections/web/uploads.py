"""Files uploaded through forms, read within the app's limits."""

from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import FileStorage

from elections.files.photos import Photo, clean_photo


def uploaded_photo(field: object) -> Photo | None:
    """The cleaned photo from a file field, None when no file was chosen.

    Raises ``PhotoRefused`` when the file is not a usable photo.
    """
    upload = getattr(field, "data", None)
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return clean_photo(
        upload.read(limit + 1),
        max_bytes=limit,
        max_pixels=current_app.config["PHOTO_MAX_PIXELS"],
    )

"""Files uploaded through forms, read within the app's limits."""

from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import FileStorage
from wtforms import Field

from elections.files.photos import Photo, PhotoRefused, clean_photo
from elections.i18n.refusals import explain


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


def form_photo(field: Field) -> tuple[Photo | None, bool]:
    """The field's cleaned photo (None when no file was chosen), and whether the file was usable.

    An unusable file is refused under the field, so the form shows again with all else kept.
    """
    try:
        return uploaded_photo(field), True
    except PhotoRefused as refusal:
        field.errors = [explain(refusal)]
        return None, False

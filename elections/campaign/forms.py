"""Forms of the students' campaign pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from elections.i18n.refusals import explain
from elections.operations.candidates import MAX_MANIFESTO
from elections.operations.nominations import MAX_VIDEO_URL, NominationRefused, check_video_url


def _video_link(_form: FlaskForm, field: Field) -> None:
    """The operation's own check, shown beside the field."""
    try:
        check_video_url(field.data)
    except NominationRefused as refusal:
        raise ValidationError(explain(refusal)) from None


class PageForm(FlaskForm):
    """A candidate's page: the programme, a video link and a photo."""

    manifesto = TextAreaField(
        _l("Your programme (Markdown: **bold**, *italic*, lists, links)"),
        validators=[Optional(), Length(max=MAX_MANIFESTO)],
    )
    video_url = StringField(
        _l("Link to a campaign video (optional)"),
        validators=[Optional(), Length(max=MAX_VIDEO_URL), _video_link],
    )
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))


class NominationForm(PageForm):
    """Nominate oneself: the position, then the page."""

    position = SelectField(_l("Position"), coerce=int, validators=[DataRequired()])


class ObserverForm(FlaskForm):
    """Name the candidate's observer."""

    who = StringField(
        _l("Student number or staff username"), validators=[DataRequired(), Length(max=64)]
    )


class ComplaintForm(FlaskForm):
    """A complaint to the commission."""

    text = TextAreaField(_l("Your complaint"), validators=[DataRequired(), Length(max=5000)])

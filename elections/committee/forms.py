"""Committee forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class RollUploadForm(FlaskForm):
    """Upload a roll as CSV or XLSX."""

    file = FileField(_l("Roll file (CSV or XLSX)"), validators=[FileRequired()])
    deactivate_missing = BooleanField(_l("Deactivate students who are not in this file"))


class IssueCodesForm(FlaskForm):
    """Issue access codes for one class, or for every active student."""

    class_name = SelectField(_l("Class"), validate_choice=True)
    only_missing = BooleanField(_l("Only students who have no code yet"), default=True)
    confirm = BooleanField(
        _l("I understand that earlier codes of these students stop working"),
        validators=[DataRequired()],
    )


class ReplaceCodeForm(FlaskForm):
    """Replace one student's lost code."""

    student_number = StringField(_l("Student number"), validators=[DataRequired(), Length(max=64)])

"""Committee forms."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from elections.domain.counting import TieRule
from elections.domain.eligibility import parse_grades, parse_names
from elections.domain.errors import RuleInvalid
from elections.i18n.language import TIE_RULE_LABELS
from elections.i18n.refusals import explain

# Browsers send "2026-03-02T09:00"; some add seconds.
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


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


# Elections, positions and candidates.


def _rule_validator(parse: Callable[[str], frozenset]) -> Callable[[FlaskForm, Field], None]:
    """A field validator that reads a committee's rule text, turning typed refusals into errors."""

    def validate(_form: FlaskForm, field: Field) -> None:
        try:
            parse(field.data or "")
        except RuleInvalid as error:
            raise ValidationError(explain(error)) from None

    return validate


TITLE_LANGUAGES = ("kk", "ru", "en")


def _title_field(label: str, language: str) -> StringField:
    """An optional title in one language, typed with that language's spelling checker."""
    return StringField(
        label, validators=[Optional(), Length(max=200)], render_kw={"lang": language}
    )


class TitlesForm(FlaskForm):
    """Optional titles per language: a reader who chose that language sees it instead."""

    title_kk = _title_field(_l("Title in Kazakh"), "kk")
    title_ru = _title_field(_l("Title in Russian"), "ru")
    title_en = _title_field(_l("Title in English"), "en")

    def titles(self) -> dict[str, str]:
        """The titles typed, by language, leaving out the empty ones."""
        typed = {code: (self[f"title_{code}"].data or "").strip() for code in TITLE_LANGUAGES}
        return {code: text for code, text in typed.items() if text}

    def fill_titles(self, titles: Mapping[str, str] | None) -> None:
        """Show the stored titles in their fields."""
        for code in TITLE_LANGUAGES:
            self[f"title_{code}"].data = (titles or {}).get(code, "")


def _calendar_date(label: str, *, required: bool = False) -> DateTimeLocalField:
    """A date of the calendar, typed as school-local time to the minute."""
    needed = DataRequired() if required else Optional()
    return DateTimeLocalField(label, format=DATETIME_LOCAL_FORMATS, validators=[needed])


class ElectionForm(TitlesForm):
    """An election's title, description and calendar (in the school's time zone).

    Only opening and closing are required; each other date, when given, adds its phase.
    """

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    nomination_starts = _calendar_date(_l("Nominations open (optional)"))
    campaign_starts = _calendar_date(_l("Campaign starts (optional)"))
    silence_starts = _calendar_date(_l("Day of silence starts (optional)"))
    opens_at = _calendar_date(_l("Voting opens"), required=True)
    closes_at = _calendar_date(_l("Voting closes"), required=True)
    appeals_end = _calendar_date(_l("Appeals window ends (optional)"))
    endorsement_limit = IntegerField(
        _l("Nominations each student may endorse"),
        default=3,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    tie_rule = SelectField(
        _l("An exact tie is settled by"),
        choices=[SelectChoice(rule, label) for rule, label in TIE_RULE_LABELS.items()],
        default=str(TieRule.earlier_rounds),
        validators=[Optional()],
    )

    def validate_closes_at(self, field: Field) -> None:
        """Closing must come after opening."""
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Voting must close after it opens."))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Every date given must come after the one before it in the calendar."""
        valid = super().validate(extra_validators)
        earlier = None
        for name in CALENDAR_FIELDS:
            current = self[name]
            if current.data is None or current.errors:
                continue
            if earlier is not None and current.data <= earlier.data:
                current.errors = [
                    *current.errors,
                    _l("This must come after “%(earlier)s”.", earlier=earlier.label.text),
                ]
                valid = False
            earlier = current
        return valid


CALENDAR_FIELDS = (
    "nomination_starts",
    "campaign_starts",
    "silence_starts",
    "opens_at",
    "closes_at",
    "appeals_end",
)


METHOD_CHOICES = [
    SelectChoice("single", _l("Single choice: one mark")),
    SelectChoice("multi", _l("Several choices: up to one mark per seat")),
    SelectChoice("ranked", _l("Ranked choice: number the candidates in order (IRV / STV)")),
    SelectChoice("yesno", _l("Yes or no: one candidate or question")),
]


class PositionForm(TitlesForm):
    """A position: method, seats, blank vote, order, and who may vote and stand."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    method = SelectField(_l("Voting method"), choices=METHOD_CHOICES, default="single")
    seats = IntegerField(
        _l("Seats"), default=1, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
    allow_blank = BooleanField(_l("Offer a blank (abstain) ballot"), default=True)
    shuffle_candidates = BooleanField(
        _l("Shuffle the candidates for every voter (otherwise alphabetical)")
    )
    threshold_percent = IntegerField(
        _l("Yes/no threshold (%)"),
        default=50,
        validators=[InputRequired(), NumberRange(min=1, max=99)],
    )
    voter_grades = StringField(
        _l("Grades that vote"), validators=[Length(max=200), _rule_validator(parse_grades)]
    )
    voter_classes = StringField(
        _l("Classes that vote"), validators=[Length(max=1000), _rule_validator(parse_names)]
    )
    voter_shanyraks = StringField(
        _l("Shanyraks that vote"), validators=[Length(max=1000), _rule_validator(parse_names)]
    )
    candidate_grades = StringField(
        _l("Grades that may stand"), validators=[Length(max=200), _rule_validator(parse_grades)]
    )
    candidate_classes = StringField(
        _l("Classes that may stand"), validators=[Length(max=1000), _rule_validator(parse_names)]
    )
    candidate_shanyraks = StringField(
        _l("Shanyraks that may stand"),
        validators=[Length(max=1000), _rule_validator(parse_names)],
    )
    endorsements_required = IntegerField(
        _l("Endorsements a nomination needs"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )

    def validate_seats(self, field: Field) -> None:
        """Single choice and yes/no fill exactly one seat."""
        if self.method.data in ("single", "yesno") and field.data not in (None, 1):
            raise ValidationError(_l("Single choice and yes/no positions have one seat."))


class CandidateForm(FlaskForm):
    """A candidate: a student by number, or a free-text option; a manifesto and a photo."""

    student_number = StringField(_l("Student number"), validators=[Optional(), Length(max=64)])
    name = StringField(
        _l("Or a free-text option (for a question)"), validators=[Optional(), Length(max=200)]
    )
    manifesto = TextAreaField(
        _l("Manifesto (Markdown: **bold**, *italic*, lists, links)"),
        validators=[Optional(), Length(max=20000)],
    )
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Exactly one of the student number and the free-text name (checked even when empty)."""
        valid = super().validate(extra_validators)
        has_number = bool((self.student_number.data or "").strip())
        has_name = bool((self.name.data or "").strip())
        if has_number == has_name:
            self.name.errors = [
                *self.name.errors,
                _l("Give either a student number or a free-text option."),
            ]
            return False
        return valid


class CandidateEditForm(FlaskForm):
    """Edit a candidate's manifesto, a free-text option's name, or the photo."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    manifesto = TextAreaField(
        _l("Manifesto (Markdown: **bold**, *italic*, lists, links)"),
        validators=[Optional(), Length(max=20000)],
    )
    photo = FileField(_l("New photo (JPEG, PNG or WebP)"))


class PhaseForm(FlaskForm):
    """Confirm a phase change; publishing early during appeals needs an explicit override."""

    confirm = BooleanField(_l("I have checked the above and want to go ahead"), [DataRequired()])
    override = BooleanField(_l("Publish before the appeals window ends"))
    override_reason = TextAreaField(
        _l("Why the commission publishes now (recorded in the audit log)"),
        validators=[Length(max=2000)],
    )

    def validate_override_reason(self, field: Field) -> None:
        """Overriding the appeals rules needs a written reason."""
        if self.override.data and not (field.data or "").strip():
            raise ValidationError(_l("Write why the results are published over the appeals."))


# The election calendar: reviewing nominations and answering complaints.


class ReviewForm(FlaskForm):
    """Register or reject a nomination, with the reason the student will read."""

    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice("register", _l("Register")), SelectChoice("reject", _l("Reject"))],
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("Reason (the student reads it)"), validators=[Length(max=2000)])

    def validate_reason(self, field: Field) -> None:
        """A rejection always says why."""
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("Write why the nomination is rejected."))


class AnswerForm(FlaskForm):
    """The commission's written answer to a complaint."""

    answer = TextAreaField(
        _l("Answer of the commission"), validators=[DataRequired(), Length(max=5000)]
    )

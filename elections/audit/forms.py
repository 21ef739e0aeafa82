"""Forms of the auditors' workspace and the bulletin board."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, Length, Optional, ValidationError

from elections.bundle.verify import read_head
from elections.domain.audit_chain import ChainHead
from elections.queries.audit_log import LogFilter

# Browsers send "2026-03-02T09:00"; some add seconds.
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def school_time_to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed at the school as an aware UTC instant."""
    if local is None:
        return None
    zone = ZoneInfo(current_app.config["SCHOOL_TIMEZONE"])
    return local.replace(tzinfo=zone).astimezone(UTC)


class LogFilterForm(FlaskForm):
    """Narrow the log by time (school time, ``before`` excluded), actor, action and election.

    Read from the query string: filtering changes nothing, so it needs no CSRF token.
    """

    class Meta:
        csrf = False

    since = DateTimeLocalField(_l("From"), format=DATETIME_LOCAL_FORMATS, validators=[Optional()])
    before = DateTimeLocalField(
        _l("Before"), format=DATETIME_LOCAL_FORMATS, validators=[Optional()]
    )
    actor = StringField(_l("Who (exact username)"), validators=[Optional(), Length(max=64)])
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    election = SelectField(_l("Election"), choices=[], validate_choice=False)

    def set_choices(self, actions: list[str], elections: list[tuple[int, str]]) -> None:
        """Offer the actions the log holds and the elections there are."""
        self.action.choices = [SelectChoice("", _l("Any action")), *map(SelectChoice, actions)]
        self.election.choices = [SelectChoice("", _l("Any election")), *election_choices(elections)]

    def log_filter(self) -> LogFilter:
        """The filter the valid fields describe; an unreadable field filters nothing."""
        election = self.election.data or ""
        return LogFilter(
            since=school_time_to_utc(self.since.data if not self.since.errors else None),
            before=school_time_to_utc(self.before.data if not self.before.errors else None),
            actor=(self.actor.data or "").strip() or None,
            action=self.action.data or None,
            election_id=int(election) if election.isdigit() else None,
        )


def election_choices(elections: list[tuple[int, str]]) -> list[SelectChoice]:
    """One option per election, labelled with its number and title."""
    return [SelectChoice(str(eid), f"{eid}: {title}") for eid, title in elections]


class ExportLogForm(LogFilterForm):
    """Download the filtered log: a POST, because every export is itself logged."""

    class Meta:
        csrf = True

    format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("csv", _l("CSV (spreadsheet)")),
            SelectChoice("jsonl", _l("JSON Lines (as stored)")),
        ],
        validators=[AnyOf(["csv", "jsonl"])],
    )


MAX_HEAD_TEXT = 300  # a head as printed is under 100 characters, in any of the languages


class VerifyForm(FlaskForm):
    """Run verification: a POST, because it is logged.

    The head from the paper protocol is optional: with it, verification also shows that
    no newest entry was cut off the log, which the database alone cannot show.
    """

    expected_head = StringField(
        _l("Head on the paper protocol (optional)"),
        validators=[Optional()],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def head(self) -> ChainHead | None:
        """The head typed in, or None when left empty; a ValidationError names a bad one."""
        text = (self.expected_head.data or "").strip()
        if not text:
            return None
        head = read_head(text) if len(text) <= MAX_HEAD_TEXT else None
        if head is None:
            raise ValidationError(
                _l("Copy the head as the protocol prints it: the entry number and its hash.")
            )
        return head


class BundleForm(FlaskForm):
    """Download an export bundle: one closed election with its ballots, or the log alone."""

    # Any election may be asked for: one still open is refused with the reason, not a 400.
    election = SelectField(_l("What to export"), choices=[], validate_choice=False)

    def set_choices(self, elections: list[tuple[int, str]]) -> None:
        """Offer the log alone and every election whose voting has closed."""
        self.election.choices = [
            SelectChoice("", _l("The audit log alone")),
            *election_choices(elections),
        ]


class BoardSearchForm(FlaskForm):
    """Look for a tracking code on the bulletin board: a POST, so the code never sits in a URL
    (browser history on a shared computer, a proxy's log)."""

    code = StringField(
        _l("Your tracking code"),
        validators=[Optional(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )

"""Typed refusals, explained to people in their language: the one place reasons become words."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elections.domain.errors import DomainError
from elections.roll_file import RollProblem, RowError

REASONS = {
    "not-staff": _l("Staff accounts must have the committee, auditor or admin role."),
    "weak-password": _l("The password must have at least 10 characters."),
    "username-taken": _l("That username is already in use."),
}

ROLL_PROBLEMS = {
    RollProblem.unreadable: _l("The file could not be read. Save it as CSV (UTF-8) or XLSX."),
    RollProblem.missing_columns: _l("Columns missing from the header: %(value)s."),
    RollProblem.missing_field: _l("The %(column)s is empty."),
    RollProblem.bad_grade: _l("“%(value)s” is not a grade from 1 to 12."),
    RollProblem.class_grade_mismatch: _l("Class %(value)s does not belong to this grade."),
    RollProblem.duplicate_number: _l("Student number %(value)s appears twice."),
    RollProblem.too_long: _l("The %(column)s is too long."),
    RollProblem.bad_characters: _l("The %(column)s contains invisible or control characters."),
    RollProblem.empty: _l("The file has no students in it."),
    RollProblem.staff_account: _l("%(value)s is a staff username, not a student number."),
}
COLUMN_NAMES = {
    "student_number": _l("student number"),
    "full_name": _l("full name"),
    "grade": _l("grade"),
    "class": _l("class"),
    "shanyrak": _l("shanyrak"),
}


def explain(error: DomainError) -> str:
    """A sentence saying why an action was refused."""
    message = REASONS.get(str(error.reason))
    return (
        str(message) if message else _("That cannot be done now (%(reason)s).", reason=error.reason)
    )


def explain_roll_error(error: RowError) -> str:
    """One line of the roll report: where, and what is wrong."""
    column = str(COLUMN_NAMES.get(error.column or "", error.column or ""))
    text = str(ROLL_PROBLEMS[error.problem]) % {"column": column, "value": error.value or ""}
    return _("Line %(line)d: %(problem)s", line=error.line, problem=text) if error.line else text

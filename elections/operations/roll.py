"""Import the student roll: add, update, keep, and on request deactivate, in one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db
from elections.files.roll import RollFileError, RollProblem, RollRow, RowError
from elections.models import Election, EligibleVoter, User
from elections.operations.audit_log import Actor, record

MAX_LISTED = 20  # student numbers named in one refusal; the rest is counted


@dataclass(frozen=True)
class RollImportReport:
    """What an import changed, as the committee sees it afterwards."""

    added: int
    updated: int
    unchanged: int
    deactivated: int


def _refuse_deactivating_voters(leaving: list[User]) -> None:
    """Refuse to switch off students who may still vote: nobody could sign in as them."""
    voting = sorted(
        db.session.scalars(
            select(User.username)
            .join(EligibleVoter, EligibleVoter.student_id == User.id)
            .join(Election, Election.id == EligibleVoter.election_id)
            .where(Election.phase == Phase.open, User.id.in_([s.id for s in leaving]))
            .distinct()
        )
    )
    if voting:
        listed = ", ".join(voting[:MAX_LISTED]) + (" …" if len(voting) > MAX_LISTED else "")
        raise RollFileError([RowError(0, RollProblem.voting_now, value=listed)])


def import_roll(actor: Actor, rows: list[RollRow], *, deactivate_missing: bool) -> RollImportReport:
    """Apply a checked roll: students are matched by number, never duplicated."""
    existing = {
        user.username.casefold(): user
        for user in db.session.scalars(select(User).where(User.role == Role.student))
    }
    staff_names = {
        name.casefold()
        for name in db.session.scalars(select(User.username).where(User.role != Role.student))
    }
    clashes = [
        RowError(row.line, RollProblem.staff_account, "student_number", row.student_number)
        for row in rows
        if row.student_number.casefold() in staff_names
    ]
    if clashes:
        raise RollFileError(clashes)
    added = updated = unchanged = deactivated = 0
    seen: set[str] = set()
    for row in rows:
        key = row.student_number.casefold()
        seen.add(key)
        student = existing.get(key)
        facts = {
            "full_name": row.full_name,
            "grade": row.grade,
            "class_name": row.class_name,
            "shanyrak": row.shanyrak,
            "active": True,
        }
        if student is None:
            db.session.add(User(username=row.student_number, role=str(Role.student), **facts))
            added += 1
        elif any(getattr(student, name) != value for name, value in facts.items()):
            for name, value in facts.items():
                setattr(student, name, value)
            updated += 1
        else:
            unchanged += 1
    leaving = [s for key, s in existing.items() if key not in seen and s.active]
    if deactivate_missing and leaving:
        _refuse_deactivating_voters(leaving)
        for student in leaving:
            student.active = False
            student.session_version += 1
        deactivated = len(leaving)
    report = RollImportReport(added, updated, unchanged, deactivated)
    details = asdict(report) | {"rows": len(rows)}
    if deactivate_missing:
        details["deactivated_numbers"] = sorted(s.username for s in leaving)
    record(actor, "roll-imported", object_type="roll", details=details)
    db.session.commit()
    return report

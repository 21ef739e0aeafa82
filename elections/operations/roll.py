"""Import the student roll: add, update, keep, and on request deactivate, in one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from elections.domain.roles import Role
from elections.extensions import db
from elections.models import User
from elections.operations.audit_log import Actor, record
from elections.roll_file import RollFileError, RollProblem, RollRow, RowError


@dataclass(frozen=True)
class RollImportReport:
    """What an import changed, as the committee sees it afterwards."""

    added: int
    updated: int
    unchanged: int
    deactivated: int


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
    if deactivate_missing:
        for key, student in existing.items():
            if key not in seen and student.active:
                student.active = False
                student.session_version += 1
                deactivated += 1
    report = RollImportReport(added, updated, unchanged, deactivated)
    record(actor, "roll-imported", object_type="roll", details=asdict(report) | {"rows": len(rows)})
    db.session.commit()
    return report

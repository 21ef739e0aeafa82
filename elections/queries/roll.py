"""The roll as the committee's pages read it: students, their classes and shanyraks."""

from __future__ import annotations

from sqlalchemy import func, select

from elections.domain.roles import Role
from elections.extensions import db
from elections.models import User

ALL_CLASSES = "*"
ON_ROLL = (User.role == Role.student, User.active.is_(True))
"""Who the roll holds now: active student accounts."""


def roll_shanyraks() -> list[str]:
    """Every shanyrak with an active student on the roll, in alphabetical order."""
    names = db.session.scalars(
        select(User.shanyrak).where(*ON_ROLL, User.shanyrak.is_not(None)).distinct()
    )
    return sorted({name for name in names if name}, key=str.casefold)


def roll_classes() -> list[str]:
    """Every class with an active student on the roll, in order."""
    classes = db.session.scalars(
        select(User.class_name).where(*ON_ROLL).distinct().order_by(User.class_name)
    )
    return [name for name in classes if name]


def roll_students() -> list[User]:
    """Every student account, active ones first, by class and name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.student)
            .order_by(User.active.desc(), User.class_name, User.full_name)
        )
    )


def students_for_codes(class_name: str, only_missing: bool) -> list[User]:
    """The students of a class on the roll (or of every class) who are to get access codes."""
    query = select(User).where(*ON_ROLL)
    if class_name != ALL_CLASSES:
        query = query.where(User.class_name == class_name)
    if only_missing:
        query = query.where(User.access_code_hash.is_(None))
    return list(db.session.scalars(query.order_by(User.class_name, User.full_name)))


def active_student(number: str) -> User | None:
    """The student on the roll with that number, as typed (spaces around it ignored)."""
    student = db.session.scalar(
        select(User).where(User.role == Role.student, User.username == number.strip())
    )
    return student if student is not None and student.active else None


def active_student_count() -> int:
    """How many students the roll would freeze if voting opened now."""
    count = select(func.count()).select_from(User).where(*ON_ROLL)
    return db.session.scalar(count) or 0

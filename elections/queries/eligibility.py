"""Who may stand for and vote for a position, by today's roll."""

from __future__ import annotations

from elections.domain.eligibility import Rule, StudentFacts, is_eligible
from elections.domain.roles import Role
from elections.models import Position, User


def facts_of(student: User) -> StudentFacts | None:
    """A student's facts for an eligibility rule, None for an account without them."""
    if student.grade is None or student.class_name is None or student.shanyrak is None:
        return None
    return StudentFacts(student.grade, student.class_name, student.shanyrak)


def admits(rule: Rule, student: User) -> bool:
    """Whether the rule admits the account as an active student, by today's roll."""
    facts = facts_of(student)
    return (
        student.role == Role.student
        and student.active
        and facts is not None
        and is_eligible(rule, facts)
    )


def may_stand(position: Position, student: User) -> bool:
    """Whether the position's candidate rule admits this active student."""
    return admits(position.candidate_rule, student)


def may_vote_for(position: Position, student: User) -> bool:
    """Whether the position's voter rule admits this active student (today's roll)."""
    return admits(position.voter_rule, student)

"""Who is looking: account roles, plus the viewing capacities that have no account of their own."""

from enum import StrEnum


class Role(StrEnum):
    """A role as stored on an account, or a capacity in which a page is viewed."""

    student = "student"
    committee = "committee"
    auditor = "auditor"
    admin = "admin"
    # Capacities, never stored on an account: a candidate's named observer, and anyone signed out.
    observer = "observer"
    public = "public"


STAFF = (Role.committee, Role.auditor, Role.admin)
ACCOUNT_ROLES = (Role.student, *STAFF)  # the roles an account can hold

"""Typed refusals, explained to people in their language: the one place reasons become words."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from elections.domain.errors import DomainError
from elections.files.roll import RollProblem, RowError

REASONS = {
    "not-staff": _l("Staff accounts must have the committee, auditor or admin role."),
    "weak-password": _l("The password must have at least 10 characters."),
    "username-taken": _l("That username is already in use."),
    "password-like-code": _l(
        "A password must not look like a student's access code (eight letters and digits)."
        " Choose a longer one."
    ),
    "sign-in-address-limited": _l(
        "Too many sign-ins have failed from your network in the last few minutes. Wait a"
        " little and try again; if it keeps happening, tell the election committee."
    ),
    "sign-in-account-locked": _l(
        "This account is locked for a while after many failed sign-ins from different"
        " places. The election committee can unlock it at once."
    ),
}

ROLL_PROBLEMS = {
    RollProblem.unreadable: _l("The file could not be read. Save it as CSV (UTF-8) or XLSX."),
    RollProblem.missing_columns: _l("Columns missing from the header: %(value)s."),
    RollProblem.missing_field: _l("The %(column)s is empty."),
    RollProblem.bad_grade: _l("“%(value)s” is not a grade from 1 to 12."),
    RollProblem.class_grade_mismatch: _l("Class %(value)s does not belong to this grade."),
    RollProblem.duplicate_number: _l("Student number %(value)s appears twice."),
    RollProblem.ambiguous_column: _l(
        "More than one column could be the %(column)s (%(value)s). Rename or remove all but"
        " one, so nobody's account goes to someone else."
    ),
    RollProblem.too_long: _l("The %(column)s is too long."),
    RollProblem.bad_characters: _l("The %(column)s contains invisible or control characters."),
    RollProblem.empty: _l("The file has no students in it."),
    RollProblem.staff_account: _l("%(value)s is a staff username, not a student number."),
    RollProblem.voting_now: _l(
        "These students are on the roll of an election that is open now, so they cannot be"
        " deactivated until it closes: %(value)s. Keep them in the file, or import without"
        " deactivating."
    ),
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


# Voting: ballot problems, refused submissions, and the student's pages.
REASONS.update(
    {
        "unknown-candidate": _l(
            "That choice is not a candidate for this position. Choose again from the list."
        ),
        "duplicate-candidate": _l("The same candidate was chosen twice."),
        "too-many": _l("Too many boxes are ticked for this position."),
        "empty": _l("A blank vote is not allowed here: make a choice."),
        "duplicate-rank": _l("The same rank is given to more than one candidate."),
        "missing-rank": _l("The ranks skip a number: use 1, 2, 3… in order, without gaps."),
        "bad-rank": _l("A rank must be a whole number from 1 to the number of candidates."),
        "bad-value": _l("This answer could not be read. Make your choice again."),
        "already-voted": _l(
            "You have already voted. Each student votes once in each position, "
            "and the first ballot is the one that counts."
        ),
        "nothing-submitted": _l(
            "No ballot was sent. Open your ballot again and make your choices."
        ),
        "unknown-position": _l(
            "This ballot does not match the election. Open it again from “My elections”."
        ),
        "unknown-election": _l("There is no such election."),
        "voting-closed": _l("Voting in this election is closed."),
        "voting-not-open-yet": _l("Voting in this election has not started yet."),
        "expired-form": _l(
            "This ballot form has expired or did not come from this site. "
            "Open your ballot again from “My elections” and make your choices."
        ),
        "not-eligible": _l(
            "You are not on the list of voters for this. If you think this is a mistake, "
            "ask the election committee."
        ),
    }
)


def explain_ballot(error: DomainError, names: Mapping[int, str] | None = None) -> str:
    """Why a position's answer was refused, with the numbers and names that help fix it."""
    detail, names = error.detail, names or {}
    if error.reason == "too-many" and "max" in detail:
        limit = int(str(detail["max"]))
        more = ngettext(
            "Choose at most %(num)d candidate.", "Choose at most %(num)d candidates.", limit
        )
    elif error.reason == "duplicate-rank" and "rank" in detail:
        ids = detail.get("ids", ())
        given = ", ".join(names.get(cid, "?") for cid in ids)  # type: ignore[attr-defined]
        more = _("Rank %(rank)s is given to %(names)s.", rank=detail["rank"], names=given)
    elif error.reason == "missing-rank" and "rank" in detail:
        more = _("Rank %(rank)s is missing.", rank=detail["rank"])
    else:
        return explain(error)
    return f"{explain(error)} {more}"


# Committee: the lifecycle, positions, candidates and photos.
REASONS.update(
    {
        "not-draft": _l("Only a draft election can be changed this way."),
        "voting-started": _l(
            "Voting has started in this election, so it is kept, with its ballots and its"
            " audit trail."
        ),
        "calendar-overdue": _l(
            "By the calendar, this election should already be further on. Correct its dates"
            " while it is a draft, then start it."
        ),
        "same-phase": _l("The election is already in that phase."),
        "backwards": _l("An election never goes back to an earlier phase."),
        "already-open": _l("Voting is already open."),
        "already-closed": _l("Voting is already closed, and a closed poll never reopens."),
        "not-closed": _l("Voting must be closed first."),
        "already-published": _l("The results are already published; nothing more can change."),
        "skips-phase": _l("The election cannot skip a phase of its calendar."),
        "phase-not-used": _l("This election's calendar does not use that phase."),
        "appeals-pending": _l("Every complaint must be answered before the results are published."),
        "appeals-window-open": _l(
            "The appeals window is still open. Wait for it to end, or choose to publish early."
        ),
        "no-positions": _l("Add at least one position before voting opens."),
        "no-candidates": _l("Add candidates before voting opens."),
        "bad-schedule": _l(
            "The dates do not work: voting must open before it closes, the dates must be in "
            "order, and closing time must not have passed."
        ),
        "structure-frozen": _l(
            "The ballot is frozen: positions and who may vote cannot change any more."
        ),
        "candidates-frozen": _l("The list of candidates is frozen and cannot change any more."),
        "campaign-page-frozen": _l(
            "Candidates' pages are frozen. Only a mistake in a manifesto can be corrected, "
            "and only until voting closes."
        ),
        "bad-grade": _l("Grades are numbers from 1 to 12, like 8-11 or 7, 9."),
        "bad-range": _l("A range of grades must go up, like 8-11."),
        "bad-name": _l(
            "Names may contain letters, digits, spaces and - ' . only; separate them with commas."
        ),
        "not-found": _l("There is no such election, position or candidate."),
        "position-title-taken": _l("Another position of this election already has that title."),
        "position-one-seat-only": _l("Single choice and yes/no positions have exactly one seat."),
        "yesno-one-candidate": _l("A yes/no question has exactly one candidate or proposal."),
        "no-shanyraks": _l("The roll has no shanyraks yet: import the roll first."),
        "unknown-method": _l("Choose one of the voting methods offered."),
        "candidate-not-on-roll": _l("No active student on the roll has that number."),
        "candidate-not-eligible": _l(
            "This student may not stand for this position: check its grade, class or shanyrak rule."
        ),
        "candidate-already-standing": _l("This student is already a candidate here."),
        "candidate-name-taken": _l("Another candidate here already has that name."),
        "candidate-no-name": _l("Give the candidate or option a name."),
        "candidate-name-follows-roll": _l(
            "A student candidate's name comes from the roll; correct it there."
        ),
        "photo-not-an-image": _l(
            "That file is not a photo we accept. Upload a JPEG, PNG or WebP image."
        ),
        "photo-too-large": _l("The photo file is too large. Choose a smaller one."),
        "photo-too-many-pixels": _l(
            "The photo has too many pixels. Use a smaller image (a few megapixels is plenty)."
        ),
        "photo-damaged": _l("The photo is damaged or incomplete. Save it again and retry."),
    }
)


# Audit: exports.
REASONS.update(
    {
        "export-not-closed": _l(
            "Ballots can be exported only after voting has closed: before then they would "
            "reveal running counts. The audit log alone can be exported at any time."
        ),
    }
)


# Results: ties, lots, runoffs and publication.
REASONS.update(
    {
        "lot-required": _l(
            "A position's count is stopped by a tie: record a lot for the tied candidates "
            "before publishing the results."
        ),
        "lot-not-now": _l(
            "Lots and runoffs are decided after voting closes and before the results are published."
        ),
        "no-tie": _l("This position's count needs no lot: nothing is tied that matters."),
        "lot-order-invalid": _l(
            "The order must list every tied candidate exactly once. Reload the page: the tie "
            "may have changed."
        ),
        "account-required": _l("Only a signed-in member of the committee can record a lot."),
        "runoff-not-offered": _l(
            "A runoff is held only where the election's tie rule says so, for a tie among all "
            "the candidates left to contest the remaining seats. Settle this tie by lot."
        ),
        "runoff-required": _l(
            "Under this election's tie rule a tie for the last seats goes to a runoff: create "
            "the runoff election before publishing the results."
        ),
        "runoff-exists": _l("A runoff election was already created for this position."),
        "ballot-unreadable": _l(
            "A stored ballot cannot be read, so the count stopped. Tell the auditors: the "
            "ballot box may have been altered."
        ),
    }
)


# The election calendar: nominations, endorsements, observers and appeals.
REASONS.update(
    {
        "nominations-closed": _l("Nominations are not open in this election now."),
        "nomination-not-eligible": _l(
            "This position's grade, class or shanyrak rule does not allow this student to stand."
        ),
        "nomination-exists": _l("This student is already nominated for this position."),
        "nomination-question": _l("A yes/no question takes no nominations."),
        "nomination-already-reviewed": _l(
            "This nomination has already been registered, rejected or withdrawn."
        ),
        "nomination-review-closed": _l(
            "Nominations are registered or rejected only during the nomination period and the "
            "campaign."
        ),
        "review-reason-required": _l("Write the reason for the decision: the student reads it."),
        "endorsements-short": _l(
            "This nomination does not have the endorsements its position requires, so it "
            "cannot be registered."
        ),
        "video-url-invalid": _l(
            "The video link must be a full web address starting with http:// or https://, "
            "with no spaces."
        ),
        "nomination-not-standing": _l(
            "This nomination was withdrawn or rejected, so it can no longer change."
        ),
        "endorsement-limit": _l(
            "You have used all your endorsements in this election. Withdraw one to support "
            "someone else."
        ),
        "endorsement-not-a-voter": _l(
            "Only students who may vote for this position can endorse its nominees."
        ),
        "endorsement-own": _l("You cannot endorse your own nomination."),
        "endorsement-not-pending": _l("This nomination is no longer waiting for endorsements."),
        "endorsement-not-needed": _l("This position needs no endorsements."),
        "endorsement-exists": _l("You already endorse this nomination."),
        "endorsement-missing": _l("You do not endorse this nomination."),
        "observer-unknown": _l("No active account has that student number or username."),
        "observer-self": _l("A candidate cannot be their own observer."),
        "observer-too-late": _l("Observers are named before voting opens."),
        "appeals-closed": _l(
            "Complaints can be filed only during the appeals window, after voting closes."
        ),
        "complaint-not-a-party": _l(
            "Only the election's candidates and their observers can file a complaint."
        ),
        "complaint-empty": _l("Write the complaint first."),
        "complaint-already-answered": _l("This complaint has already been answered."),
        "answer-empty": _l("Write the answer first."),
        "override-reason-required": _l(
            "Publishing over the appeals window or unanswered complaints needs a written reason."
        ),
    }
)

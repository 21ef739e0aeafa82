"""The student's side of the polling station: their elections, the ballot, review, cast, receipt.

Choices travel from the ballot to the review page to the cast in hidden form fields,
never in the server's session or a URL. The cast validates everything again, because
those fields came back from the browser. Receipts go to the signed session cookie
(Post/Redirect/Get) and stay there while the student is on the receipt (a reload, a
change of language) and not a request longer; they are never stored or logged on the
server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from elections.domain.ballot import Choices, PositionRules
from elections.domain.errors import BallotInvalid, DomainError
from elections.domain.roles import Role
from elections.errors import error_page
from elections.i18n.refusals import explain
from elections.models import User, utcnow
from elections.operations import accounts
from elections.operations.voting import (
    Booth,
    PollReason,
    SheetPosition,
    VoteReason,
    cast_in_booth,
    enter_booth,
    record_rejected_vote,
)
from elections.queries import campaign as campaign_pages
from elections.vote.ballot_form import FormValues, RawAnswer, read_answer, validate_ballot
from elections.vote.ballot_page import (
    BallotEntry,
    FormExpired,
    StudentBallot,
    VotingPageReason,
    ballot_entries,
    carried_fields,
    coming_elections,
    load_student_ballot,
    localized,
    open_elections,
    position_rules,
    review_line,
    submitted_on_page,
    submitted_positions,
    voted_titles,
)
from elections.web.access import current_actor, roles_required

bp = Blueprint("vote", __name__, url_prefix="/vote")

RECEIPT_KEY = "vote_receipt"
KIOSK_RETURN_SECONDS = 120  # time to copy four codes by hand; "Done" ends it sooner


def _student() -> User:
    """The signed-in student as a model object (the session, never the form, says who votes)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _refusal(error: DomainError, election_id: int | None = None) -> tuple[str, int]:
    """The page for a refused ballot: the reason, plus what the student needs to act on it."""
    message = explain(error)
    if error.reason == PollReason.not_open_yet and error.detail.get("opens"):
        opens = format_datetime(error.detail["opens"], "long")  # type: ignore[arg-type]
        message += " " + _("Voting opens on %(when)s.", when=opens)
    action = None
    if error.reason == VoteReason.already_voted and election_id is not None:
        titles = voted_titles(election_id, _student().id)
        if titles:
            message += " " + _("Where you have voted: %(positions)s.", positions=titles)
        if RECEIPT_KEY in session:  # a second click on "Cast": the first one's receipt waits
            action = (url_for("vote.receipt"), _("Show my receipt"))
    return error_page(error.status, message, action)


def _answers(positions: Iterable[PositionRules], form: FormValues) -> dict[int, RawAnswer]:
    """Read each position's submitted values."""
    return {p.id: read_answer(form, p.id, p.method) for p in positions}


Checked = tuple[dict[int, RawAnswer], dict[int, Choices], dict[int, BallotInvalid]]


def _checked(positions: Sequence[PositionRules], form: FormValues) -> Checked:
    """The submitted answers, the valid choices among them, and what is wrong with the rest."""
    answers = _answers(positions, form)
    choices, problems = validate_ballot(positions, answers)
    return answers, choices, problems


def _ballot_page(ballot: StudentBallot, entries: list[BallotEntry], status: int = 200) -> Any:
    """Render the ballot, with any kept answers and problems already in the entries."""
    page = render_template(
        "vote/ballot.html",
        election=ballot.election,
        election_title=localized(ballot.election.title, ballot.election.titles),
        entries=entries,
        problems=[e for e in entries if e.problem],
    )
    return page, status


def _review_page(
    ballot: StudentBallot, entries: list[BallotEntry], choices: Mapping[int, Choices]
) -> str:
    """Show exactly what will be cast, carrying the valid choices on to the cast."""
    return render_template(
        "vote/review.html",
        election=ballot.election,
        election_title=localized(ballot.election.title, ballot.election.titles),
        lines=[review_line(e, choices[e.position.id]) for e in entries],
        fields=carried_fields(entries, choices),
    )


@bp.get("/")
@roles_required(Role.student)
def home() -> str:
    """The student's open elections, where they have voted, and elections opening soon."""
    student = _student()
    return render_template(
        "vote/home.html",
        elections=open_elections(student, utcnow()),
        coming=coming_elections(student),
        calendar=campaign_pages.overview(student, utcnow()),
    )


@bp.route("/<int:election_id>", methods=["GET", "POST"])
@roles_required(Role.student)
def ballot(election_id: int) -> Any:
    """The ballot: every position the student has yet to vote in (POST: back from review)."""
    back = request.method == "POST"
    try:
        standing = load_student_ballot(election_id, _student(), utcnow())
        positions = submitted_on_page(standing, request.form) if back else standing.remaining
    except DomainError as error:
        return _refusal(error, election_id)
    if not positions:
        flash(_("You have already voted in every position of this election."), "info")
        return redirect(url_for("vote.home"))
    kept = _answers(map(position_rules, positions), request.form) if back else {}
    return _ballot_page(standing, ballot_entries(positions, kept))


@bp.post("/<int:election_id>/review")
@roles_required(Role.student)
def review(election_id: int) -> Any:
    """Show exactly what will be cast, or the ballot again with what needs fixing."""
    try:
        standing = load_student_ballot(election_id, _student(), utcnow())
        positions = submitted_on_page(standing, request.form)
    except DomainError as error:
        return _refusal(error, election_id)
    answers, choices, problems = _checked([position_rules(p) for p in positions], request.form)
    entries = ballot_entries(positions, answers, problems)
    if problems:
        return _ballot_page(standing, entries, 400)
    return _review_page(standing, entries, choices)


@bp.post("/<int:election_id>/cast")
@roles_required(Role.student)
def cast(election_id: int) -> Any:
    """Validate every position again and cast them all at once; refusals are logged, not kept."""
    now, student = utcnow(), _student()
    try:
        # Election day's hot path: the ballot comes from the locked booth (one statement, and
        # this process's copy of the open ballot), not from the page's models.
        booth = enter_booth(election_id, student.id, now)
        positions = submitted_positions(request.form, booth.positions, booth.eligible)
        answers, choices, problems = _checked([p.rules for p in positions], request.form)
        if problems:
            return _refused_ballot(election_id, student, now, answers, problems)
        shown = _cast(student, booth, positions, choices)
    except DomainError as error:
        record_rejected_vote(current_actor(), election_id, str(error.reason))
        return _refusal(error, election_id)
    return _hand_over(shown)


def _refused_ballot(
    election_id: int,
    student: User,
    now: datetime,
    answers: Mapping[int, RawAnswer],
    problems: Mapping[int, BallotInvalid],
) -> Any:
    """The ballot again with what needs fixing; the refusal is logged by its reasons only.

    Shown as the ballot page shows them, which refuses first if the student has voted in
    one of these positions already: that is the reason then.
    """
    standing = load_student_ballot(election_id, student, now)
    entries = ballot_entries(submitted_on_page(standing, request.form), answers, problems)
    reasons = sorted({str(p.reason) for p in problems.values()})
    record_rejected_vote(current_actor(), election_id, ",".join(reasons))
    return _ballot_page(standing, entries, 400)


def _cast(
    student: User, booth: Booth, positions: Sequence[SheetPosition], choices: Mapping[int, Choices]
) -> dict[str, Any]:
    """Cast the ballots, and the receipt to show: the election, and each position's code.

    The titles are worded before the commit, which expires the student's row the
    language comes from.
    """
    titles = {p.id: localized(p.title, p.titles) for p in positions}
    election_title = localized(booth.title, booth.titles)
    receipts = cast_in_booth(current_actor(), student.id, booth, choices)
    codes = [[titles[r.position_id], r.tracking_code] for r in receipts]
    return {"election": election_title, "codes": codes}


def _hand_over(shown: dict[str, Any]) -> Response:
    """Show the receipt: on a kiosk at once, elsewhere on its own page after a redirect."""
    if current_app.config["KIOSK_MODE"]:
        return _kiosk_receipt(shown)
    session[RECEIPT_KEY] = shown
    return redirect(url_for("vote.receipt"), code=303)


def _kiosk_receipt(shown: dict[str, Any]) -> Response:
    """On a shared computer: end the session everywhere first, then show the receipt once.

    The receipt is rendered into this response, so nothing of it waits in any session
    for the next person; the page goes back to sign-in by itself.
    """
    language = str(get_locale())
    accounts.sign_out(current_actor(), _student())
    logout_user()
    session.clear()
    g.no_store = True
    with force_locale(language):  # no language switcher: a switch would lose the receipt
        page = render_template(
            "vote/receipt.html",
            receipt=shown,
            kiosk=True,
            return_after=KIOSK_RETURN_SECONDS,
            hide_language_switcher=True,
        )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_app_request
def forget_receipt_elsewhere(response: Response) -> Response:
    """Drop the receipt from the session once the student has another page in front of them.

    Only a page shown in its place counts: not the browser's own requests (a favicon, a
    prefetch), a redirect (a change of language comes back here), the session keep-alive,
    or the refusal of a second click on "Cast", which links back to this receipt.
    """
    moved_on = (
        response.status_code == 200
        and response.mimetype == "text/html"
        and request.endpoint != "vote.receipt"
    )
    if moved_on and RECEIPT_KEY in session:
        session.pop(RECEIPT_KEY)
    return response


@bp.get("/receipt")
@roles_required(Role.student)
def receipt() -> Response:
    """Show the receipt of the ballot just cast, until the student moves on to another page."""
    shown = session.get(RECEIPT_KEY)
    if not shown:
        flash(_("A receipt is shown only once, right after you vote."), "info")
        return redirect(url_for("vote.home"))
    response = make_response(render_template("vote/receipt.html", receipt=shown, kiosk=False))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CSRFError)
def refused_token(error: CSRFError) -> tuple[str, int]:
    """A ballot form without a valid token: refused, and logged when it tried to cast."""
    refusal = FormExpired(VotingPageReason.expired_form)
    if request.endpoint == "vote.cast" and current_user.is_authenticated:
        election_id = (request.view_args or {}).get("election_id")
        record_rejected_vote(current_actor(), election_id, str(refusal.reason))
    return error_page(refusal.status, explain(refusal))

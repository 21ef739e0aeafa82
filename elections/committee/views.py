"""The committee's elections: the list, one election's page, its details and its phase changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.forms import CALENDAR_FIELDS, ElectionForm, PhaseForm
from elections.domain import lifecycle
from elections.domain.counting import CountingRules, TieRule
from elections.domain.eligibility import Rule, describe
from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import Election
from elections.operations import elections as ops
from elections.operations import lifecycle as phases
from elections.queries.phases import move_preview
from elections.web.access import current_actor, roles_required

COMMITTEE = (Role.committee, Role.admin)


def school_zone() -> ZoneInfo:
    """The school's time zone, in which the committee types and reads times."""
    return ZoneInfo(current_app.config["SCHOOL_TIMEZONE"])


def to_utc(local: datetime) -> datetime:
    """A naive time typed in the school's zone, as an aware UTC instant."""
    return local.replace(tzinfo=school_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An aware instant as the naive school-local time a form field shows."""
    return moment.astimezone(school_zone()).replace(tzinfo=None, second=0, microsecond=0)


def now() -> datetime:
    """The clock views pass to operations (operations never read it themselves)."""
    return datetime.now(UTC)


def election_or_404(election_id: int) -> Election:
    """The election with that id, or a 404 page."""
    return db.get_or_404(Election, election_id)


def to_election(election_id: int, message: str) -> Response:
    """Back to the election's page, saying what was done."""
    flash(message, "success")
    return redirect(url_for("committee.election", election_id=election_id))


def rule_text(grades: list[int], classes: list[str], shanyraks: list[str]) -> str:
    """A position's rule in words, with names as the committee typed them."""
    if not (grades or classes or shanyraks):
        return _("All students")
    parts = []
    spans = describe(Rule(grades=frozenset(grades))).grade_spans
    if spans:
        text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
        parts.append(_("grades %(grades)s", grades=text))
    if classes:
        parts.append(_("classes %(names)s", names=", ".join(classes)))
    if shanyraks:
        parts.append(_("shanyraks %(names)s", names=", ".join(shanyraks)))
    return "; ".join(parts)


@bp.app_context_processor
def committee_helpers() -> dict[str, object]:
    """Helpers the committee's templates share."""
    return {"rule_text": rule_text}


@bp.get("/")
@roles_required(*COMMITTEE)
def dashboard() -> str:
    """Every election, newest first, with its phase."""
    elections = db.session.scalars(select(Election).order_by(Election.opens_at.desc())).all()
    return render_template("committee/dashboard.html", elections=elections)


def _details(form: ElectionForm, election: Election | None = None) -> ops.ElectionDetails:
    """The form's values, with times converted from the school's zone to UTC.

    The form shows whole minutes: a time left as shown keeps the stored instant.
    """
    dates: dict[str, datetime | None] = {}
    for name in CALENDAR_FIELDS:
        typed = form[name].data
        stored = None if election is None else getattr(election, name)
        if typed is None:
            dates[name] = None
        elif stored is not None and typed == to_local(stored):
            dates[name] = stored
        else:
            dates[name] = to_utc(typed)
    limit = form.endorsement_limit.data
    if limit is None:  # left empty: keep what the election has, or the usual default
        limit = form.endorsement_limit.default if election is None else election.endorsement_limit
    tie = form.tie_rule.data or (form.tie_rule.default if election is None else election.tie_rule)
    return ops.ElectionDetails(
        title=form.title.data or "",
        description=form.description.data or "",
        endorsement_limit=limit,
        titles=form.titles(),
        counting_rules=CountingRules(tie=TieRule(tie)),
        **dates,  # type: ignore[arg-type]
    )


@bp.route("/elections/new", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def new_election() -> Response | str:
    """Create a draft election."""
    form = ElectionForm()
    if form.validate_on_submit():
        election = ops.create_election(current_actor(), _details(form))
        return to_election(
            election.id, _("Election created. Now add its positions and candidates.")
        )
    return render_template("committee/election_form.html", form=form, election=None)


def _show_stored(form: ElectionForm, election: Election) -> None:
    """Fill the form with the stored titles, and the dates in the school's time zone."""
    form.fill_titles(election.titles)
    for name in CALENDAR_FIELDS:
        stored = getattr(election, name)
        form[name].data = None if stored is None else to_local(stored)


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def edit_election(election_id: int) -> Response | str:
    """Change an election's title, description and (in draft) its voting window."""
    election = election_or_404(election_id)
    form = ElectionForm(obj=election)
    if not form.is_submitted():
        _show_stored(form, election)
    if form.validate_on_submit():
        was_scheduled = election.scheduled
        election = ops.update_election(current_actor(), election_id, _details(form, election))
        if was_scheduled and not election.scheduled:
            flash(_("The dates changed: confirm the calendar again to run it on time."), "warning")
        return to_election(election_id, _("Election saved."))
    return render_template("committee/election_form.html", form=form, election=election)


@bp.post("/elections/<int:election_id>/delete")
@roles_required(*COMMITTEE)
def delete_election(election_id: int) -> Response:
    """Delete a draft election."""
    ops.delete_election(current_actor(), election_id)
    flash(_("Election deleted."), "success")
    return redirect(url_for("committee.dashboard"))


@bp.get("/elections/<int:election_id>")
@roles_required(*COMMITTEE)
def election(election_id: int) -> str:
    """One election: its calendar, phase, actions, positions and candidates."""
    election = election_or_404(election_id)
    phase = election.current_phase
    return render_template(
        "committee/election.html",
        election=election,
        next_phases=lifecycle.next_phases(phase, election.schedule),
        can_edit_structure=lifecycle.can_edit_structure(phase),
        can_edit_candidates=lifecycle.can_edit_candidates(phase),
        can_edit_page=lifecycle.can_edit_campaign_page(phase),
        turnout_visible=lifecycle.turnout_visible(phase, Role.committee),
        is_draft=phase == Phase.draft,
        can_delete=lifecycle.can_delete(phase),
    )


@bp.post("/elections/<int:election_id>/schedule/confirm")
@roles_required(*COMMITTEE)
def confirm_schedule(election_id: int) -> Response:
    """Let the calendar open and close the election on time."""
    phases.confirm_schedule(current_actor(), election_id, now())
    return to_election(
        election_id, _("Calendar confirmed: the election will open and close on time by itself.")
    )


def _target(name: str) -> Phase:
    """The phase named in the URL, or 404."""
    try:
        return Phase(name)
    except ValueError:
        abort(404)


def _moved(target: Phase) -> str:
    """What the committee is told once the election has moved to ``target``."""
    messages = {
        Phase.open: _("Voting is open. The ballot and the roll are now frozen."),
        Phase.closed: _("Voting is closed and the ballot box is sealed."),
        Phase.published: _("The results are published."),
    }
    return messages.get(target, _("The election moved to its next phase."))


def _override(form: PhaseForm) -> dict[str, Any]:
    """Whether the committee publishes over the appeals, and its written reason."""
    return {
        "override": bool(form.override.data),
        "override_reason": form.override_reason.data or "",
    }


@bp.route("/elections/<int:election_id>/phase/<name>", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def change_phase(election_id: int, name: str) -> Response | str:
    """Ask for confirmation, then move the election to the phase: open, close or publish."""
    election = election_or_404(election_id)
    target = _target(name)
    form = PhaseForm()
    if form.validate_on_submit():
        phases.advance_election(current_actor(), election_id, target, now(), **_override(form))
        return to_election(election_id, _moved(target))
    preview = move_preview(election, target, now())
    return render_template(
        "committee/phase_confirm.html", election=election, target=target, form=form, preview=preview
    )

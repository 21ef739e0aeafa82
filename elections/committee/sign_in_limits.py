"""Sign-in limits for the committee: what is locked now, one student's count, and lifting it.

An account reaches its ceiling only through failures from many addresses, and an address
its limit only through a flood of failures, so either means someone is guessing. The page
lists what reached a limit in the last day with its count now, finds the count of one
student number, username or address (a student who says they cannot sign in), and lifts
one, which the audit log records. ``flask sign-in`` does the same from a shell.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from elections.committee.blueprint import bp
from elections.domain.roles import Role
from elections.operations import sign_in as signing_in
from elections.operations.sign_in import Scope
from elections.web.access import current_actor, roles_required

COMMITTEE = (Role.committee, Role.admin)


class LookupForm(FlaskForm):
    """Find one count: a GET form that changes nothing, so it carries no CSRF token."""

    class Meta:
        """Read from the query string."""

        csrf = False

    name = StringField(
        _l("Student number, username or IP address"), validators=[DataRequired(), Length(max=64)]
    )


class LiftForm(FlaskForm):
    """Lift one account's or one address's count."""

    scope = HiddenField(validators=[AnyOf([str(Scope.account), str(Scope.address)])])
    key = HiddenField(validators=[DataRequired(), Length(max=64)])


@bp.get("/sign-in-limits")
@roles_required(*COMMITTEE)
def sign_in_limits() -> str:
    """What reached a sign-in limit in the last day, and the count of what was looked up."""
    lookup = LookupForm(request.args)
    searched = "name" in request.args  # a first visit asks nothing, so shows no error
    found = signing_in.lookup(lookup.name.data) if searched and lookup.validate() else None
    return render_template(
        "committee/sign_in_limits.html",
        locks=signing_in.recent_locks(),
        lookup=lookup,
        found=found,
        searched=searched,
    )


@bp.post("/sign-in-limits/lift")
@roles_required(*COMMITTEE)
def lift_sign_in_limit() -> Response:
    """Clear one count, so sign-in from there (or for that account) works again at once."""
    form = LiftForm()
    if not form.validate_on_submit():
        abort(400)
    signing_in.lift(current_actor(), Scope(form.scope.data), form.key.data)
    flash(_("Lifted: sign-in works again at once."), "success")
    return redirect(url_for("committee.sign_in_limits"))

"""Results forms: downloads, the lot drawn in the room, and the one-button actions."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Optional

EXPORT_KINDS = ("results", "turnout", "ballots")
EXPORT_FORMATS = ("csv", "json", "blt", "ranks")
BALLOT_ONLY_FORMATS = ("blt", "ranks")
"""A ranked position's ballots as BLT and as the rank table: there is no such results file."""


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class ExportForm(FlaskForm):
    """Which file to download: results, turnout or one position's ballots, and its format."""

    kind = HiddenField(validators=[InputRequired(), AnyOf(EXPORT_KINDS)])
    format = HiddenField(validators=[InputRequired(), AnyOf(EXPORT_FORMATS)])
    position = IntegerField(validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        """A ballots download names its position; BLT and rank tables are ballots only."""
        if not super().validate(extra_validators):
            return False
        if self.kind.data == "ballots" and self.position.data is None:
            self.position.errors.append(_l("Choose a position."))
            return False
        if self.kind.data != "ballots" and self.format.data in BALLOT_ONLY_FORMATS:
            self.format.errors.append(_l("Only ballots come in this format."))
            return False
        return True


class RoomLotForm(FlaskForm):
    """The order of a lot drawn in the room; one place field per tied candidate is added."""

    places: int = 0

    def order(self) -> list[int]:
        """The candidate ids in the order entered, favoured first."""
        return [int(self[f"place_{n}"].data) for n in range(1, self.places + 1)]

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        """Every place filled, and no candidate in two places."""
        if not super().validate(extra_validators):
            return False
        chosen = [self[f"place_{n}"].data for n in range(1, self.places + 1)]
        if len(set(chosen)) != len(chosen):
            self[f"place_{self.places}"].errors.append(
                _l("Each tied candidate takes exactly one place.")
            )
            return False
        return True


def room_lot_form(tied: Sequence[tuple[int, str]]) -> RoomLotForm:
    """A form with one place per tied candidate, each offering every tied candidate."""

    class Form(RoomLotForm):
        pass

    choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(str(i), n) for i, n in tied]
    for place in range(1, len(tied) + 1):
        label = _l("Place %(num)d", num=place)
        setattr(
            Form,
            f"place_{place}",
            SelectField(label, choices=choices, validators=[InputRequired()]),
        )
    Form.places = len(tied)
    return Form()

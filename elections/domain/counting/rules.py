"""The election's counting rules: chosen by the committee, fixed when voting opens.

The school's regulations leave some rules to each election's committee. They are chosen
while the election is a draft, recorded in the audit log when it opens (the
``election-opened`` entry's ``counting_rules``), printed on the protocol, and handed to
every count, the app's and the verifier's alike, so nobody can pick a rule after seeing
the ballots. An election opened before a rule existed counts under its default, the rule
the app always applied.

The tie rule says what settles an exact tie at an exclusion or for the last seat(s):

- ``earlier-rounds``: previous rounds first (the tallies of the latest earlier round that
  tells the tied candidates apart), then a lot the committee draws;
- ``lot``: a lot at once, the earlier rounds not consulted;
- ``runoff``: a tie for the last seat(s), where the tied candidates are all still in the
  race for them, goes to a runoff election among them; the count stops there and elects
  only those it decided before. A runoff among the weakest cannot say who wins, so a tie
  for an exclusion with others still in the race is settled as under ``earlier-rounds``.

Ties that cannot change who is elected are settled without a lot under every rule (see
``ranked``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .errors import ElectionProblem, InvalidElection


class TieRule(StrEnum):
    """What settles an exact tie; the values are stored and written to the audit log."""

    earlier_rounds = "earlier-rounds"
    lot = "lot"
    runoff = "runoff"


@dataclass(frozen=True)
class CountingRules:
    """Every rule of one election's count that its committee chooses."""

    tie: TieRule = TieRule.earlier_rounds

    def to_dict(self) -> dict[str, str]:
        """The rules as the audit log, the manifest and the exports write them."""
        return {"tie": str(self.tie)}

    @classmethod
    def from_dict(cls, data: object) -> CountingRules:
        """Read rules written by ``to_dict``; None, or a rule missing, takes the default.

        What an election recorded before a rule existed lacks it, and was counted by its
        default. A rule this code does not know is refused rather than ignored: counting
        while ignoring one of the election's rules would give a result nobody agreed to.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping) or not set(data) <= {"tie"}:
            raise InvalidElection(ElectionProblem.bad_rules, {"given": data})
        try:
            return cls(tie=TieRule(data.get("tie", cls.tie)))
        except ValueError:
            raise InvalidElection(ElectionProblem.bad_rules, {"given": data}) from None


DEFAULT_RULES = CountingRules()
"""The rules of an election whose committee changed none, and of one opened before any existed."""

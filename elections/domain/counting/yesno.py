"""Yes/no votes on a single candidate: passed when the yes share beats the threshold."""

from fractions import Fraction

from .ballots import GroupedBallots
from .model import NO, YES, Method, StepKind, TallyResult, TraceStep


def count_yesno(candidate: int, ballots: GroupedBallots, threshold: Fraction) -> TallyResult:
    """Pass the candidate when yes / (yes + no) > threshold; blank ballots are outside the base.

    Exactly at the threshold fails, so a 50 % yes under the default threshold is not a pass,
    and a vote with no yes or no ballot at all fails too.
    """
    yes = ballots.groups.get((YES,), 0)
    no = ballots.groups.get((NO,), 0)
    share = Fraction(yes, yes + no) if yes + no else None
    passed = share is not None and share > threshold
    trace = [
        TraceStep(StepKind.count, 1, tallies={YES: Fraction(yes), NO: Fraction(no)}),
        TraceStep(
            StepKind.threshold,
            1,
            (candidate,),
            value=share,
            bar=threshold,
            total=Fraction(yes + no),
        ),
    ]
    if passed:
        trace.append(TraceStep(StepKind.elected, 1, (candidate,), value=Fraction(yes)))
    return TallyResult(
        method=Method.yesno,
        seats=1,
        candidates=(candidate,),
        total_ballots=ballots.total,
        valid_ballots=yes + no,
        blank_ballots=ballots.blank,
        first_counts={YES: yes, NO: no},
        elected=(candidate,) if passed else (),
        complete=True,
        lot_required=None,
        trace=tuple(trace),
        passed=passed,
        yes=yes,
        no=no,
        threshold=threshold,
    )

"""Turning a result into JSON-safe data for the results page, exports and the verifier."""

from fractions import Fraction
from typing import Any

from .model import TallyResult, TraceStep


def result_to_dict(result: TallyResult) -> dict[str, Any]:
    """Return the result as JSON-safe data with every figure exact.

    Fractions become strings in `str(Fraction)` form ("7/2", or "3" when whole), which
    `Fraction(text)` reads back exactly; floats would invite rounding disputes, so the page
    formats decimals itself. Mapping keys become strings (JSON objects allow no others),
    enums their stored values, and sets sorted lists. ``runoff_required`` came later than the
    other fields: a result published before it lacks the field, which reads as None.
    """
    return {
        "method": str(result.method),
        "seats": result.seats,
        "candidates": list(result.candidates),
        "total_ballots": result.total_ballots,
        "valid_ballots": result.valid_ballots,
        "blank_ballots": result.blank_ballots,
        "first_counts": {str(mark): n for mark, n in result.first_counts.items()},
        "elected": list(result.elected),
        "complete": result.complete,
        "lot_required": _sorted_or_none(result.lot_required),
        "runoff_required": _sorted_or_none(result.runoff_required),
        "quota": _exact(result.quota),
        "exhausted": _exact(result.exhausted),
        "passed": result.passed,
        "yes": result.yes,
        "no": result.no,
        "threshold": _exact(result.threshold),
        "trace": [_step_to_dict(step) for step in result.trace],
    }


def _step_to_dict(step: TraceStep) -> dict[str, Any]:
    """Return one trace step as JSON-safe data, every field present so rows share one shape."""
    return {
        "kind": str(step.kind),
        "round": step.round,
        "candidates": list(step.candidates),
        "chosen": list(step.chosen),
        "tallies": {str(mark): _exact(value) for mark, value in step.tallies.items()},
        "exhausted": _exact(step.exhausted),
        "value": _exact(step.value),
        "bar": _exact(step.bar),
        "total": _exact(step.total),
        "weight": _exact(step.weight),
        "earlier_round": step.earlier_round,
        "order": list(step.order),
        "decision": None if step.decision is None else str(step.decision),
    }


def _exact(value: Fraction | None) -> str | None:
    """Write a fraction exactly, as "num/den" or a whole number."""
    return None if value is None else str(value)


def _sorted_or_none(candidates: frozenset[int] | None) -> list[int] | None:
    """Write a set of candidates in a stable order."""
    return None if candidates is None else sorted(candidates)

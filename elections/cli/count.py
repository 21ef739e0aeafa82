"""``flask count FILE.blt``: count a ranked election from its BLT file, with no database.

The same engine that counts the school's elections counts any BLT file: the bundle's own,
or a real election's (the Scottish councils publish theirs as BLT). It prints every round,
what happened in it, and who is elected, as an operator reads it: English, with decimals to
five places (the count itself is exact; ``--exact`` prints the fractions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import click

from elections.domain.counting import (
    CountingRules,
    Method,
    StepKind,
    TallyResult,
    TieRule,
    TraceStep,
    count,
)
from elections.domain.counting.blt import BltError, RankedBallots, read_blt

Figure = Callable[[Fraction | None], str]


@click.command("count")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tie-rule",
    type=click.Choice([str(rule) for rule in TieRule]),
    default=str(TieRule.earlier_rounds),
    show_default=True,
    help="How an exact tie is settled (a lot is never drawn here: the count stops instead).",
)
@click.option("--exact", is_flag=True, help="Print exact fractions instead of decimals.")
def count_command(path: Path, tie_rule: str, exact: bool) -> None:
    """Count the ranked ballots of a BLT file and print the rounds and the elected."""
    try:
        election = read_blt(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text") from None
    except BltError as error:
        raise click.ClickException(f"{path}: {error}") from None
    result = count(
        Method.ranked,
        election.candidates,
        election.spelled_out(),
        seats=election.seats,
        rules=CountingRules(tie=TieRule(tie_rule)),
    )
    for line in report(election, result, str if exact else five_places):
        click.echo(line)
    if not result.complete:
        raise SystemExit(1)


def five_places(value: Fraction | None) -> str:
    """A figure as the Scottish results print them: whole, or to five decimal places."""
    if value is None:
        return "-"
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator / value.denominator:.5f}"


def report(election: RankedBallots, result: TallyResult, figure: Figure) -> Iterator[str]:
    """The count as lines of text: the election, each round's tallies and steps, the outcome."""
    names = dict(zip(range(1, len(election.names) + 1), election.names, strict=True))
    width = max(len(name) for name in election.names)
    yield election.title
    yield (
        f"{len(election.candidates)} candidates, {election.seats} seats; "
        f"{result.total_ballots} ballots ({result.blank_ballots} blank)"
        + ("" if result.quota is None else f"; quota {figure(result.quota)}")
    )
    for step in result.trace:
        if step.kind is StepKind.count:
            yield f"Round {step.round}"
            for candidate, votes in step.tallies.items():
                yield f"  {names[int(candidate)]:<{width}}  {figure(votes)}"
            yield f"  {'exhausted':<{width}}  {figure(step.exhausted)}"
        else:
            yield f"  -> {step_line(step, names, figure)}"
    elected = ", ".join(names[c] for c in result.elected) or "nobody"
    if result.complete:
        yield f"Elected: {elected}"
    else:
        yield f"Not finished: elected so far: {elected}; the tie needs a lot or a runoff."


def step_line(step: TraceStep, names: dict[int, str], figure: Figure) -> str:
    """One step of the trace in a few words."""
    who = _names(step.candidates, names)
    chosen = _names(step.chosen, names)
    decision = f"for {step.decision}" if step.decision else ""
    lines: dict[StepKind, Callable[[], str]] = {
        StepKind.elected: lambda: f"elected: {who} with {figure(step.value)} votes",
        StepKind.majority: lambda: (
            f"elected: {who} with {figure(step.value)} of {figure(step.total)} continuing votes"
        ),
        StepKind.elected_remaining: lambda: f"elected: {who} (no more candidates than seats)",
        StepKind.transfer: lambda: (
            f"surplus of {who} ({figure(step.value)}) transferred at {figure(step.weight)}"
            " of each ballot's value"
        ),
        StepKind.eliminated: lambda: f"eliminated: {who} with {figure(step.value)} votes",
        StepKind.tie_backwards: lambda: (
            f"tie {decision} among {who}: round {step.earlier_round} singles out {chosen}"
        ),
        StepKind.tie_lot: lambda: f"tie {decision} among {who}: the lot picks {chosen}",
        StepKind.tie_immaterial: lambda: (
            f"tie {decision} among {who} changes nobody elected: {chosen} taken"
        ),
        StepKind.lot_required: lambda: f"tie {decision} among {who}: a lot is required",
        StepKind.runoff_required: lambda: f"tie for the last seats among {who}: runoff required",
    }
    return lines[step.kind]()


def _names(candidates: Sequence[int], names: dict[int, str]) -> str:
    """Candidates' names, comma-separated."""
    return ", ".join(names[c] for c in candidates)

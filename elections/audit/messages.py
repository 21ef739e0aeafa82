"""Verification verdicts in the reader's language; operators' tools print English."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elections.domain.verification import Check, CheckKind, Figures, Report, Status
from elections.i18n.language import tie_rule_label

CHECK_NAMES = {
    CheckKind.bundle: _l("Export"),
    CheckKind.chain: _l("Hash chain"),
    CheckKind.log_head: _l("Head of the log"),
    CheckKind.published_head: _l("Head published with the results"),
    CheckKind.rules_recorded: _l("Counting rules recorded at opening"),
    CheckKind.participation: _l("Participation"),
    CheckKind.seal: _l("Seal of the ballot box"),
    CheckKind.seal_recorded: _l("Seal recorded in the log"),
    CheckKind.tracking_codes: _l("Tracking codes"),
    CheckKind.lots: _l("Lots"),
    CheckKind.recount_files: _l("BLT file and rank table"),
    CheckKind.recount: _l("Recount"),
    CheckKind.result_recorded: _l("Result recorded in the log"),
}

PROBLEMS = {
    "gap": _l("Entry %(seq)s is missing: the log jumps over it."),
    "reordered": _l("The entries are out of order at entry %(seq)s."),
    "duplicate-seq": _l("Entry %(seq)s appears twice, or where an earlier number belongs."),
    "bad-genesis": _l("Entry 1 does not start the chain."),
    "prev-hash-mismatch": _l("Entry %(seq)s does not link to the entry before it."),
    "hash-mismatch": _l("Entry %(seq)s does not match its own hash: it was changed."),
    "head-mismatch": _l("Entry %(seq)s is not the entry the head names: history was rewritten."),
    "truncated": _l("The log ends before entry %(seq)s, which the head names."),
    "unreadable": _l("The export cannot be read (%(where)s)."),
    "key-required": _l("The log is keyed: its key is needed to check the hashes."),
    "head-differs": _l(
        "The recorded head is entry %(expected_seq)s, but the log ends at %(found_seq)s."
    ),
    "no-published-head": _l("The results were published without the head of the audit log."),
    "participation-differs": _l("Students who took part: %(participation)s; ballots: %(ballots)s."),
    "not-sealed": _l("The ballot box was never sealed."),
    "seal-count-differs": _l("Ballots by the seal: %(sealed)s; ballots in the box: %(ballots)s."),
    "seal-digest-differs": _l(
        "The ballots no longer match the seal: one was changed, added or removed."
    ),
    "recorded-seal-differs": _l("The seal differs from the one the audit log recorded at closing."),
    "bad-tracking-code": _l("A ballot has a malformed tracking code."),
    "duplicate-tracking-code": _l("Two ballots share a tracking code."),
    "bad-ballot": _l("A ballot cannot be read."),
    "cannot-count": _l("The ballots cannot be counted."),
    "no-result": _l("There is no published result."),
    "candidates-differ": _l("The published result counts other candidates than the ballot paper."),
    "result-differs": _l("The recount differs from the published result in: %(field)s."),
    "recorded-result-differs": _l("The result differs from the one the audit log recorded."),
    "nothing-to-count": _l("Nobody stood here, so there is nothing to count."),
    "not-recorded": _l("The audit log holds no record of it."),
    "head-not-publication": _l(
        "Entry %(head_seq)s, the head published with the results, is not this election's"
        " publication entry."
    ),
    "position-missing": _l(
        "The audit log sealed this position's ballot box, but the records no longer hold it."
    ),
    "lot-not-seeded-order": _l("A lot's order is not the one its seed %(seed)s gives."),
    "lots-differ": _l(
        "Lots in the records: %(lots)s; lots the audit log recorded: %(recorded)s. They differ."
    ),
    "recorded-rules-differ": _l(
        "The counting rules (ties settled by: %(tie)s) differ from the ones the audit log"
        " recorded when voting opened."
    ),
    "recount-file-differs": _l("%(file)s, line %(line)s, is not what the sealed ballots give."),
    "chain-broken": _l("Not checked, because the chain is broken."),
}

# The parts of a result a recount compares, by their names in the published data.
RESULT_PARTS = {
    "method": _l("the counting method"),
    "seats": _l("the number of seats"),
    "candidates": _l("the candidates counted"),
    "total_ballots": _l("the number of ballots"),
    "valid_ballots": _l("the number of valid ballots"),
    "blank_ballots": _l("the number of blank ballots"),
    "first_counts": _l("the votes per candidate"),
    "elected": _l("who is elected"),
    "complete": _l("whether every seat is filled"),
    "lot_required": _l("the tie to be drawn by lot"),
    "runoff_required": _l("the tie to be settled by a runoff"),
    "quota": _l("the quota"),
    "exhausted": _l("the exhausted ballots"),
    "passed": _l("whether the question passed"),
    "yes": _l("the yes votes"),
    "no": _l("the no votes"),
    "threshold": _l("the threshold"),
    "trace": _l("the round-by-round count"),
}

CONFIRMED = {
    CheckKind.log_head: _l("The recorded head is the last entry, %(found_seq)s."),
    CheckKind.published_head: _l("Entry %(head_seq)s is the head published with the results."),
    CheckKind.participation: _l("Ballots: %(ballots)s, as many as the students who took part."),
    CheckKind.seal: _l("Ballots matching the seal: %(ballots)s."),
    CheckKind.seal_recorded: _l("The seal is the one recorded in the log at closing."),
    CheckKind.tracking_codes: _l("Tracking codes: %(codes)s, each different."),
    CheckKind.rules_recorded: _l(
        "The counting rules are the ones recorded when voting opened. Ties settled by: %(tie)s."
    ),
    CheckKind.lots: _l("Lots: %(lots)s, each as the audit log recorded it."),
    CheckKind.recount_files: _l("%(files)s: made again from the sealed ballots, byte for byte."),
    CheckKind.recount: _l("Counting the ballots again gives the published result."),
    CheckKind.result_recorded: _l("The result is the one recorded in the log at publication."),
}


def check_name(check: Check) -> str:
    """The name of what a check looks at."""
    return str(CHECK_NAMES[check.kind])


def explain_check(check: Check, report: Report) -> str:
    """A sentence saying what a check found, naming the entry, position or figures."""
    values = Figures(seq=check.seq, **check.detail)
    if "tie" in check.detail:
        values["tie"] = tie_rule_label(str(check.detail["tie"]))
    if "field" in check.detail:
        values["field"] = str(RESULT_PARTS.get(str(check.detail["field"]), check.detail["field"]))
    if check.status != Status.ok:
        return str(PROBLEMS.get(str(check.problem), check.problem)) % values
    if check.kind == CheckKind.chain and report.head is not None:
        return _(
            "Chain intact. Entries: %(entries)d; head: %(seq)d %(hash)s.",
            entries=report.entries,
            seq=report.head.seq,
            hash=report.head.hash,
        )
    return str(CONFIRMED.get(check.kind, _l("Holds."))) % values


def summary(report: Report) -> str:
    """One sentence on the whole verification: intact with its head, or the first failure."""
    failure = report.first_failure
    if failure is None:
        return explain_check(report.chain, report)
    return _(
        "Verification failed: %(check)s: %(problem)s",
        check=check_name(failure),
        problem=explain_check(failure, report),
    )

"""The pure verification core: every check, and each kind of tampering named where it happened."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from elections.domain import codes, counting
from elections.domain.audit_chain import ChainHead, ChainProblem, format_time, make_entry
from elections.domain.ballot import encode_ballot, seal_digest
from elections.domain.recount_files import RecountFile, RecountFormat
from elections.domain.verification import (
    BallotRecord,
    CandidateRecord,
    CheckKind,
    ElectionRecord,
    LotRecord,
    PositionRecord,
    Problem,
    SealRecord,
    Status,
    describe,
    recount_texts,
    result_digest,
    results_detail,
    verify,
)

T0 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
KEY = b"kept-outside-the-database"
ELECTION = 7
SINGLE, RANKED = 70, 71


def ballots_of(position_id: int, choices: list[tuple], seed: int = 1) -> tuple[BallotRecord, ...]:
    """Ballots with random-looking ids and real tracking codes, sorted by id as exported."""
    rng = random.Random(seed)
    made = [
        BallotRecord(f"{rng.getrandbits(64):016x}", encode_ballot(c), codes.new_tracking_code(rng))
        for c in choices
    ]
    return tuple(sorted(made, key=lambda b: b.id))


def sealed(position_id: int, ballots: tuple[BallotRecord, ...]) -> SealRecord:
    """The seal the closing would record over these ballots."""
    triples = [(b.id, b.tracking_code, b.choices) for b in ballots]
    return SealRecord(len(ballots), seal_digest(position_id, triples))


def position(
    pid: int,
    method: str,
    candidates: tuple[int, ...],
    choices: list[tuple],
    *,
    seats: int = 1,
    lots: tuple[LotRecord, ...] = (),
    published: bool = True,
) -> PositionRecord:
    """A position as exported: ballots, seal, participation and (when published) its result."""
    ballots = ballots_of(pid, choices, seed=pid)
    tally = counting.count(
        method,
        candidates,
        [tuple(c) for c in choices],
        seats=seats,
        lots=[lot.drawn_order for lot in lots],
        threshold=Fraction(1, 2),
    )
    return PositionRecord(
        id=pid,
        title=f"Position {pid}",
        method=method,
        seats=seats,
        allow_blank=True,
        threshold_percent=50,
        candidates=tuple(CandidateRecord(c, f"Candidate {c}") for c in candidates),
        participation=len(choices),
        ballots=ballots,
        seal=sealed(pid, ballots),
        lots=lots,
        result=counting.result_to_dict(tally) if published else None,
    )


def seal_entry_details(positions: list[PositionRecord]) -> dict:
    """What ``operations.lifecycle`` records as ``ballot-box-sealed``."""
    return {
        "positions": [
            {"position_id": p.id, "ballots": p.seal.ballot_count, "digest": p.seal.digest}
            for p in positions
        ]
    }


def lot_entry_details(pid: int, lot: LotRecord) -> dict:
    """What ``operations.results`` records as ``lot-recorded``."""
    return {
        "position_id": pid,
        "tied": sorted(lot.tied),
        "order": list(lot.drawn_order),
        "drawn": "by-app" if lot.seed else "in-room",
        "seed": lot.seed or "drawn in the room",
    }


def log_of(actions: list[tuple[str, int | None, dict]], key: bytes | None = None) -> list:
    """A valid chain of entries, one per (action, election_id, details)."""
    entries, prev = [], None
    for i, (action, election_id, details) in enumerate(actions):
        prev = make_entry(
            prev,
            occurred_at=format_time(T0 + timedelta(minutes=i)),
            actor="committee1" if i % 2 else None,
            actor_role="committee",
            action=action,
            election_id=election_id,
            details=details,
            key=key,
        )
        entries.append(prev)
    return entries


def scenario(*, key: bytes | None = None) -> tuple[list, ElectionRecord]:
    """A published election of two positions and the log that ran it."""
    single = position(SINGLE, "single", (1, 2, 3), [(1,), (1,), (2,), (), (3,), (1,)])
    ranked = position(RANKED, "ranked", (4, 5, 6), [(4, 5), (5, 4), (6, 4), (4,), (5, 6, 4)])
    return published_with([single, ranked], key=key)


def published_with(
    positions: list[PositionRecord], key: bytes | None = None
) -> tuple[list, ElectionRecord]:
    """A published election of these positions and the log that ran it, as the app writes it."""
    entries = log_of(
        [
            ("sign-in", None, {}),
            ("election-opened", ELECTION, {"eligible": 6}),
            *[("voted", ELECTION, {}) for _ in range(6)],
            ("election-closed", ELECTION, {}),
            ("ballot-box-sealed", ELECTION, seal_entry_details(positions)),
            *[
                ("lot-recorded", ELECTION, lot_entry_details(p.id, lot))
                for p in positions
                for lot in p.lots
            ],
            (
                "election-published",
                ELECTION,
                {"to": "published"}
                | results_detail([(p.id, p.result) for p in positions if p.result is not None]),
            ),
        ],
        key=key,
    )
    head = ChainHead(entries[-1].seq, entries[-1].hash)
    election = ElectionRecord(ELECTION, "Council", "published", tuple(positions), head)
    return entries, election


def replace_position(election: ElectionRecord, pid: int, **changes) -> ElectionRecord:
    """The election with one position's record changed."""
    positions = tuple(
        dataclasses.replace(p, **changes) if p.id == pid else p for p in election.positions
    )
    return dataclasses.replace(election, positions=positions)


def verdict(report, kind: CheckKind, position_id: int | None = None):
    """The one check of a kind (for a position) in a report."""
    [check] = [c for c in report.checks if c.kind == kind and c.position_id == position_id]
    return check


def test_an_honest_election_passes_every_check():
    entries, election = scenario()
    report = verify(entries, [election], log_head=ChainHead(entries[-1].seq, entries[-1].hash))
    assert report.ok
    assert report.first_failure is None
    assert report.entries == len(entries)
    assert report.head == (entries[-1].seq, entries[-1].hash)
    for pid in (SINGLE, RANKED):
        for kind in (
            CheckKind.participation,
            CheckKind.seal,
            CheckKind.seal_recorded,
            CheckKind.tracking_codes,
            CheckKind.recount,
        ):
            assert verdict(report, kind, pid).status == Status.ok
        assert verdict(report, CheckKind.result_recorded, pid).status == Status.ok
    line = describe(report.chain, report)
    assert line.startswith(f"OK   audit log chain: chain intact: {len(entries)} entries, head")
    assert entries[-1].hash in line


def test_recorded_results_are_checked_against_the_published_ones():
    entries, election = scenario()
    report = verify(entries, [election])
    assert verdict(report, CheckKind.result_recorded, SINGLE).status == Status.ok
    changed = dict(election.positions[0].result, elected=[2])
    tampered = verify(entries, [replace_position(election, SINGLE, result=changed)])
    check = verdict(tampered, CheckKind.result_recorded, SINGLE)
    assert check.problem == Problem.recorded_result_differs
    assert verdict(tampered, CheckKind.recount, SINGLE).problem == Problem.result_differs


def test_result_digest_is_canonical_json():
    assert result_digest({"b": 1, "a": "Ә"}) == result_digest({"a": "Ә", "b": 1})
    assert result_digest({"a": 1}) != result_digest({"a": 2})


@pytest.mark.parametrize(
    ("tamper", "problem", "seq"),
    [
        ("edit", ChainProblem.hash_mismatch, 4),
        ("delete", ChainProblem.gap, 4),
        ("insert", ChainProblem.duplicate_seq, 4),
        ("reorder", ChainProblem.reordered, 4),
    ],
)
def test_a_tampered_log_names_the_entry_and_stops_the_anchored_checks(tamper, problem, seq):
    entries, election = scenario()
    if tamper == "edit":
        entries[3] = dataclasses.replace(entries[3], actor="someone-else")
    elif tamper == "delete":
        del entries[3]
    elif tamper == "insert":
        entries.insert(4, dataclasses.replace(entries[3], actor="forged"))
    else:
        entries[3], entries[4] = entries[4], entries[3]
    report = verify(entries, [election])
    assert not report.ok
    assert report.first_failure == report.chain
    assert (report.chain.problem, report.chain.seq) == (problem, seq)
    assert verdict(report, CheckKind.published_head).problem == Problem.chain_broken
    assert verdict(report, CheckKind.seal_recorded, SINGLE).status == Status.skipped
    assert f"entry {seq}" in describe(report.chain, report)


def test_a_keyed_log_verifies_with_its_key_and_fails_without():
    entries, election = scenario(key=KEY)
    assert verify(entries, [election], key=KEY).ok
    without = verify(entries, [election], keyed=True)
    assert without.chain.problem == Problem.key_required
    wrong = verify(entries, [election], key=b"guess")
    assert (wrong.chain.problem, wrong.chain.seq) == (ChainProblem.hash_mismatch, 1)


def test_newest_entries_cut_off_are_caught_by_the_recorded_head():
    entries, _election = scenario()
    head = ChainHead(entries[-1].seq, entries[-1].hash)
    report = verify(entries[:-2], [], log_head=head)
    check = verdict(report, CheckKind.log_head)
    assert (check.problem, check.seq) == (Problem.head_differs, head.seq)
    assert check.detail["found_seq"] == head.seq - 2


def test_an_entry_slipped_in_after_the_recorded_head_is_caught():
    entries, _election = scenario()
    head = ChainHead(entries[-2].seq, entries[-2].hash)
    assert verdict(verify(entries, log_head=head), CheckKind.log_head).failed


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (None, Problem.no_published_head),
        ("other-hash", ChainProblem.head_mismatch),
        ("beyond-end", ChainProblem.truncated),
    ],
)
def test_the_published_head_must_be_in_the_chain(head, problem):
    entries, election = scenario()
    last = entries[-1]
    changed = {
        None: None,
        "other-hash": ChainHead(last.seq, "f" * 64),
        "beyond-end": ChainHead(last.seq + 5, "e" * 64),
    }[head]
    report = verify(entries, [dataclasses.replace(election, published_head=changed)])
    check = verdict(report, CheckKind.published_head)
    assert check.problem == problem
    assert check.election_id == ELECTION
    assert report.first_failure == check


def test_a_ballot_added_after_the_seal_is_named_by_position():
    entries, election = scenario()
    ranked = election.positions[1]
    extra = BallotRecord("ffffffffffffffff", encode_ballot((6,)), "ABCD-EFGH-JK")
    report = verify(entries, [replace_position(election, RANKED, ballots=(*ranked.ballots, extra))])
    first = report.first_failure
    assert (first.kind, first.position_id) == (CheckKind.participation, RANKED)
    assert first.detail == {"participation": 5, "ballots": 6}
    seal = verdict(report, CheckKind.seal, RANKED)
    assert (seal.problem, seal.detail) == (Problem.seal_count_differs, {"sealed": 5, "ballots": 6})
    assert verdict(report, CheckKind.seal, SINGLE).status == Status.ok
    assert "position 71" in describe(first)


def test_a_ballot_removed_after_the_seal_is_caught():
    entries, election = scenario()
    single = election.positions[0]
    report = verify(entries, [replace_position(election, SINGLE, ballots=single.ballots[1:])])
    assert verdict(report, CheckKind.seal, SINGLE).problem == Problem.seal_count_differs
    assert verdict(report, CheckKind.recount, SINGLE).problem == Problem.result_differs


def test_a_ballot_altered_after_the_seal_breaks_the_digest_and_the_recount():
    entries, election = scenario()
    single = election.positions[0]
    altered = dataclasses.replace(single.ballots[0], choices=encode_ballot((3,)))
    report = verify(
        entries, [replace_position(election, SINGLE, ballots=(altered, *single.ballots[1:]))]
    )
    assert verdict(report, CheckKind.participation, SINGLE).status == Status.ok
    assert verdict(report, CheckKind.seal, SINGLE).problem == Problem.seal_digest_differs
    assert report.first_failure.position_id == SINGLE


def test_tracking_codes_swapped_after_the_seal_break_the_digest():
    entries, election = scenario()
    first, second, *rest = election.positions[0].ballots
    swapped = (
        dataclasses.replace(first, tracking_code=second.tracking_code),
        dataclasses.replace(second, tracking_code=first.tracking_code),
        *rest,
    )
    report = verify(entries, [replace_position(election, SINGLE, ballots=swapped)])
    assert verdict(report, CheckKind.seal, SINGLE).problem == Problem.seal_digest_differs


def test_ballots_seal_and_result_rewritten_together_differ_from_the_recorded_seal():
    entries, election = scenario()
    single = election.positions[0]
    altered = (dataclasses.replace(single.ballots[0], choices=encode_ballot((3,))),)
    ballots = altered + single.ballots[1:]
    rewritten = replace_position(election, SINGLE, ballots=ballots, seal=sealed(SINGLE, ballots))
    report = verify(entries, [rewritten])
    assert verdict(report, CheckKind.seal, SINGLE).status == Status.ok
    assert verdict(report, CheckKind.seal_recorded, SINGLE).problem == Problem.recorded_seal_differs


def test_an_unsealed_box_fails():
    entries, election = scenario()
    report = verify(entries, [replace_position(election, SINGLE, seal=None)])
    assert verdict(report, CheckKind.seal, SINGLE).problem == Problem.not_sealed


@pytest.mark.parametrize(
    ("codes_of", "problem"),
    [
        (lambda b: [b[0].tracking_code] * len(b), Problem.duplicate_tracking_code),
        (lambda b: ["abcd-efgh-jk", *(x.tracking_code for x in b[1:])], Problem.bad_tracking_code),
    ],
)
def test_tracking_codes_are_well_formed_and_unique(codes_of, problem):
    entries, election = scenario()
    single = election.positions[0]
    changed = tuple(
        dataclasses.replace(b, tracking_code=c)
        for b, c in zip(single.ballots, codes_of(single.ballots), strict=True)
    )
    report = verify(entries, [replace_position(election, SINGLE, ballots=changed)])
    check = verdict(report, CheckKind.tracking_codes, SINGLE)
    assert check.problem == problem
    assert check.detail["ballot"] in {b.id for b in single.ballots}


@pytest.mark.parametrize(
    ("field", "value"),
    [("elected", [2]), ("first_counts", {"1": 9, "2": 1, "3": 1}), ("blank_ballots", 0)],
)
def test_a_changed_published_result_names_the_field(field, value):
    entries, election = scenario()
    changed = dict(election.positions[0].result, **{field: value})
    report = verify(entries, [replace_position(election, SINGLE, result=changed)])
    check = verdict(report, CheckKind.recount, SINGLE)
    assert (check.problem, check.detail) == (Problem.result_differs, {"field": field})
    assert f"'{field}'" in describe(check)


def test_the_published_candidate_order_is_kept_but_the_set_must_match():
    entries, election = scenario()
    single = election.positions[0]
    reordered = counting.result_to_dict(
        counting.count("single", (3, 1, 2), [(1,), (1,), (2,), (), (3,), (1,)])
    )
    report = verify(entries, [replace_position(election, SINGLE, result=reordered)])
    assert verdict(report, CheckKind.recount, SINGLE).status == Status.ok
    fewer = dict(single.result, candidates=[1, 2])
    report = verify(entries, [replace_position(election, SINGLE, result=fewer)])
    assert verdict(report, CheckKind.recount, SINGLE).problem == Problem.candidates_differ


def test_unreadable_ballots_and_missing_results_fail_the_recount():
    entries, election = scenario()
    single = election.positions[0]
    broken = (dataclasses.replace(single.ballots[0], choices="[1, 2]"), *single.ballots[1:])
    report = verify(entries, [replace_position(election, SINGLE, ballots=broken)])
    check = verdict(report, CheckKind.recount, SINGLE)
    assert (check.problem, check.detail["ballot"]) == (Problem.bad_ballot, single.ballots[0].id)
    report = verify(entries, [replace_position(election, SINGLE, result=None)])
    assert verdict(report, CheckKind.recount, SINGLE).problem == Problem.no_result


def test_the_recount_uses_the_lots_drawn():
    tied = [(1,), (2,), (1,), (2,)]
    lot = LotRecord((1, 2), (2, 1), seed=None)
    with_lot = position(SINGLE, "single", (1, 2), tied, lots=(lot,))
    assert with_lot.result["elected"] == [2]
    entries, election = published_with([with_lot])
    assert verify(entries, [election]).ok
    no_lot = replace_position(election, SINGLE, lots=())
    check = verdict(verify(entries, [no_lot]), CheckKind.recount, SINGLE)
    assert check.problem == Problem.result_differs


def test_a_ballot_for_an_unknown_candidate_is_reported_as_uncountable():
    entries, election = scenario()
    single = election.positions[0]
    forged = (
        dataclasses.replace(single.ballots[0], choices=encode_ballot((99,))),
        *single.ballots[1:],
    )
    report = verify(entries, [replace_position(election, SINGLE, ballots=forged)])
    check = verdict(report, CheckKind.recount, SINGLE)
    assert check.problem == Problem.cannot_count
    assert check.detail["reason"]


def test_a_closed_election_is_checked_without_a_recount():
    entries, election = scenario()
    entries = entries[:-1]  # the log has not recorded a publication yet
    closed = dataclasses.replace(
        election,
        phase="closed",
        published_head=None,
        positions=tuple(dataclasses.replace(p, result=None) for p in election.positions),
    )
    report = verify(entries, [closed])
    assert report.ok
    assert {c.kind for c in report.checks}.isdisjoint(
        {CheckKind.recount, CheckKind.published_head, CheckKind.result_recorded}
    )


def test_the_first_failure_follows_report_order():
    entries, election = scenario()
    del entries[2]
    report = verify(entries, [replace_position(election, RANKED, seal=None)])
    assert report.first_failure.kind == CheckKind.chain
    assert [c.kind for c in report.checks if c.failed] == [CheckKind.chain, CheckKind.seal]


def test_a_position_nobody_stood_for_has_nothing_to_recount():
    entries, election = scenario()
    empty = PositionRecord(
        id=99,
        title="Nobody stood",
        method="single",
        seats=1,
        allow_blank=True,
        threshold_percent=50,
        candidates=(),
        participation=0,
        ballots=(),
        seal=sealed(99, ()),
    )
    with_empty = dataclasses.replace(election, positions=(*election.positions, empty))
    report = verify(entries, [with_empty])
    assert verdict(report, CheckKind.recount, 99).problem == Problem.nothing_to_count
    assert verdict(report, CheckKind.seal, 99).status == Status.ok
    assert verdict(report, CheckKind.seal_recorded, 99).problem == Problem.recorded_seal_differs
    # Had it been on the ballot when the box was sealed, nothing would be amiss: no result
    # was published for it and none recorded.
    entries, honest = published_with(list(with_empty.positions))
    report = verify(entries, [honest])
    assert report.ok
    assert verdict(report, CheckKind.result_recorded, 99).status == Status.ok


# Someone with write access to the database, but not the chain's key, cuts the log back.


def cut_back_before_closing(entries: list, election: ElectionRecord) -> tuple[list, ElectionRecord]:
    """The log without its closing entries, the published head moved to the new last one."""
    closing = next(i for i, e in enumerate(entries) if e.action == "election-closed")
    kept = entries[:closing]
    return kept, dataclasses.replace(
        election, published_head=ChainHead(kept[-1].seq, kept[-1].hash)
    )


def test_a_log_cut_back_before_closing_fails_the_checks_it_would_have_silenced():
    entries, election = scenario(key=KEY)
    kept, rewound = cut_back_before_closing(entries, election)
    report = verify(kept, [rewound], key=KEY, log_head=ChainHead(kept[-1].seq, kept[-1].hash))
    assert report.chain.status == Status.ok  # every remaining entry is genuine
    head = verdict(report, CheckKind.published_head)
    assert head.problem == Problem.head_not_publication
    for pid in (SINGLE, RANKED):
        assert verdict(report, CheckKind.seal_recorded, pid).problem == Problem.not_recorded
        assert verdict(report, CheckKind.result_recorded, pid).problem == Problem.not_recorded
    assert "not this election's publication entry" in describe(head)


def test_the_head_on_paper_shows_the_newest_entries_are_gone():
    entries, election = scenario(key=KEY)
    paper = ChainHead(entries[-1].seq, entries[-1].hash)
    kept, rewound = cut_back_before_closing(entries, election)
    report = verify(kept, [rewound], key=KEY, expected_head=paper)
    assert (report.chain.problem, report.chain.seq) == (ChainProblem.truncated, len(kept) + 1)
    assert verify(entries, [election], key=KEY, expected_head=paper).ok


def test_the_head_must_be_this_elections_publication_not_anothers():
    entries, election = scenario()
    other = dataclasses.replace(election, id=ELECTION + 1, published_head=election.published_head)
    check = verdict(verify(entries, [other]), CheckKind.published_head)
    assert check.problem == Problem.head_not_publication


def test_a_record_claiming_closed_cannot_skip_the_checks_of_a_published_election():
    entries, election = scenario()
    single = election.positions[0]
    changed = dict(single.result, elected=[2])
    claimed = dataclasses.replace(
        replace_position(election, SINGLE, result=changed), phase="closed", published_head=None
    )
    report = verify(entries, [claimed])
    assert verdict(report, CheckKind.published_head).problem == Problem.no_published_head
    assert verdict(report, CheckKind.recount, SINGLE).problem == Problem.result_differs


def test_a_position_whose_box_was_sealed_cannot_vanish_from_the_records():
    entries, election = scenario()
    without_ranked = dataclasses.replace(election, positions=election.positions[:1])
    report = verify(entries, [without_ranked])
    assert not report.ok
    check = report.first_failure
    assert (check.kind, check.problem, check.position_id) == (
        CheckKind.seal_recorded,
        Problem.position_missing,
        RANKED,
    )


# Lots: the committee's draw decides tied seats, so the records must hold the draw the log saw.


def tied_position(lot: LotRecord) -> PositionRecord:
    """A single seat tied between candidates 1 and 2, settled by ``lot``."""
    return position(SINGLE, "single", (1, 2), [(1,), (2,), (1,), (2,)], lots=(lot,))


SEED = "00" * 16


def test_a_seeded_lot_as_its_seed_orders_it_passes():
    lot = LotRecord((1, 2), counting.lot_order(SEED, (1, 2)), seed=SEED)
    entries, election = published_with([tied_position(lot)])
    report = verify(entries, [election])
    assert report.ok
    assert verdict(report, CheckKind.lots, SINGLE).detail == {"lots": 1}


def test_a_lot_the_records_hold_in_another_order_than_the_log_is_caught():
    drawn = LotRecord((1, 2), (1, 2), seed=None)  # drawn in the room: 1 favoured
    entries, _election = published_with([tied_position(drawn)])
    swapped = LotRecord((1, 2), (2, 1), seed=None)
    # The records were changed to match: the swapped lot, and the result it gives.
    _entries, forged = published_with([tied_position(swapped)])
    report = verify(entries, [forged])
    check = verdict(report, CheckKind.lots, SINGLE)
    assert (check.problem, check.detail) == (Problem.lots_differ, {"lots": 1, "recorded": 1})
    assert verdict(report, CheckKind.recount, SINGLE).status == Status.ok


def test_a_lot_removed_from_the_records_is_caught():
    entries, election = published_with([tied_position(LotRecord((1, 2), (2, 1)))])
    report = verify(entries, [replace_position(election, SINGLE, lots=())])
    check = verdict(report, CheckKind.lots, SINGLE)
    assert (check.problem, check.detail) == (Problem.lots_differ, {"lots": 0, "recorded": 1})


def test_a_seeded_lot_whose_order_is_not_its_seeds_is_caught():
    against = tuple(reversed(counting.lot_order(SEED, (1, 2))))
    lot = LotRecord((1, 2), against, seed=SEED)
    entries, election = published_with([tied_position(lot)])
    check = verdict(verify(entries, [election]), CheckKind.lots, SINGLE)
    assert check.problem == Problem.lot_not_seeded_order
    assert SEED in describe(check)


def test_a_lot_entry_naming_no_position_is_ignored_not_a_crash():
    lot = LotRecord((1, 2), (2, 1))
    entries, election = published_with([tied_position(lot)])
    forged = log_of(
        [(e.action, e.election_id, dict(e.details)) for e in entries]
        + [("lot-recorded", ELECTION, {"position_id": [SINGLE], "tied": [1, 2], "order": [1, 2]})]
    )
    report = verify(forged, [election])  # a crash before: a list is no dictionary key
    assert verdict(report, CheckKind.lots, SINGLE).status == Status.ok


# The counting rules recorded at opening, and the recount files of a ranked position.


def opened_with(entries: list, rules: object) -> list:
    """The same log, its ``election-opened`` entry carrying these counting rules."""
    actions = [
        (
            e.action,
            e.election_id,
            {**e.details, "counting_rules": rules} if e.action == "election-opened" else e.details,
        )
        for e in entries
    ]
    return log_of(actions)


def head_of(entries: list) -> ChainHead:
    """The head the publication recorded: the log's last entry."""
    return ChainHead(entries[-1].seq, entries[-1].hash)


def test_the_rules_recorded_at_opening_are_checked():
    entries, election = scenario()
    entries = opened_with(entries, {"tie": "earlier-rounds"})
    election = dataclasses.replace(election, published_head=head_of(entries))

    check = verdict(verify(entries, [election]), CheckKind.rules_recorded)

    assert check.status == Status.ok
    assert "tie rule earlier-rounds" in describe(check)


def test_an_election_opened_before_rules_were_recorded_has_the_defaults():
    entries, election = scenario()  # its opening entry records no rules

    assert verdict(verify(entries, [election]), CheckKind.rules_recorded).status == Status.ok
    changed = dataclasses.replace(
        election, counting_rules=counting.CountingRules(tie=counting.TieRule.lot)
    )
    check = verdict(verify(entries, [changed]), CheckKind.rules_recorded)
    assert check.problem == Problem.recorded_rules_differ


@pytest.mark.parametrize(
    "recorded", [{"tie": "lot"}, {"tie": "coin"}, "lot", {"tie": "lot", "x": 1}]
)
def test_rules_other_than_the_recorded_ones_fail(recorded):
    entries, election = scenario()
    entries = opened_with(entries, recorded)
    election = dataclasses.replace(election, published_head=head_of(entries))

    report = verify(entries, [election])

    assert verdict(report, CheckKind.rules_recorded).problem == Problem.recorded_rules_differ
    assert "differ from the ones the audit log recorded" in describe(report.first_failure)


def runoff_election(claimed: counting.TieRule) -> tuple[list, ElectionRecord]:
    """A ranked final tie counted (and published) under the runoff rule, its records claiming
    ``claimed``."""
    choices = [(4,)] * 4 + [(5,)] * 3 + [(6, 5)]
    runoff = counting.CountingRules(tie=counting.TieRule.runoff)
    tally = counting.count("ranked", (4, 5, 6), choices, rules=runoff)
    ranked = dataclasses.replace(
        position(RANKED, "ranked", (4, 5, 6), choices), result=counting.result_to_dict(tally)
    )
    entries, election = published_with([ranked])
    entries = opened_with(entries, runoff.to_dict())
    rules = counting.CountingRules(tie=claimed)
    return entries, dataclasses.replace(
        election, published_head=head_of(entries), counting_rules=rules
    )


def test_the_recount_applies_the_rules_recorded_at_opening():
    entries, election = runoff_election(counting.TieRule.runoff)

    report = verify(entries, [election])

    assert report.ok, [describe(c) for c in report.checks if c.failed]
    assert election.positions[0].result["runoff_required"] == [4, 5]


def test_records_claiming_another_tie_rule_fail_both_the_rules_and_the_recount():
    entries, election = runoff_election(counting.TieRule.earlier_rounds)

    report = verify(entries, [election])

    assert verdict(report, CheckKind.rules_recorded).problem == Problem.recorded_rules_differ
    assert verdict(report, CheckKind.recount, RANKED).problem == Problem.result_differs


def test_a_result_published_before_runoffs_were_a_rule_still_recounts():
    ranked = position(RANKED, "ranked", (4, 5, 6), [(4, 5), (5, 4), (6, 4), (4,), (5, 6, 4)])
    older = {k: v for k, v in ranked.result.items() if k != "runoff_required"}
    entries, election = published_with([dataclasses.replace(ranked, result=older)])

    report = verify(entries, [election])

    assert verdict(report, CheckKind.recount, RANKED).status == Status.ok


def with_recount_files(record: PositionRecord, title: str = "Council") -> PositionRecord:
    """The position with the BLT file and rank table a bundle would carry."""
    names = {RecountFormat.blt: "ballots/p.blt", RecountFormat.rank_table: "ballots/p-ranks.csv"}
    files = tuple(
        RecountFile(names[fmt], fmt, text) for fmt, text in recount_texts(title, record).items()
    )
    return dataclasses.replace(record, recount_files=files)


def test_the_recount_files_made_from_the_sealed_ballots_pass():
    entries, election = scenario()
    election = replace_position(
        election, RANKED, recount_files=with_recount_files(election.positions[1]).recount_files
    )

    check = verdict(verify(entries, [election]), CheckKind.recount_files, RANKED)

    assert check.status == Status.ok
    assert "ballots/p.blt, ballots/p-ranks.csv match the sealed ballots" in describe(check)
    assert [c.kind for c in verify(entries, [election]).checks].count(CheckKind.recount_files) == 1


@pytest.mark.parametrize(
    ("fmt", "change", "line"),
    [
        (RecountFormat.blt, lambda t: t.replace("\n1 1 2 0\n", "\n2 1 2 0\n"), 3),
        (RecountFormat.blt, lambda t: t.replace('"Candidate 5"', '"Candidate 6"'), 9),
        (RecountFormat.blt, lambda t: t + "1 1 0\n", 12),
        (RecountFormat.blt, lambda t: t.rsplit("\n", 2)[0] + "\n", 11),
        (RecountFormat.rank_table, lambda t: t.replace("Candidate 6", "Candidate 4", 1), 5),
        (RecountFormat.rank_table, lambda t: t.replace("\r\n", "\n"), 1),
        (RecountFormat.rank_table, lambda t: t.removeprefix("\ufeff"), 1),
    ],
)
def test_a_changed_line_of_a_recount_file_is_named(fmt, change, line):
    entries, election = scenario()
    record = with_recount_files(election.positions[1])
    files = tuple(
        dataclasses.replace(f, text=change(f.text)) if f.format is fmt else f
        for f in record.recount_files
    )
    assert files != record.recount_files
    election = replace_position(election, RANKED, recount_files=files)

    report = verify(entries, [election])
    check = verdict(report, CheckKind.recount_files, RANKED)

    assert check.problem == Problem.recount_file_differs
    name = "ballots/p.blt" if fmt is RecountFormat.blt else "ballots/p-ranks.csv"
    assert check.detail == {"file": name, "line": line}
    assert f"{name} line {line} is not what the sealed ballots give" in describe(check)


def test_recount_files_of_a_box_with_an_unreadable_ballot_fail_naming_it():
    entries, election = scenario()
    record = with_recount_files(election.positions[1])
    bad = dataclasses.replace(record.ballots[0], choices="[4,4]")
    election = replace_position(
        election, RANKED, recount_files=record.recount_files, ballots=(bad, *record.ballots[1:])
    )

    check = verdict(verify(entries, [election]), CheckKind.recount_files, RANKED)

    assert (check.problem, check.detail) == (Problem.bad_ballot, {"ballot": bad.id})

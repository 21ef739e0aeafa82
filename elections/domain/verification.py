"""Checking an election from its records alone: the audit chain, the sealed boxes, the results.

Pure: no Flask, no database, no clock, no I/O. It takes plain records (audit entries as
stored, ballots, seals, participation counts, published results) and returns a report that
lists every check with its verdict, so the auditors' page, ``flask audit verify`` and the
standalone ``python -m elections.verify`` check the same things and name the same culprit.

The checks, in the order they are reported:

1. ``chain``: the log is one unbroken hash chain from seq 1 with no gap, duplicate or
   edited entry (``audit_chain.verify_chain``).
2. ``log-head``: the head recorded beside the log (the head row in the database, the
   manifest in an export) is the chain's last entry, so no newest entry was cut off or
   slipped in after it.
3. ``published-head``, per published election: the head published with the results is
   the election's own ``election-published`` entry in the chain, so history was not
   rewritten or cut short after publication. An election counts as published when its
   phase says so or when the log recorded its publication, so a record claiming an
   earlier phase cannot skip the checks of a published one.
4. Per position: ``participation`` (as many students took part as there are ballots),
   ``seal`` (the ballots still match the seal's count and digest), ``seal-recorded`` (the
   seal is the one the audit log recorded at closing), ``tracking-codes`` (well formed,
   none twice), and once published ``recount`` (counting the ballots again gives the
   published result) and ``result-recorded`` (the result is the one the log recorded at
   publication). A position the log sealed but the records no longer hold fails
   ``seal-recorded`` too. Where lots were drawn, ``lots``: each is the one the log
   recorded (``lot-recorded``), and a seeded one orders its candidates as its seed does.
   Where the records carry a ranked position's recount files (the bundle's BLT file and
   rank table), ``recount-files``: each is made again from the sealed ballots and must match
   byte for byte; the first line that does not is named.
5. Per election, before its positions: ``rules-recorded``, the counting rules (the tie rule)
   the records give are the ones the ``election-opened`` entry recorded
   (``details.counting_rules``; an election opened before rules were recorded has the
   defaults). The recount applies them.

The two ``-recorded`` checks tie the ballot boxes and results to the chain, and so to the
published head: without them whoever rewrites ballots, seal and result together is caught
only by students looking up their tracking codes. ``seal-recorded`` reads the election's
``ballot-box-sealed`` entry (``details.positions``: ``position_id``, ``ballots``,
``digest``), ``result-recorded`` its ``election-published`` entry (``details.results``:
``position_id``, ``digest``; see ``results_detail``). Every close records the seals and
every publication the results, so a missing record fails: cutting the newest entries off
the log (and moving the heads back) would otherwise silence both checks. Only a head
kept outside the database, such as the one printed on the paper protocol, shows that the
newest entries are all there; ``expected_head`` checks the log against it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from elections.domain import counting
from elections.domain.audit_chain import AuditEntry, ChainHead, ChainProblem, verify_chain
from elections.domain.ballot import Choices, decode_ballot, seal_digest
from elections.domain.codes import ALPHABET
from elections.domain.counting import DEFAULT_RULES, CountingRules
from elections.domain.errors import BallotInvalid
from elections.domain.recount_files import (
    RecountFile,
    RecountFormat,
    first_differing_line,
    position_ballots,
    recount_text,
    recount_title,
)

OPENED = ("election-opened", "counting_rules")
SEALED = ("ballot-box-sealed", "positions")
PUBLISHED = ("election-published", "results")
LOT_RECORDED = "lot-recorded"
APP_LOT, ROOM_LOT = "by-app", "in-room"
_TRACKING_CODE = re.compile(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{2}}")


class CheckKind(StrEnum):
    """What a check looks at."""

    bundle = "bundle"
    chain = "chain"
    log_head = "log-head"
    published_head = "published-head"
    rules_recorded = "rules-recorded"
    participation = "participation"
    seal = "seal"
    seal_recorded = "seal-recorded"
    tracking_codes = "tracking-codes"
    lots = "lots"
    recount_files = "recount-files"
    recount = "recount"
    result_recorded = "result-recorded"


class Status(StrEnum):
    """A check's verdict; a skipped check could not run and says why in its problem."""

    ok = "ok"
    failed = "failed"
    skipped = "skipped"


class Problem(StrEnum):
    """What a failed check found (chain checks report an ``audit_chain.ChainProblem``)."""

    unreadable = "unreadable"
    key_required = "key-required"
    head_differs = "head-differs"
    no_published_head = "no-published-head"
    participation_differs = "participation-differs"
    not_sealed = "not-sealed"
    seal_count_differs = "seal-count-differs"
    seal_digest_differs = "seal-digest-differs"
    recorded_seal_differs = "recorded-seal-differs"
    bad_tracking_code = "bad-tracking-code"
    duplicate_tracking_code = "duplicate-tracking-code"
    bad_ballot = "bad-ballot"
    cannot_count = "cannot-count"
    no_result = "no-result"
    candidates_differ = "candidates-differ"
    result_differs = "result-differs"
    recorded_result_differs = "recorded-result-differs"
    not_recorded = "not-recorded"
    head_not_publication = "head-not-publication"
    position_missing = "position-missing"
    lot_not_seeded_order = "lot-not-seeded-order"
    lots_differ = "lots-differ"
    recorded_rules_differ = "recorded-rules-differ"
    recount_file_differs = "recount-file-differs"
    # Why a check was skipped.
    nothing_to_count = "nothing-to-count"
    chain_broken = "chain-broken"


@dataclass(frozen=True)
class Check:
    """One verdict, naming exactly where it applies: an audit entry, an election, a position."""

    kind: CheckKind
    status: Status
    problem: ChainProblem | Problem | None = None
    election_id: int | None = None
    position_id: int | None = None
    seq: int | None = None
    detail: Mapping[str, object] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """Whether this check found something wrong."""
        return self.status == Status.failed


@dataclass(frozen=True)
class Report:
    """Every check that ran, the number of audit entries read and the chain's head."""

    checks: tuple[Check, ...]
    entries: int = 0
    head: ChainHead | None = None

    @property
    def ok(self) -> bool:
        """Whether nothing failed (skipped checks do not fail a report)."""
        return not any(check.failed for check in self.checks)

    @property
    def first_failure(self) -> Check | None:
        """The first failed check in report order, the one to name when saying what broke."""
        return next((check for check in self.checks if check.failed), None)

    @property
    def chain(self) -> Check:
        """The verdict on the hash chain itself."""
        return next(check for check in self.checks if check.kind == CheckKind.chain)


@dataclass(frozen=True)
class CandidateRecord:
    """A candidate on the ballot paper."""

    id: int
    name: str


@dataclass(frozen=True)
class LotRecord:
    """An order drawn by lot for tied candidates, favoured first."""

    tied: tuple[int, ...]
    drawn_order: tuple[int, ...]
    seed: str | None = None


@dataclass(frozen=True)
class SealRecord:
    """A position's seal: how many ballots the box held at closing and the digest over them."""

    ballot_count: int
    digest: str
    sealed_at: str | None = None


@dataclass(frozen=True)
class BallotRecord:
    """A ballot as stored: random id, encoded choices, tracking code; never a voter or time."""

    id: str
    choices: str
    tracking_code: str


@dataclass(frozen=True)
class PositionRecord:
    """What verifying one position needs: its rules, box, seal, participation and result."""

    id: int
    title: str
    method: str
    seats: int
    allow_blank: bool
    threshold_percent: int
    candidates: tuple[CandidateRecord, ...]
    participation: int
    ballots: tuple[BallotRecord, ...]
    seal: SealRecord | None = None
    lots: tuple[LotRecord, ...] = ()
    result: Mapping[str, object] | None = None
    recount_files: tuple[RecountFile, ...] = ()


@dataclass(frozen=True)
class ElectionRecord:
    """An election that has closed: its phase, published head and positions."""

    id: int
    title: str
    phase: str
    positions: tuple[PositionRecord, ...]
    published_head: ChainHead | None = None
    opened_at: str | None = None
    closed_at: str | None = None
    published_at: str | None = None
    counting_rules: CountingRules = DEFAULT_RULES

    @property
    def published(self) -> bool:
        """Whether results were published, so a recount has something to agree with."""
        return self.phase == "published"


def result_digest(result: Mapping[str, object]) -> str:
    """SHA-256 hex of a published result as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def results_detail(results: Iterable[tuple[int, Mapping[str, object]]]) -> dict[str, object]:
    """Details for the ``election-published`` entry that let ``result-recorded`` run."""
    return {
        PUBLISHED[1]: [
            {"position_id": pid, "digest": result_digest(result)}
            for pid, result in sorted(results, key=lambda pair: pair[0])
        ]
    }


def lot_detail(
    position_id: int, tied: Iterable[int], order: Sequence[int], seed: str | None
) -> dict[str, object]:
    """Details for the ``lot-recorded`` entry that let ``lots`` run (no seed: drawn in the room)."""
    return {
        "position_id": position_id,
        "tied": sorted(tied),
        "order": list(order),
        "drawn": APP_LOT if seed else ROOM_LOT,
        "seed": seed if seed else "drawn in the room",
    }


def verify(
    entries: Iterable[AuditEntry],
    elections: Sequence[ElectionRecord] = (),
    *,
    key: bytes | None = None,
    keyed: bool = False,
    log_head: ChainHead | None = None,
    expected_head: ChainHead | None = None,
) -> Report:
    """Run every check over the log (in seq order, read once) and the elections' records.

    ``key`` is the chain's HMAC key; ``keyed`` says the log was written under one, so
    without the key its hashes cannot be checked and the chain check fails, naming why.
    ``log_head`` is the head recorded beside the log; ``expected_head`` one kept outside
    it (on paper): the log must reach it, hash for hash, or the chain check fails.
    """
    watch = _Watch(elections)
    if keyed and key is None:
        for _entry in watch.stream(entries):
            pass
        chain, head = Check(CheckKind.chain, Status.failed, Problem.key_required), None
    else:
        verdict = verify_chain(watch.stream(entries), key=key, expected_head=expected_head)
        chain, head = _chain_check(verdict.problem, verdict.seq, verdict.head), verdict.head
    checks = [chain]
    if log_head is not None:
        checks.append(_log_head_check(log_head, head, chain.failed))
    for election in elections:
        checks.extend(_election_checks(election, watch, chain.failed))
    return Report(tuple(checks), watch.count, head)


def unreadable(where: str, reason: str) -> Report:
    """The report on an export that cannot be read: one failed check naming the place."""
    detail = {"where": where, "reason": reason}
    return Report((Check(CheckKind.bundle, Status.failed, Problem.unreadable, detail=detail),))


class _Watch:
    """Counts the entries as the chain check streams them, keeping what later checks need.

    That is each entry a published head points at, and the newest seal and result
    records of each election, so the log is read only once.
    """

    def __init__(self, elections: Sequence[ElectionRecord]) -> None:
        self.count = 0
        self.elections = frozenset(e.id for e in elections)
        self.head_seqs = frozenset(e.published_head.seq for e in elections if e.published_head)
        self.heads: dict[int, AuditEntry] = {}
        self.recorded: dict[tuple[int, str], object] = {}
        self.lots: dict[tuple[int, int], list[str]] = {}

    def stream(self, entries: Iterable[AuditEntry]) -> Iterator[AuditEntry]:
        """Pass the entries through, noting what the election checks will ask about."""
        for entry in entries:
            self.count += 1
            if entry.seq in self.head_seqs:
                self.heads[entry.seq] = entry
            if entry.election_id in self.elections:
                for action, name in (OPENED, SEALED, PUBLISHED):
                    if entry.action == action:
                        self.recorded[(entry.election_id, action)] = entry.details.get(name)
                position_id = entry.details.get("position_id")
                if entry.action == LOT_RECORDED and type(position_id) is int:
                    where = (entry.election_id, position_id)
                    self.lots.setdefault(where, []).append(_recorded_lot(entry.details))
            yield entry

    def published(self, election: ElectionRecord) -> bool:
        """Whether the election is published by its record or by the log's."""
        return election.published or (election.id, PUBLISHED[0]) in self.recorded

    def recorded_items(self, election_id: int, action: str) -> dict[int, Mapping] | None:
        """Position id → what the election's entry of ``action`` recorded, or None if none."""
        if (election_id, action) not in self.recorded:
            return None
        items = self.recorded[(election_id, action)]
        if not isinstance(items, list):
            return {}
        return {
            item["position_id"]: item
            for item in items
            if isinstance(item, Mapping) and type(item.get("position_id")) is int
        }


def _lot_key(tied: object, order: object, seed: object) -> str:
    """A lot as compared: tied ids sorted, the order drawn, the seed (None: drawn in the room)."""
    return json.dumps([tied, order, seed])


def _stored_lot(lot: LotRecord) -> str:
    """How a stored lot compares with the log's records."""
    return _lot_key(sorted(lot.tied), list(lot.drawn_order), lot.seed)


def _recorded_lot(details: Mapping[str, object]) -> str:
    """How a ``lot-recorded`` entry compares (its seed field reads "drawn in the room" then)."""
    seed = None if details.get("drawn") == ROOM_LOT else details.get("seed")
    return _lot_key(details.get("tied"), details.get("order"), seed)


def _chain_check(problem: ChainProblem | None, seq: int | None, head: ChainHead | None) -> Check:
    """The chain's verdict, with its head when intact."""
    if problem is None:
        detail = {"head_seq": head.seq, "head_hash": head.hash} if head else {}
        return Check(CheckKind.chain, Status.ok, detail=detail)
    return Check(CheckKind.chain, Status.failed, problem, seq=seq)


def _log_head_check(expected: ChainHead, found: ChainHead | None, broken: bool) -> Check:
    """Whether the recorded head is the chain's last entry."""
    if broken or found is None:
        return Check(CheckKind.log_head, Status.skipped, Problem.chain_broken)
    detail = {"expected_seq": expected.seq, "expected_hash": expected.hash, "found_seq": found.seq}
    if tuple(expected) != tuple(found):
        return Check(
            CheckKind.log_head, Status.failed, Problem.head_differs, seq=expected.seq, detail=detail
        )
    return Check(CheckKind.log_head, Status.ok, seq=found.seq, detail=detail)


def _election_checks(election: ElectionRecord, watch: _Watch, broken: bool) -> Iterator[Check]:
    """The published head, then every position's checks, in ballot order, then lost boxes."""
    published = watch.published(election)
    if published:
        yield _published_head_check(election, watch, broken)
    yield _rules_check(election, watch, broken)
    for position in election.positions:
        checks = _PositionChecks(election, position, watch, broken)
        yield checks.participation()
        yield checks.seal()
        yield checks.seal_recorded()
        yield checks.tracking_codes()
        if position.lots or (election.id, position.id) in watch.lots:
            yield checks.lots()
        if position.recount_files:
            yield checks.recount_files()
        if published:
            yield checks.recount()
            yield checks.result_recorded()
    if not broken:
        yield from _missing_positions(election, watch)


def _missing_positions(election: ElectionRecord, watch: _Watch) -> Iterator[Check]:
    """A failed check for each position whose box the log sealed but the records lack."""
    sealed = watch.recorded_items(election.id, SEALED[0]) or {}
    held = {position.id for position in election.positions}
    for position_id in sorted(set(sealed) - held):
        yield Check(
            CheckKind.seal_recorded,
            Status.failed,
            Problem.position_missing,
            election_id=election.id,
            position_id=position_id,
        )


def _rules_check(election: ElectionRecord, watch: _Watch, broken: bool) -> Check:
    """The counting rules are the ones the log recorded when the election opened."""
    where = {"election_id": election.id}
    rules = election.counting_rules.to_dict()
    if broken:
        return Check(CheckKind.rules_recorded, Status.skipped, Problem.chain_broken, **where)
    try:
        recorded = CountingRules.from_dict(watch.recorded.get((election.id, OPENED[0])))
    except counting.CountRefused:
        recorded = None
    if recorded != election.counting_rules:
        return Check(
            CheckKind.rules_recorded,
            Status.failed,
            Problem.recorded_rules_differ,
            **where,
            detail=rules,
        )
    return Check(CheckKind.rules_recorded, Status.ok, **where, detail=rules)


def _published_head_check(election: ElectionRecord, watch: _Watch, broken: bool) -> Check:
    """The head published with the results must be the election's publication entry."""
    head = election.published_head
    where = {"election_id": election.id}
    if head is None:
        return Check(CheckKind.published_head, Status.failed, Problem.no_published_head, **where)
    detail = {"head_seq": head.seq, "head_hash": head.hash}
    if broken:
        return Check(
            CheckKind.published_head, Status.skipped, Problem.chain_broken, **where, detail=detail
        )
    found = watch.heads.get(head.seq)
    if found is None:
        problem: ChainProblem | Problem = ChainProblem.truncated
    elif found.hash != head.hash:
        problem = ChainProblem.head_mismatch
    elif found.action != PUBLISHED[0] or found.election_id != election.id:
        problem = Problem.head_not_publication
    else:
        return Check(CheckKind.published_head, Status.ok, seq=head.seq, **where, detail=detail)
    return Check(
        CheckKind.published_head, Status.failed, problem, seq=head.seq, **where, detail=detail
    )


class _PositionChecks:
    """The checks of one position, each returning its verdict."""

    def __init__(
        self, election: ElectionRecord, position: PositionRecord, watch: _Watch, broken: bool
    ) -> None:
        self.election = election
        self.position = position
        self.watch = watch
        self.broken = broken

    def _check(
        self, kind: CheckKind, problem: ChainProblem | Problem | None = None, **detail: object
    ) -> Check:
        """A verdict about this position: failed when it has a problem, ok otherwise."""
        return Check(
            kind,
            Status.ok if problem is None else Status.failed,
            problem,
            election_id=self.election.id,
            position_id=self.position.id,
            detail=detail,
        )

    def _skipped(self, kind: CheckKind, why: Problem) -> Check:
        """A check of this position that could not run."""
        return Check(
            kind, Status.skipped, why, election_id=self.election.id, position_id=self.position.id
        )

    def participation(self) -> Check:
        """As many students took part as there are ballots: no ballot stuffed, none lost."""
        took_part, ballots = self.position.participation, len(self.position.ballots)
        problem = None if took_part == ballots else Problem.participation_differs
        return self._check(
            CheckKind.participation, problem, participation=took_part, ballots=ballots
        )

    def seal(self) -> Check:
        """The ballots still match the seal's count and digest."""
        seal, ballots = self.position.seal, self.position.ballots
        if seal is None:
            return self._check(CheckKind.seal, Problem.not_sealed)
        if seal.ballot_count != len(ballots):
            return self._check(
                CheckKind.seal,
                Problem.seal_count_differs,
                sealed=seal.ballot_count,
                ballots=len(ballots),
            )
        digest = seal_digest(
            self.position.id, [(b.id, b.tracking_code, b.choices) for b in ballots]
        )
        if digest != seal.digest:
            return self._check(
                CheckKind.seal, Problem.seal_digest_differs, sealed=seal.digest, found=digest
            )
        return self._check(CheckKind.seal, ballots=len(ballots), digest=digest)

    def seal_recorded(self) -> Check:
        """The seal is the one the audit log recorded when the box was sealed."""
        if self.broken:
            return self._skipped(CheckKind.seal_recorded, Problem.chain_broken)
        recorded = self.watch.recorded_items(self.election.id, SEALED[0])
        if recorded is None:
            return self._check(CheckKind.seal_recorded, Problem.not_recorded)
        item, seal = recorded.get(self.position.id), self.position.seal
        found = None if seal is None else (seal.ballot_count, seal.digest)
        if item is None or (item.get("ballots"), item.get("digest")) != found:
            return self._check(CheckKind.seal_recorded, Problem.recorded_seal_differs)
        return self._check(CheckKind.seal_recorded)

    def tracking_codes(self) -> Check:
        """Every ballot carries a well-formed tracking code, and no code appears twice."""
        seen: set[str] = set()
        for ballot in self.position.ballots:
            code = ballot.tracking_code
            if not isinstance(code, str) or _TRACKING_CODE.fullmatch(code) is None:
                return self._check(
                    CheckKind.tracking_codes, Problem.bad_tracking_code, ballot=ballot.id
                )
            if code in seen:
                return self._check(
                    CheckKind.tracking_codes, Problem.duplicate_tracking_code, ballot=ballot.id
                )
            seen.add(code)
        return self._check(CheckKind.tracking_codes, codes=len(seen))

    def lots(self) -> Check:
        """The lots are the ones the log recorded, and each seeded one follows its seed."""
        if self.broken:
            return self._skipped(CheckKind.lots, Problem.chain_broken)
        for lot in self.position.lots:
            seeded = None if lot.seed is None else counting.lot_order(lot.seed, lot.tied)
            if seeded is not None and seeded != tuple(lot.drawn_order):
                return self._check(CheckKind.lots, Problem.lot_not_seeded_order, seed=lot.seed)
        recorded = self.watch.lots.get((self.election.id, self.position.id), [])
        held = [_stored_lot(lot) for lot in self.position.lots]
        if Counter(held) != Counter(recorded):
            return self._check(
                CheckKind.lots, Problem.lots_differ, lots=len(held), recorded=len(recorded)
            )
        return self._check(CheckKind.lots, lots=len(held))

    def _decoded(self) -> tuple[list[Choices], str | None]:
        """The position's ballots decoded, or the id of the first that cannot be read."""
        ballots = []
        for ballot in self.position.ballots:
            try:
                ballots.append(decode_ballot(ballot.choices))
            except BallotInvalid:
                return [], ballot.id
        return ballots, None

    def _off_the_paper(self) -> str | None:
        """The first ballot that cannot be read or ranks someone not on the ballot paper."""
        paper = {candidate.id for candidate in self.position.candidates}
        for ballot in self.position.ballots:
            try:
                if set(decode_ballot(ballot.choices)) <= paper:
                    continue
            except BallotInvalid:
                pass
            return ballot.id
        return None

    def recount_files(self) -> Check:
        """The BLT file and rank table are the sealed ballots, byte for byte."""
        position = self.position
        unreadable = self._off_the_paper()
        if unreadable is not None:
            return self._check(CheckKind.recount_files, Problem.bad_ballot, ballot=unreadable)
        expected = recount_texts(self.election.title, position)
        for file in position.recount_files:
            line = first_differing_line(expected[file.format], file.text)
            if line is not None:
                return self._check(
                    CheckKind.recount_files, Problem.recount_file_differs, file=file.name, line=line
                )
        names = ", ".join(file.name for file in position.recount_files)
        return self._check(CheckKind.recount_files, files=names)

    def recount(self) -> Check:
        """Counting the ballots again, with the lots drawn, gives the published result."""
        position, published = self.position, self.position.result
        if published is None and not position.ballots and not _countable(position):
            return self._skipped(CheckKind.recount, Problem.nothing_to_count)
        if published is None:
            return self._check(CheckKind.recount, Problem.no_result)
        paper = tuple(c.id for c in position.candidates)
        # The published order only orders the report, so it is kept; the set must match.
        order = published.get("candidates")
        if not _same_candidates(order, paper):
            return self._check(CheckKind.recount, Problem.candidates_differ)
        ballots, unreadable = self._decoded()
        if unreadable is not None:
            return self._check(CheckKind.recount, Problem.bad_ballot, ballot=unreadable)
        try:
            tally = counting.count(
                position.method,
                tuple(order),
                ballots,
                seats=position.seats,
                lots=[lot.drawn_order for lot in position.lots],
                threshold=Fraction(position.threshold_percent, 100),
                rules=self.election.counting_rules,
            )
        except counting.CountRefused as error:
            return self._check(CheckKind.recount, Problem.cannot_count, reason=str(error))
        recounted = json.loads(json.dumps(counting.result_to_dict(tally)))
        for name, value in recounted.items():
            if published.get(name) != value:
                return self._check(CheckKind.recount, Problem.result_differs, field=name)
        return self._check(CheckKind.recount, elected=recounted.get("elected"))

    def result_recorded(self) -> Check:
        """The published result is the one the audit log recorded at publication."""
        if self.broken:
            return self._skipped(CheckKind.result_recorded, Problem.chain_broken)
        recorded = self.watch.recorded_items(self.election.id, PUBLISHED[0])
        if recorded is None:
            return self._check(CheckKind.result_recorded, Problem.not_recorded)
        item, result = recorded.get(self.position.id), self.position.result
        if item is None and result is None:  # nobody stood: nothing published, nothing recorded
            return self._check(CheckKind.result_recorded)
        found = None if result is None else result_digest(result)
        if item is None or item.get("digest") != found:
            return self._check(CheckKind.result_recorded, Problem.recorded_result_differs)
        return self._check(CheckKind.result_recorded)


def recount_texts(election_title: str, position: PositionRecord) -> dict[RecountFormat, str]:
    """A ranked position's recount files as its sealed ballots give them, by format.

    Raises ``BallotInvalid`` for a ballot that cannot be read and ``KeyError`` for one that
    ranks a candidate not on the ballot paper: corrupt data.
    """
    paper = [(c.id, c.name) for c in position.candidates]
    ballots = position_ballots(
        recount_title(election_title, position.title),
        paper,
        position.seats,
        (decode_ballot(ballot.choices) for ballot in position.ballots),
    )
    return {fmt: recount_text(fmt, ballots) for fmt in RecountFormat}


def _countable(position: PositionRecord) -> bool:
    """Whether anyone stood, so a result was due: a yes/no question has exactly one option."""
    standing = len(position.candidates)
    return standing == 1 if position.method == "yesno" else standing >= 1


def _same_candidates(order: object, paper: tuple[int, ...]) -> bool:
    """Whether a published candidate list holds exactly the ballot paper's ids, once each."""
    if not isinstance(order, list) or not all(type(c) is int for c in order):
        return False
    return len(order) == len(paper) and set(order) == set(paper)


SENTENCES: dict[str, str] = {
    "gap": "entry {seq} is missing: the log jumps over it",
    "reordered": "the entries are out of order at entry {seq}",
    "duplicate-seq": "entry {seq} appears twice, or where an earlier number belongs",
    "bad-genesis": "entry 1 does not start from the genesis hash",
    "prev-hash-mismatch": "entry {seq} does not link to the entry before it",
    "hash-mismatch": "entry {seq} does not match its own hash: it was changed",
    "head-mismatch": "entry {seq} is not the entry the head names: history was rewritten",
    "truncated": "the log ends before entry {seq}, which the head names",
    "unreadable": "{where}: {reason}",
    "key-required": "the log is keyed (HMAC): give its key to check the hashes",
    "head-differs": "the recorded head is entry {expected_seq} but the log ends at {found_seq}",
    "no-published-head": "published without recording the audit log's head",
    "participation-differs": "{participation} students took part but there are {ballots} ballots",
    "not-sealed": "the ballot box was never sealed",
    "seal-count-differs": "the seal counts {sealed} ballots but there are {ballots}",
    "seal-digest-differs": "the ballots no longer match the seal's digest",
    "recorded-seal-differs": "the seal differs from the one the audit log recorded",
    "bad-tracking-code": "ballot {ballot} has a malformed tracking code",
    "duplicate-tracking-code": "ballot {ballot} repeats another ballot's tracking code",
    "bad-ballot": "ballot {ballot} cannot be read",
    "cannot-count": "the ballots cannot be counted: {reason}",
    "no-result": "no published result",
    "candidates-differ": "the published result counts other candidates than the ballot paper",
    "result-differs": "the recount differs from the published result in '{field}'",
    "recorded-result-differs": "the result differs from the one the audit log recorded",
    "nothing-to-count": "nobody stood, so there is nothing to count",
    "not-recorded": "the audit log holds no record of it",
    "head-not-publication": "entry {head_seq} is not this election's publication entry",
    "position-missing": "the audit log sealed this position's box, but the records lack it",
    "lot-not-seeded-order": "a lot's order is not the one its seed {seed} gives",
    "lots-differ": "lots in the records: {lots}, in the audit log: {recorded}; they differ",
    "recorded-rules-differ": "the counting rules (tie rule {tie}) differ from the ones the"
    " audit log recorded when the election opened",
    "recount-file-differs": "{file} line {line} is not what the sealed ballots give",
    "chain-broken": "not checked: the chain is broken",
}
CONFIRMED_SENTENCES: dict[CheckKind, str] = {
    CheckKind.chain: "chain intact: {entries} entries, head {head_seq} {head_hash}",
    CheckKind.log_head: "the recorded head is the last entry, {found_seq}",
    CheckKind.published_head: "the published head {head_seq} {head_hash} is in the chain",
    CheckKind.participation: "{participation} took part, {ballots} ballots",
    CheckKind.seal: "{ballots} ballots match the seal {digest}",
    CheckKind.seal_recorded: "the seal is the one recorded in the audit log",
    CheckKind.tracking_codes: "{codes} distinct tracking codes",
    CheckKind.lots: "lots: {lots}, each as the audit log recorded it",
    CheckKind.rules_recorded: "counting rules as recorded at opening: tie rule {tie}",
    CheckKind.recount_files: "{files} match the sealed ballots byte for byte",
    CheckKind.recount: "the recount gives the published result (elected: {elected})",
    CheckKind.result_recorded: "the result is the one recorded in the audit log",
}


class Figures(dict[str, object]):
    """A check's figures for a sentence; one the check lacks shows as "?" rather than failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def subject(check: Check) -> str:
    """Where a check applies, in plain English: the log, an election or a position."""
    if check.position_id is not None:
        return f"position {check.position_id}"
    if check.election_id is not None:
        return f"election {check.election_id}"
    return "export" if check.kind == CheckKind.bundle else "audit log"


def describe(check: Check, report: Report | None = None) -> str:
    """One English line for operators and outsiders, such as ``FAIL position 3 seal: ...``."""
    values: dict[str, object] = {"seq": check.seq, **check.detail}
    if report is not None and check.kind == CheckKind.chain:
        values["entries"] = report.entries
        if report.head is not None:
            values.update(head_seq=report.head.seq, head_hash=report.head.hash)
    if check.status == Status.ok:
        template = CONFIRMED_SENTENCES.get(check.kind, "holds")
    else:
        template = SENTENCES.get(str(check.problem), str(check.problem))
    sentence = template.format_map(Figures(values))
    label = {Status.ok: "OK  ", Status.failed: "FAIL", Status.skipped: "SKIP"}[check.status]
    return f"{label} {subject(check)} {check.kind}: {sentence}"

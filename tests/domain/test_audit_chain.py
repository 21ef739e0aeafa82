"""The audit hash chain: its documented form, and tampering of every kind caught where done."""

import dataclasses
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elections.domain.audit_chain import (
    GENESIS_HASH,
    AuditEntry,
    ChainHead,
    ChainProblem,
    canonical_bytes,
    entry_hash,
    format_time,
    make_entry,
    verify_chain,
)

KEY = b"kept-outside-the-database"
T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
KEYS = pytest.mark.parametrize("key", [None, KEY], ids=["sha256", "hmac"])


class Colour(StrEnum):
    """An enum as callers put into details."""

    red = "red"


def build(count, key=None, start=None):
    """A valid chain of ``count`` entries with varied content."""
    entries, prev = [], start
    for i in range(count):
        prev = make_entry(
            prev,
            occurred_at=format_time(T0 + timedelta(seconds=i)),
            actor=None if i % 3 == 0 else f"user{i}",
            actor_role="committee",
            action=f"action-{i}",
            object_type="election",
            object_id=str(i),
            election_id=i % 2 or None,
            details={"n": i, "names": ["Әлия", "Ерлан"], "nested": {"b": True, "a": None}},
            client_addr="192.0.2.1",
            key=key,
        )
        entries.append(prev)
    return entries


def rehashed(entry, key=None, **changes):
    """An entry edited by someone who recomputed its hash (correctly only if they hold the key)."""
    edited = dataclasses.replace(entry, **changes)
    return dataclasses.replace(edited, hash=entry_hash(edited.hashed_fields(), key))


def check(entries, key=None, expected_head=None):
    """Verify, returning (problem, seq) for brevity."""
    report = verify_chain(entries, key=key, expected_head=expected_head)
    return report.problem, report.seq


def test_canonical_bytes_follow_the_documented_form():
    entry = make_entry(
        None,
        occurred_at="2025-03-03T08:00:00.000000Z",
        action="vote-opened",
        actor="Ерлан",
        election_id=4,
        details={"z": [1, 'a"b\\c\n\x01'], "a": {"y": None, "x": False}},
    )
    expected = (
        '{"action":"vote-opened","actor":"Ерлан","actor_role":null,"client_addr":null,'
        '"details":{"a":{"x":false,"y":null},"z":[1,"a\\"b\\\\c\\n\\u0001"]},'
        '"election_id":4,"object_id":null,"object_type":null,'
        '"occurred_at":"2025-03-03T08:00:00.000000Z",'
        f'"prev_hash":"{GENESIS_HASH}","seq":1}}'
    ).encode()
    assert canonical_bytes(entry.hashed_fields()) == expected
    assert canonical_bytes({**entry.hashed_fields(), "hash": "ignored"}) == expected
    assert entry.hash == hashlib.sha256(expected).hexdigest()
    assert entry_hash(entry.hashed_fields(), KEY) == hmac.new(KEY, expected, "sha256").hexdigest()


def test_entries_link_from_genesis():
    first, second = build(2)
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_a_chain_head_links_like_the_entry_it_names():
    first, second = build(2)
    from_head = make_entry(
        ChainHead(1, first.hash), occurred_at=second.occurred_at, action=second.action
    )
    assert (from_head.seq, from_head.prev_hash) == (2, first.hash)
    start = make_entry(ChainHead(0, GENESIS_HASH), occurred_at=first.occurred_at, action="x")
    assert start == make_entry(None, occurred_at=first.occurred_at, action="x")


def test_details_are_kept_as_they_read_back_from_json():
    entry = make_entry(
        None,
        occurred_at=format_time(T0),
        action="x",
        details={"ids": (1, 2), "colour": Colour.red, 3: "three"},
    )
    assert entry.details == {"ids": [1, 2], "colour": "red", "3": "three"}
    assert type(entry.details["colour"]) is str


@pytest.mark.parametrize("details", [{"f": 1.5}, {"f": [0.1]}, {"f": float("nan")}, {"f": 1e300}])
def test_floats_in_details_are_refused(details):
    with pytest.raises(ValueError, match=r"float|JSON"):
        make_entry(None, occurred_at=format_time(T0), action="x", details=details)


@pytest.mark.parametrize(
    "occurred_at",
    ["2025-03-03T08:00:00Z", "2025-03-03T08:00:00.000000+00:00", "2025-03-03 08:00:00.000000Z", ""],
)
def test_timestamps_in_another_form_are_refused(occurred_at):
    with pytest.raises(ValueError, match="occurred_at"):
        make_entry(None, occurred_at=occurred_at, action="x")


def test_times_are_recorded_in_utc_with_microseconds():
    almaty = timezone(timedelta(hours=5))
    assert format_time(datetime(2025, 3, 3, 13, 0, 0, 42, tzinfo=almaty)) == (
        "2025-03-03T08:00:00.000042Z"
    )
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2025, 3, 3))


@KEYS
def test_an_intact_chain_reports_its_head(key):
    chain = build(5, key)
    report = verify_chain(iter(chain), key=key, expected_head=(5, chain[-1].hash))
    assert report.ok
    assert report.head == (5, chain[-1].hash)
    assert verify_chain(chain[:3], key=key, expected_head=(2, chain[1].hash)).ok


def test_an_empty_chain_is_ok_with_the_genesis_head():
    report = verify_chain([])
    assert report.ok
    assert report.head == ChainHead(0, GENESIS_HASH)


def test_verification_streams_a_one_shot_iterator():
    chain = build(300)
    report = verify_chain(entry for entry in chain)
    assert report.head == (300, chain[-1].hash)


@KEYS
def test_an_edited_entry_is_caught_at_its_seq(key):
    chain = build(5, key)
    chain[2] = dataclasses.replace(chain[2], action="vote-deleted")
    assert check(chain, key) == (ChainProblem.hash_mismatch, 3)


def test_an_edit_rehashed_without_a_key_breaks_the_next_link():
    chain = build(5)
    chain[2] = rehashed(chain[2], action="vote-deleted")
    assert check(chain) == (ChainProblem.prev_hash_mismatch, 4)


def test_an_edit_rehashed_without_the_key_is_caught_at_its_seq():
    chain = build(5, KEY)
    chain[2] = rehashed(chain[2], b"a guess", action="vote-deleted")
    assert check(chain, KEY) == (ChainProblem.hash_mismatch, 3)


@KEYS
def test_deleting_an_entry_in_the_middle_leaves_a_gap(key):
    chain = build(5, key)
    del chain[2]
    assert check(chain, key) == (ChainProblem.gap, 3)


@KEYS
def test_deleting_the_first_entry_leaves_a_gap(key):
    chain = build(3, key)
    assert check(chain[1:], key) == (ChainProblem.gap, 1)


@KEYS
def test_deleting_and_renumbering_breaks_the_link(key):
    chain = build(5, key)
    renumbered = chain[:2] + [dataclasses.replace(e, seq=e.seq - 1) for e in chain[3:]]
    assert check(renumbered, key) == (ChainProblem.prev_hash_mismatch, 3)


@KEYS
def test_deleting_the_last_entry_shows_only_against_a_known_head(key):
    chain = build(5, key)
    head = (5, chain[-1].hash)
    assert check(chain[:-1], key) == (None, None)
    assert check(chain[:-1], key, head) == (ChainProblem.truncated, 5)
    assert check(chain[:-3], key, head) == (ChainProblem.truncated, 3)
    assert check([], key, head) == (ChainProblem.truncated, 1)


def test_a_chain_rebuilt_without_the_key_contradicts_the_known_head():
    chain = build(5)
    first = rehashed(chain[0], action="forged")
    forged = [first, *build(4, start=first)]
    assert check(forged) == (None, None)
    assert check(forged, expected_head=(5, chain[-1].hash)) == (ChainProblem.head_mismatch, 5)
    assert check(forged, expected_head=(1, chain[0].hash)) == (ChainProblem.head_mismatch, 1)


@KEYS
def test_an_inserted_entry_with_a_taken_seq_is_a_duplicate(key):
    chain = build(5, key)
    intruder = make_entry(chain[1], occurred_at=chain[2].occurred_at, action="ghost", key=key)
    assert check([*chain[:2], intruder, *chain[2:]], key) == (ChainProblem.duplicate_seq, 3)


@KEYS
def test_an_inserted_entry_with_renumbering_breaks_the_next_link(key):
    chain = build(5, key)
    intruder = make_entry(chain[1], occurred_at=chain[2].occurred_at, action="ghost", key=key)
    shifted = [dataclasses.replace(e, seq=e.seq + 1) for e in chain[2:]]
    assert check([*chain[:2], intruder, *shifted], key) == (ChainProblem.prev_hash_mismatch, 4)


def test_an_inserted_entry_forged_without_the_key_is_caught_at_its_seq():
    chain = build(5, KEY)
    intruder = make_entry(chain[1], occurred_at=chain[2].occurred_at, action="ghost", key=b"?")
    shifted = [dataclasses.replace(e, seq=e.seq + 1) for e in chain[2:]]
    assert check([*chain[:2], intruder, *shifted], KEY) == (ChainProblem.hash_mismatch, 3)


@KEYS
@pytest.mark.parametrize(("first", "second"), [(1, 2), (0, 1), (1, 3), (3, 4)])
def test_swapped_entries_are_reported_as_reordered(key, first, second):
    chain = build(5, key)
    chain[first], chain[second] = chain[second], chain[first]
    assert check(chain, key) == (ChainProblem.reordered, first + 1)


@KEYS
def test_swapped_contents_with_swapped_numbers_break_the_link(key):
    chain = build(5, key)
    swapped = [dataclasses.replace(chain[2], seq=2), dataclasses.replace(chain[1], seq=3)]
    assert check([chain[0], *swapped, *chain[3:]], key) == (ChainProblem.prev_hash_mismatch, 2)


@KEYS
def test_a_replayed_entry_is_a_duplicate(key):
    chain = build(5, key)
    assert check([*chain[:3], chain[1], *chain[3:]], key) == (ChainProblem.duplicate_seq, 2)


def test_a_first_entry_not_linked_to_genesis_is_a_bad_genesis():
    chain = build(3)
    chain[0] = rehashed(chain[0], prev_hash="f" * 64)
    assert check(chain) == (ChainProblem.bad_genesis, 1)


@pytest.mark.parametrize(
    ("made_with", "checked_with"), [(KEY, b"another key"), (KEY, None), (None, KEY)]
)
def test_a_changed_key_fails_at_the_first_entry(made_with, checked_with):
    assert check(build(3, made_with), checked_with) == (ChainProblem.hash_mismatch, 1)


@pytest.mark.parametrize("junk", ["\ud800", 1.5j, object()])
def test_unhashable_tampering_is_reported_not_crashed_on(junk):
    chain = build(3)
    chain[1] = dataclasses.replace(chain[1], details={"x": junk})
    assert check(chain) == (ChainProblem.hash_mismatch, 2)


# Property: any single-field change, anywhere, is caught at that entry.
CHAINS = {None: build(6), KEY: build(6, KEY)}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
maybe_text = st.none() | st.text(max_size=20)
hex_text = st.text("0123456789abcdef", min_size=64, max_size=64)
NEW_VALUES = {
    "seq": st.integers(min_value=-5, max_value=20),
    "occurred_at": st.text(max_size=30),
    "actor": maybe_text,
    "actor_role": maybe_text,
    "action": st.text(max_size=20),
    "object_type": maybe_text,
    "object_id": maybe_text,
    "election_id": st.none() | st.integers(),
    "details": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    "client_addr": maybe_text,
    "prev_hash": hex_text | st.text(max_size=64),
    "hash": hex_text | st.text(max_size=64),
}
EXPECTED = {"prev_hash": ChainProblem.prev_hash_mismatch, "hash": ChainProblem.hash_mismatch}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])  # text tables load once
@given(
    key=st.sampled_from(list(CHAINS)),
    index=st.integers(min_value=0, max_value=5),
    field=st.sampled_from(list(NEW_VALUES)),
    data=st.data(),
)
def test_any_single_field_change_is_detected_where_it_was_made(key, index, field, data):
    chain = list(CHAINS[key])
    old = getattr(chain[index], field)
    new = data.draw(
        NEW_VALUES[field].filter(lambda value: value != old or type(value) is not type(old))
    )
    chain[index] = dataclasses.replace(chain[index], **{field: new})
    report = verify_chain(chain, key=key, expected_head=(6, CHAINS[key][-1].hash))
    assert not report.ok
    if field != "seq":
        expected = EXPECTED.get(field, ChainProblem.hash_mismatch)
        if field == "prev_hash" and index == 0:
            expected = ChainProblem.bad_genesis
        assert (report.problem, report.seq) == (expected, index + 1)


def test_entries_are_immutable():
    entry = build(1)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.action = "changed"  # type: ignore[misc]
    assert isinstance(entry, AuditEntry)

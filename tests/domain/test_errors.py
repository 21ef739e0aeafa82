"""Domain refusals: a typed reason, read-only detail, and the HTTP status the app will send."""

import pytest

from elections.domain.errors import (
    BallotInvalid,
    BallotReason,
    DomainError,
    IneligibleReason,
    IneligibleVoter,
    LifecycleReason,
    LifecycleRefusal,
    RuleInvalid,
    RuleReason,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (LifecycleRefusal(LifecycleReason.already_closed), 409),
        (BallotInvalid(BallotReason.too_many, {"max": 2}), 400),
        (RuleInvalid(RuleReason.bad_grade), 400),
        (IneligibleVoter(IneligibleReason.not_eligible), 403),
    ],
)
def test_each_refusal_carries_its_status_and_reason(error, status):
    assert isinstance(error, DomainError)
    assert error.status == status
    assert str(error) == error.reason.value


def test_detail_is_a_read_only_copy():
    given = {"ids": (3,)}
    error = BallotInvalid(reason=BallotReason.unknown_candidate, detail=given)
    given["ids"] = (4,)
    assert error.detail == {"ids": (3,)}
    with pytest.raises(TypeError):
        error.detail["ids"] = ()  # type: ignore[index]
    assert LifecycleRefusal(LifecycleReason.backwards).detail == {}


def test_reason_values_are_the_words_the_app_translates():
    assert {reason.value for reason in LifecycleReason} >= {
        "not-draft",
        "already-open",
        "already-closed",
        "not-closed",
        "already-published",
        "appeals-pending",
        "appeals-window-open",
        "no-positions",
        "no-candidates",
        "bad-schedule",
        "phase-not-used",
        "backwards",
    }
    assert {reason.value for reason in BallotReason} == {
        "unknown-candidate",
        "duplicate-candidate",
        "too-many",
        "empty",
        "duplicate-rank",
        "missing-rank",
        "bad-rank",
        "bad-value",
    }

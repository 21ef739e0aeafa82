"""Signing in, under limits that stop guessers and that nobody can turn against a student.

An access code is one of 31⁸ ≈ 8.5·10¹¹ (``domain/codes.py``), so guessing one online is
hopeless while failures are counted; the danger is the counting itself being used to keep
a student out. Only *failed* attempts count, in three counts kept in the limiter's store
(Redis when several processes run, so that every process sees the same numbers):

* **per address** (``SIGNIN_LIMIT_PER_ADDRESS``): at the limit the address is turned away
  before any check, so a flood costs no hashing. Successes never count: a whole school
  signing in behind one NAT address stays far below it, and only a flood reaches it.
* **per account and address** (``SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS``): beyond it a
  failure is answered 429 with a ``Retry-After``, asking that address to slow down; but the
  next attempt is still checked, so the right code always gets in, even from the computer
  lab a guesser shares with the student.
* **per account** (``SIGNIN_CEILING_PER_ACCOUNT``): a ceiling that counts only the failures
  an address makes within its own allowance for that account, so no single address can
  reach it (the defaults take ten addresses within one window). Reached, the account is
  turned away everywhere until the window ends or the committee lifts it (``lift``).

A count reaching its limit is written to the audit log (``sign-in-limit-reached``), which
is how the committee's page and ``flask sign-in locks`` find what is locked. Names are
counted by a keyed digest of the name as typed (the store never holds an access code typed
into the name field), addresses by IPv4 address or IPv6 /64 (which one household holds).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from flask import current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter
from sqlalchemy import select

from elections.domain.audit_chain import format_time
from elections.domain.errors import DomainError
from elections.extensions import db, limiter
from elections.models import AuditEvent, User
from elections.operations import accounts
from elections.operations.audit_log import Actor, record

log = logging.getLogger(__name__)

REACHED = "sign-in-limit-reached"
LIFTED = "sign-in-limit-lifted"
STORE_RETRY_S = 30  # after the store fails, count in this process's memory this long
_FALLBACK = "elections.sign-in-fallback"
T = TypeVar("T")


class Scope(StrEnum):
    """What one count of failed sign-ins is kept for."""

    address = "address"
    account_address = "account-address"
    account = "account"


LIMIT_SETTINGS = {
    Scope.address: "SIGNIN_LIMIT_PER_ADDRESS",
    Scope.account_address: "SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
    Scope.account: "SIGNIN_CEILING_PER_ACCOUNT",
}


class SignInReason(StrEnum):
    """Why a sign-in was turned away before its secret was checked."""

    address_limited = "sign-in-address-limited"
    account_locked = "sign-in-account-locked"


class SignInRefused(DomainError[SignInReason]):
    """Too many failed sign-ins: from this address, or for this account from many."""

    status = 429

    @property
    def retry_after_s(self) -> int:
        """Seconds until the count that refused ends its window."""
        return int(str(self.detail["retry_after_s"]))


@dataclass(frozen=True)
class Attempt:
    """One checked sign-in: the account, or None; and how long this address should wait."""

    user: User | None
    slow_down_s: int = 0


@dataclass(frozen=True)
class Count:
    """Failed sign-ins counted now for one account or address, against its limit."""

    scope: Scope
    key: str
    failures: int
    limit: int
    resets_in_s: int

    @property
    def reached(self) -> bool:
        """Whether attempts are turned away (address, account) or slowed down (pair)."""
        return self.failures >= self.limit


@dataclass(frozen=True)
class Lock:
    """A limit reached recently: the address or the name as logged, when, and its count now."""

    name: str
    reached_at: datetime
    count: Count


def account_key(typed: str) -> str:
    """The count's key for a name as typed: case and spaces folded, keyed with SECRET_KEY.

    Never the name itself, nor a plain digest of it: a plain digest of an access code
    typed into the name field would give the code back to whoever reads the store.
    """
    folded = typed.strip().casefold()[:64].encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"sign-in-account:" + folded, hashlib.sha256).hexdigest()[:32]


def address_key(address: str | None) -> str:
    """An IPv4 address as it is; an IPv6 one by its /64, all of which one household holds."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def sign_in(actor: Actor, username: str, secret: str) -> Attempt:
    """Check one sign-in under the limits, audit it, and count it if it failed.

    Raises ``SignInRefused``, before any check, while the actor's address is at its limit
    or the account has reached its ceiling; failures for the account from one address
    never lock it anywhere.
    """
    address, account = address_key(actor.client_addr), account_key(username)
    _refuse_at_limit(Scope.address, address, SignInReason.address_limited)
    _refuse_at_limit(Scope.account, account, SignInReason.account_locked)
    user = accounts.authenticate(username, secret)
    if user is not None:
        record(actor, "sign-in", object_type="user", object_id=user.id)
        db.session.commit()
        return Attempt(user)
    typed = accounts.logged_name(username)
    slow_down_s = _count_failure(actor, typed, address, account)
    record(actor, "sign-in-failed", details={"username": typed})
    db.session.commit()
    return Attempt(None, slow_down_s)


def lift(actor: Actor, scope: Scope, key: str) -> None:
    """Clear an account's or an address's count of failures, as the committee decided."""
    item = _item(scope)
    _in_store(lambda store: store.clear(item, *_ids(scope, key)))
    record(actor, LIFTED, details={"limit": str(scope), "key": key})
    db.session.commit()


def count(scope: Scope, *keys: str) -> Count:
    """The failures counted now for one account, address, or account and address."""
    item, ids = _item(scope), _ids(scope, *keys)
    stats = _in_store(lambda store: store.get_window_stats(item, *ids))
    failures = item.amount - stats.remaining
    return Count(scope, "/".join(keys), failures, item.amount, _seconds_until(stats.reset_time))


def recent_locks(hours: int = 24) -> list[Lock]:
    """Every account and address that reached its limit in the last hours, newest first."""
    since = format_time(datetime.now(UTC) - timedelta(hours=hours))
    entries = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == REACHED, AuditEvent.occurred_at >= since)
        .order_by(AuditEvent.seq.desc())
    )
    locks: dict[tuple[Scope, str], Lock] = {}
    for entry in entries:
        scope, key = Scope(entry.details["limit"]), str(entry.details["key"])
        if (scope, key) not in locks:
            reached_at = datetime.fromisoformat(entry.occurred_at)
            locks[scope, key] = Lock(str(entry.details["name"]), reached_at, count(scope, key))
    return list(locks.values())


def lookup(typed: str) -> Count:
    """The count of an address (when ``typed`` is one) or of a name, as the committee typed it."""
    try:
        ipaddress.ip_address(typed.strip())
    except ValueError:
        return count(Scope.account, account_key(typed))
    return count(Scope.address, address_key(typed.strip()))


def _refuse_at_limit(scope: Scope, key: str, reason: SignInReason) -> None:
    """Turn the attempt away while this count is at its limit (one read, in the common case)."""
    item, ids = _item(scope), _ids(scope, key)
    if not _in_store(lambda store: store.test(item, *ids)):
        raise SignInRefused(reason, {"retry_after_s": max(1, count(scope, key).resets_in_s)})


def _count_failure(actor: Actor, name: str, address: str, account: str) -> int:
    """Count a failed attempt; how many seconds this address should wait on this account."""
    if _fail(Scope.address, address):
        _record_reached(actor, Scope.address, address, address)
    if _fail(Scope.account_address, account, address) is None:
        # Beyond this address's allowance for the account: not counted on the account.
        return max(1, count(Scope.account_address, account, address).resets_in_s)
    if _fail(Scope.account, account):
        _record_reached(actor, Scope.account, account, name)
    return 0


def _fail(scope: Scope, *keys: str) -> bool | None:
    """Count one failure: None beyond the limit, True when this one reached it, else False."""
    item, ids = _item(scope), _ids(scope, *keys)

    def hit(store: RateLimiter) -> bool | None:
        if not store.hit(item, *ids):
            return None
        return not store.test(item, *ids)

    return _in_store(hit)


def _record_reached(actor: Actor, scope: Scope, key: str, name: str) -> None:
    """Tell the operators and the audit log that a limit was reached, and by what."""
    log.warning("sign-in limit reached for an %s: %r", scope, name)
    record(actor, REACHED, details={"limit": str(scope), "key": key, "name": name})


@functools.cache
def _parsed(limit: str) -> RateLimitItem:
    """A limit setting such as ``10 per 15 minutes``, read once."""
    return parse(limit)


def _item(scope: Scope) -> RateLimitItem:
    """The configured limit of a count."""
    return _parsed(current_app.config[LIMIT_SETTINGS[scope]])


def _ids(scope: Scope, *keys: str) -> tuple[str, ...]:
    """The identifiers of one count in the store, apart from the limiter's own keys."""
    return ("sign-in", str(scope), *keys)


def _seconds_until(moment: float) -> int:
    """Whole seconds from now until a store's reset time (0 when already past)."""
    return max(0, math.ceil(moment - time.time()))


@dataclass
class _Fallback:
    """This process's own counts, used while the shared store is failing."""

    store: RateLimiter
    until: float = 0.0


def _in_store(action: Callable[[RateLimiter], T]) -> T:
    """Run ``action`` on the shared store, or for a while after it failed, on this process's.

    Sign-in must go on if Redis stops mid-election: counts are then per process, as with
    ``memory://``, until the store answers again; the log says so each time.
    """
    fallback = current_app.extensions.get(_FALLBACK)
    if fallback is None:
        fallback = _Fallback(type(limiter.limiter)(MemoryStorage()))
        current_app.extensions[_FALLBACK] = fallback
    if time.monotonic() >= fallback.until:
        try:
            return action(limiter.limiter)
        except StorageError:
            log.exception(
                "the sign-in limits' store failed: counting in this process's memory for %d s",
                STORE_RETRY_S,
            )
            fallback.until = time.monotonic() + STORE_RETRY_S
    return action(fallback.store)

"""Codes people read off paper and type: no character that can be mistaken for another.

The alphabet leaves out 0, O, 1, I and L, which look alike in many fonts. Typing is
forgiven (``normalise_code``): case, spaces and dashes, full-width characters, and
Cyrillic letters that look exactly like a Latin one (a student whose keyboard is on
the Kazakh or Russian layout types "АВСЕ" for "ABCE"). A 0, O, 1, I or L is left as
typed rather than guessed at (0 could be O, D or Q): no issued code contains one, so
such a code simply matches nothing, and sign-in fails the ordinary way without
saying which part was wrong.
"""

import secrets
import unicodedata
from typing import Protocol

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACCESS_CODE_GROUPS = (4, 4)
TRACKING_CODE_GROUPS = (4, 4, 2)
CODE_LENGTH = sum(ACCESS_CODE_GROUPS)

_CYRILLIC_TWINS = str.maketrans("АВСЕНКМРТХҮЗ", "ABCEHKMPTXY3")


class ChoiceSource(Protocol):
    """Where randomness comes from: ``secrets`` in the app, a seeded generator in tests."""

    def choice(self, seq: str, /) -> str:
        """Pick one character of ``seq``."""
        ...


def _draw(groups: tuple[int, ...], rng: ChoiceSource) -> str:
    """Random characters from the alphabet, in dash-separated groups of the given sizes."""
    return "-".join("".join(rng.choice(ALPHABET) for _ in range(size)) for size in groups)


def new_access_code(rng: ChoiceSource = secrets) -> str:
    """A student's sign-in code, ``XXXX-XXXX``: 31⁸ ≈ 8.5·10¹¹ codes, about 39.6 bits.

    Enough against online guessing, which the sign-in limits bound (at most 600 failures
    from one address in 15 minutes; the README's *Sign-in security* gives the odds): with
    2,000 codes issued, one guess succeeds with odds of about 1 in 400 million.
    """
    return _draw(ACCESS_CODE_GROUPS, rng)


def new_tracking_code(rng: ChoiceSource = secrets) -> str:
    """A ballot's tracking code, ``XXXX-XXXX-XX``: 31¹⁰ ≈ 8.2·10¹⁴ codes, about 49.5 bits.

    Tracking codes are published beside every ballot, so they must not collide: with
    10,000 ballots two share a code with odds of about 1 in 16 million (the database's
    unique key catches even that), and a mistyped code lands on someone else's with
    odds of about 1 in 80 billion. Eight characters would make collisions a thousand
    times likelier, twelve would only make the code harder to read out.
    """
    return _draw(TRACKING_CODE_GROUPS, rng)


def looks_like_access_code(text: str) -> bool:
    """Whether typed text could be an access code: eight letters of the codes' alphabet.

    Such text is never logged: a student who swaps the two sign-in fields would
    otherwise leave their code in the audit log.
    """
    folded = normalise_code(text)
    return len(folded) == CODE_LENGTH and all(ch in ALPHABET for ch in folded)


def normalise_code(text: str) -> str:
    """The code as compared and hashed: upper case, no separators, look-alikes mapped.

    ``normalise_code("abcd efgh") == normalise_code("ABCD-EFGH") == "ABCDEFGH"``.
    """
    folded = unicodedata.normalize("NFKC", text).upper().translate(_CYRILLIC_TWINS)
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Pd")


def printed_code(typed: str) -> str | None:
    """A tracking code as receipts print it (``XXXX-XXXX-XX``) from what was typed, if it fits."""
    plain = normalise_code(typed)
    if len(plain) != sum(TRACKING_CODE_GROUPS) or any(ch not in ALPHABET for ch in plain):
        return None
    first, second, _rest = TRACKING_CODE_GROUPS
    return f"{plain[:first]}-{plain[first : first + second]}-{plain[first + second :]}"

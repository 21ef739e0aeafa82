"""Order names as a Kazakh or Russian reader expects, wherever the app lists people."""

from __future__ import annotations

import unicodedata

# The Kazakh Cyrillic alphabet, which holds the Russian one in the same relative order.
_KAZAKH_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_LETTER_RANK = {letter: index for index, letter in enumerate(_KAZAKH_ALPHABET)}


def alphabetical_key(name: str) -> tuple[tuple[int, int], ...]:
    """Sort names as a Kazakh or Russian reader expects: Ә after А, Қ after К, Latin first.

    Code point order would put every Kazakh-only letter after Я.
    """
    folded = unicodedata.normalize("NFC", name).casefold()
    return tuple((1, _LETTER_RANK[ch]) if ch in _LETTER_RANK else (0, ord(ch)) for ch in folded)


def initials(name: str) -> str:
    """Up to two initials, shown where a candidate has no photo."""
    return "".join(word[0] for word in name.split()[:2]).upper()

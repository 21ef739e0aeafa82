"""CSV that spreadsheets open as text: cells that would run as formulas are neutralised.

Shared by every CSV download (the audit log, results, turnout, ballots), so the rule is kept
in one place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

# A spreadsheet runs a cell that starts with one of these as a formula (or, for tab and CR,
# may shift it into one): the export prefixes such cells with ' so they stay text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
"""Written first, so spreadsheets read the file as UTF-8."""


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one CSV line (CRLF ended), every cell neutralised; None becomes empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV file, with the byte-order mark spreadsheets need to read UTF-8."""
    return BOM + "".join(csv_lines(rows))

"""Read a student roll from CSV (any spreadsheet's flavour) or XLSX into checked rows.

Columns, by header (case and spaces ignored; Russian and Kazakh names accepted):

================  ==============================================
student_number    номер / нөмір, оқушы нөмірі
full_name         фио, имя / аты-жөні
grade             параллель, класс (число) / сынып (сан), 1-12
class             буква класса... : the class, e.g. ``10A`` or ``10А``
shanyrak          шанырак / шаңырақ (house)
================  ==============================================

Every bad row is reported with its line number, and one bad row means the
whole file is refused: a roll is imported entirely or not at all. So is a header that
names one column twice (two "number" columns, say): guessing which one holds the
student numbers could hand one student's account to another.

"№" is not a student number: in Russian and Kazakh sheets it is the row's count.
CSV comes as UTF-8 (with or without BOM) or UTF-16 ("Unicode text"), with Excel's
``sep=`` line understood; XLSX numbers are read as their cell format shows them, so a
number formatted ``00000`` keeps its leading zeros.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

HEADER_ALIASES = {
    "student_number": {
        "student_number",
        "number",
        "student_no",
        "id",
        "номер",
        "нөмір",
        "оқушы_нөмірі",
    },
    "full_name": {"full_name", "name", "фио", "имя", "аты-жөні", "аты_жөні", "толық_аты"},
    "grade": {"grade", "параллель", "сынып_саны", "grade_level"},
    "class": {"class", "class_name", "класс", "сынып"},
    "shanyrak": {"shanyrak", "house", "шанырак", "шаңырақ"},
}
SEPARATOR_LINE = re.compile(r" *sep=([,;\t|]) *")
ZERO_PADDED = re.compile(r"0+")
MAX_NAME = 200
MAX_NUMBER = 64
MAX_SHANYRAK = 64
MAX_CLASS = 16


class RollProblem(StrEnum):
    """Why a roll file or one of its rows was refused."""

    unreadable = "unreadable"
    missing_columns = "missing-columns"
    missing_field = "missing-field"
    bad_grade = "bad-grade"
    class_grade_mismatch = "class-grade-mismatch"
    duplicate_number = "duplicate-number"
    ambiguous_column = "ambiguous-column"
    too_long = "too-long"
    bad_characters = "bad-characters"
    empty = "empty"
    staff_account = "staff-account"
    voting_now = "voting-now"


@dataclass(frozen=True)
class RollRow:
    """One student as the file describes them."""

    line: int
    student_number: str
    full_name: str
    grade: int
    class_name: str
    shanyrak: str


@dataclass(frozen=True)
class RowError:
    """A refused row (or file, at line 0), with what was wrong."""

    line: int
    problem: RollProblem
    column: str | None = None
    value: str | None = None


class RollFileError(Exception):
    """The file was refused; ``errors`` lists every problem found, by line."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the roll file")
        self.errors = errors


def parse_roll(data: bytes, filename: str = "") -> list[RollRow]:
    """Parse and check a whole roll file, raising ``RollFileError`` with every problem found.

    The content decides the format (a workbook is a ZIP archive); ``filename`` is only the
    uploader's claim and is not trusted, so a CSV named ``roll.xlsx`` is still read as CSV.
    """
    records = _xlsx_records(data) if data[:4] == b"PK\x03\x04" else _csv_records(data)
    header, *body = _non_blank(records)
    columns = _map_header(header[1])
    rows, errors, first_line = [], [], {}
    for line, cells in body:
        row = _check_row(line, cells, columns, errors)
        if row is None:
            continue
        key = row.student_number.casefold()
        if key in first_line:
            errors.append(
                RowError(
                    line,
                    RollProblem.duplicate_number,
                    "student_number",
                    f"{row.student_number} (line {first_line[key]})",
                )
            )
            continue
        first_line[key] = line
        rows.append(row)
    if errors:
        raise RollFileError(errors)
    if not rows:
        raise RollFileError([RowError(0, RollProblem.empty)])
    return rows


def _csv_records(data: bytes) -> list[tuple[int, list[str]]]:
    """Decode UTF-8 or UTF-16 and take Excel's ``sep=`` line, or sniff the separator.

    The separator is the one most used in the first line with anything in it (comma,
    semicolon or tab). Other encodings are refused rather than guessed: Russian Excel's
    plain "CSV" is cp1251, which has no letters for Kazakh names.
    """
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise RollFileError([RowError(0, RollProblem.unreadable, value="encoding")]) from None
    lines = text.splitlines()
    first_line = next((line for line in lines if line.strip()), "")
    declared = SEPARATOR_LINE.fullmatch(first_line)
    if declared:
        delimiter = declared.group(1)
        text = text.replace(first_line, "", 1)  # a blank line now: line numbers stay true
    else:
        delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error:
        raise RollFileError([RowError(reader.line_num, RollProblem.unreadable)]) from None


def _xlsx_records(data: bytes) -> list[tuple[int, list[str]]]:
    """Read the first sheet of a workbook, each cell as the sheet shows it.

    A damaged workbook can fail anywhere while its rows are read, not only when opened,
    so both are guarded; openpyxl raises many kinds of error for a broken file.
    """
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [
            (number, [_xlsx_cell(cell.value, cell.number_format) for cell in row])
            for number, row in enumerate(sheet.iter_rows(), start=1)
        ]
    except Exception:
        raise RollFileError([RowError(0, RollProblem.unreadable, value="xlsx")]) from None


def _xlsx_cell(value: object, number_format: str | None) -> str:
    """Show a spreadsheet cell as the sheet shows it: 7.0 as 7, 101 formatted 00000 as 00101."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    whole = isinstance(value, int) and not isinstance(value, bool)
    if whole and number_format and ZERO_PADDED.fullmatch(number_format):
        return str(value).zfill(len(number_format))
    return str(value)


def _non_blank(records: Iterable[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Drop rows with nothing in them; refuse a file with no header."""
    kept = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not kept:
        raise RollFileError([RowError(0, RollProblem.empty)])
    return kept


def _header_key(text: str) -> str:
    """Fold a header cell so 'Full name', 'full_name' and ' FULL NAME ' agree."""
    return "_".join(unicodedata.normalize("NFC", text).strip().casefold().split())


def _map_header(header: list[str]) -> dict[str, int]:
    """Find each required column's index, or refuse the file naming the missing or doubled ones."""
    positions: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for column, aliases in HEADER_ALIASES.items():
            if key not in aliases:
                continue
            if column in positions:
                both = f"{header[positions[column]].strip()}, {cell.strip()}"
                errors.append(RowError(1, RollProblem.ambiguous_column, column, both))
            else:
                positions[column] = index
    missing = [column for column in HEADER_ALIASES if column not in positions]
    if missing:
        errors.append(RowError(1, RollProblem.missing_columns, value=", ".join(missing)))
    if errors:
        raise RollFileError(errors)
    return positions


def _clean(text: str) -> str:
    """Normalise Unicode and spaces; what remains must be printable."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_printable(text: str) -> bool:
    """Refuse control characters and bidirectional overrides that could disguise a name."""
    return not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in text)


def _check_row(
    line: int, cells: list[str], columns: dict[str, int], errors: list[RowError]
) -> RollRow | None:
    """Validate one row, appending its problems to ``errors``."""
    values = {
        column: _clean(cells[index]) if index < len(cells) else ""
        for column, index in columns.items()
    }
    found = len(errors)
    limits = {
        "student_number": MAX_NUMBER,
        "full_name": MAX_NAME,
        "class": MAX_CLASS,
        "shanyrak": MAX_SHANYRAK,
    }
    for column, value in values.items():
        if not value:
            errors.append(RowError(line, RollProblem.missing_field, column))
        elif not _is_printable(value):
            errors.append(
                RowError(
                    line,
                    RollProblem.bad_characters,
                    column,
                    value.encode("unicode_escape").decode(),
                )
            )
        elif column in limits and len(value) > limits[column]:
            errors.append(RowError(line, RollProblem.too_long, column))
    grade = _grade(values["grade"])
    if values["grade"] and grade is None:
        errors.append(RowError(line, RollProblem.bad_grade, "grade", values["grade"]))
    if len(errors) > found:
        return None
    class_name = _class_name(values["class"])
    leading = "".join(_leading_digits(class_name))
    if leading and int(leading) != grade:
        errors.append(RowError(line, RollProblem.class_grade_mismatch, "class", class_name))
        return None
    return RollRow(
        line, values["student_number"], values["full_name"], grade, class_name, values["shanyrak"]
    )


def _class_name(text: str) -> str:
    """A class as shown: capitals and no spaces ("10 а" → "10А"); letters keep their script."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


def _grade(text: str) -> int | None:
    """A grade is a whole number from 1 to 12 written in ASCII digits."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= 12 else None


def _leading_digits(text: str) -> Iterator[str]:
    """The digits a class name starts with ('10' of '10А')."""
    for ch in text:
        if not (ch.isascii() and ch.isdigit()):
            return
        yield ch

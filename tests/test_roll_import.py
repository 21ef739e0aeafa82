"""Importing the student roll: formats, re-imports, deactivation, and refusals by line."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from elections.extensions import db
from elections.files.roll import RollFileError, RollProblem, parse_roll
from elections.models import AuditEvent, User
from tests.conftest import enrol, make_election, make_staff, post_form

HEADER = "student_number,full_name,grade,class,shanyrak\n"
GOOD = HEADER + (
    "1001,Айгерім Нұрланқызы,10,10А,Алтай\n"
    "1002,Иван Петров,10,10А,Арал\n"
    "1003,Aru Serik,11,11B,Жетісу\n"
)


def students() -> dict[str, User]:
    """Every student on the roll by number."""
    return {u.username: u for u in db.session.scalars(select(User).where(User.role == "student"))}


def import_via_cli(runner, tmp_path, content: bytes, *extra: str, name: str = "roll.csv"):
    """Run ``flask roll import`` on a file with the given bytes."""
    path = tmp_path / name
    path.write_bytes(content)
    return runner.invoke(args=["roll", "import", str(path), *extra])


def upload_roll(browser, content: bytes, *, deactivate_missing: bool = False):
    """Upload a roll file through the committee's page."""
    data: dict[str, object] = {"file": (io.BytesIO(content), "roll.csv")}
    if deactivate_missing:
        data["deactivate_missing"] = "y"
    return post_form(browser, "/committee/roll", data, content_type="multipart/form-data")


def test_good_file_adds_every_student(app, runner, tmp_path):
    result = import_via_cli(runner, tmp_path, GOOD.encode())
    assert result.exit_code == 0, result.output
    assert "added=3 updated=0 unchanged=0 deactivated=0" in result.output
    roll = students()
    assert roll["1001"].full_name == "Айгерім Нұрланқызы"
    assert (roll["1001"].grade, roll["1001"].class_name, roll["1001"].shanyrak) == (
        10,
        "10А",
        "Алтай",
    )
    assert roll["1003"].class_name == "11B"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["roll-imported"]


def test_bom_and_semicolons_from_a_russian_spreadsheet(app, runner, tmp_path):
    content = (
        "\ufeffstudent_number;full_name;grade;class;shanyrak\r\n2001;Ким Анастасия;9;9б;Арал\r\n"
    )
    result = import_via_cli(runner, tmp_path, content.encode("utf-8"))
    assert result.exit_code == 0, result.output
    student = students()["2001"]
    assert student.full_name == "Ким Анастасия"
    assert student.class_name == "9Б"  # class letters are normalised to capitals


def test_russian_and_kazakh_headers_are_understood():
    rows = parse_roll(
        "Номер;ФИО;Параллель;Класс;Шанырак\n3001;Оспанов Ерасыл;8;8Ә;Ұлытау\n".encode()
    )
    assert rows[0].student_number == "3001"
    assert rows[0].class_name == "8Ә"


def test_xlsx_workbook(app, runner, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["student_number", "full_name", "grade", "class", "shanyrak"])
    sheet.append([4001, "Тоқтаров Бекзат", 7, "7А", "Қаратау"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_via_cli(runner, tmp_path, buffer.getvalue(), name="roll.xlsx")
    assert result.exit_code == 0, result.output
    assert students()["4001"].grade == 7


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("1004,,10,10A,Алтай", RollProblem.missing_field),
        ("1004,Name,13,13A,Алтай", RollProblem.bad_grade),
        ("1004,Name,ten,10A,Алтай", RollProblem.bad_grade),
        ("1004,Name,10,11A,Алтай", RollProblem.class_grade_mismatch),
        ("1001,Name,10,10A,Алтай", RollProblem.duplicate_number),
        ("1004,Evil\u202eName,10,10A,Алтай", RollProblem.bad_characters),
        ("1004,Name\x00,10,10A,Алтай", RollProblem.bad_characters),
    ],
)
def test_one_bad_row_refuses_the_whole_file_naming_its_line(app, runner, tmp_path, line, problem):
    content = GOOD + "1005,Fine Student,10,10A,Алтай\n" + line + "\n"
    with pytest.raises(RollFileError) as refused:
        parse_roll(content.encode())
    assert [(e.line, e.problem) for e in refused.value.errors] == [(6, problem)]
    result = import_via_cli(runner, tmp_path, content.encode())
    assert result.exit_code != 0
    assert "Line 6:" in result.output
    assert students() == {}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_missing_columns_are_named():
    with pytest.raises(RollFileError) as refused:
        parse_roll(b"student_number,full_name,grade\n1,A,10\n")
    assert refused.value.errors[0].problem == RollProblem.missing_columns
    assert refused.value.errors[0].value == "class, shanyrak"


def test_a_row_count_column_is_not_taken_for_the_student_number():
    rows = parse_roll("№;ФИО;Параллель;Класс;Шанырак;Номер\n1;Аса А;9;9А;Арал;S1\n".encode())
    assert rows[0].student_number == "S1"


def test_two_columns_that_could_be_the_student_number_refuse_the_file(app, runner, tmp_path):
    content = "ID;ФИО;Параллель;Класс;Шанырак;Номер\n1;Аса А;9;9А;Арал;S1\n"
    with pytest.raises(RollFileError) as refused:
        parse_roll(content.encode())
    error = refused.value.errors[0]
    assert (error.line, error.problem, error.column) == (
        1,
        RollProblem.ambiguous_column,
        "student_number",
    )
    assert error.value == "ID, Номер"
    result = import_via_cli(runner, tmp_path, content.encode())
    assert result.exit_code != 0
    assert "More than one column could be the student number (ID, Номер)." in result.output
    assert students() == {}


def xlsx_with_numbers(numbers: list[int], number_format: str) -> bytes:
    """A workbook whose student numbers are numeric cells in the given format."""
    book = Workbook()
    sheet = book.active
    sheet.append(["student_number", "full_name", "grade", "class", "shanyrak"])
    for number in numbers:
        sheet.append([number, f"Student {number}", 7, "7А", "Қаратау"])
        sheet.cell(row=sheet.max_row, column=1).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_numbers_keep_the_leading_zeros_their_format_shows():
    rows = parse_roll(xlsx_with_numbers([101, 80512], "000000"))
    assert [r.student_number for r in rows] == ["000101", "080512"]
    plain = parse_roll(xlsx_with_numbers([101], "General"))
    assert plain[0].student_number == "101"


def test_the_same_roll_as_csv_and_as_xlsx_names_the_same_students(app, runner, tmp_path):
    csv_roll = HEADER + "00101,Student 101,7,7А,Қаратау\n00102,Student 102,7,7А,Қаратау\n"
    assert import_via_cli(runner, tmp_path, csv_roll.encode()).exit_code == 0
    xlsx = xlsx_with_numbers([101, 102], "00000")
    result = import_via_cli(runner, tmp_path, xlsx, "--deactivate-missing", name="roll.xlsx")
    assert result.exit_code == 0, result.output
    assert "added=0" in result.output
    assert "deactivated=0" in result.output
    assert sorted(students()) == ["00101", "00102"]


@pytest.mark.parametrize("damage", ["cut short", "sheet cut short"])
def test_a_damaged_workbook_is_refused_not_a_crash(damage):
    whole = xlsx_with_numbers([101], "General")
    if damage == "cut short":
        damaged = whole[: len(whole) * 2 // 3]
    else:  # the archive is sound, the sheet's XML is not: it breaks while rows are read
        source, target = io.BytesIO(whole), io.BytesIO()
        with zipfile.ZipFile(source) as book, zipfile.ZipFile(target, "w") as copy:
            for item in book.infolist():
                data = book.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data[: len(data) - 40]
                copy.writestr(item, data)
        damaged = target.getvalue()
    with pytest.raises(RollFileError) as refused:
        parse_roll(damaged)
    assert refused.value.errors[0].problem == RollProblem.unreadable


def test_unicode_text_from_excel_is_read():
    content = "student_number\tfull_name\tgrade\tclass\tshanyrak\r\n5001\tӘлия Ә\t8\t8Ә\tАрал\r\n"
    rows = parse_roll(content.encode("utf-16"))
    assert (rows[0].student_number, rows[0].full_name) == ("5001", "Әлия Ә")


def test_excels_separator_line_and_leading_blank_lines_are_understood():
    content = (
        "\n"
        + "sep=;\n"
        + HEADER.replace(",", ";")
        + "6001;Аян Б;10;10А;Арал\n6002;Bad;13;13А;Арал\n"
    )
    with pytest.raises(RollFileError) as refused:
        parse_roll(content.encode())
    assert [(e.line, e.problem) for e in refused.value.errors] == [(5, RollProblem.bad_grade)]
    fine = parse_roll(("sep=,\n" + GOOD).encode())
    assert [r.student_number for r in fine] == ["1001", "1002", "1003"]
    tabs = parse_roll(("sep=\t\n" + GOOD.replace(",", "\t")).encode())
    assert [r.student_number for r in tabs] == ["1001", "1002", "1003"]


def test_reimport_is_idempotent_and_updates_by_number(app, runner, tmp_path):
    import_via_cli(runner, tmp_path, GOOD.encode())
    again = import_via_cli(runner, tmp_path, GOOD.encode())
    assert "added=0 updated=0 unchanged=3 deactivated=0" in again.output
    moved = GOOD.replace("1002,Иван Петров,10,10А,Арал", "1002,Иван Петров,10,10Б,Арал")
    result = import_via_cli(runner, tmp_path, moved.encode())
    assert "added=0 updated=1 unchanged=2 deactivated=0" in result.output
    assert students()["1002"].class_name == "10Б"
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_deactivation_only_on_request(app, runner, tmp_path):
    import_via_cli(runner, tmp_path, GOOD.encode())
    shorter = HEADER + "1001,Айгерім Нұрланқызы,10,10А,Алтай\n"
    kept = import_via_cli(runner, tmp_path, shorter.encode())
    assert "deactivated=0" in kept.output
    assert all(s.active for s in students().values())
    result = import_via_cli(runner, tmp_path, shorter.encode(), "--deactivate-missing")
    assert "added=0 updated=0 unchanged=1 deactivated=2" in result.output
    roll = students()
    assert roll["1001"].active
    assert not roll["1002"].active
    assert not roll["1003"].active
    back = import_via_cli(runner, tmp_path, GOOD.encode())
    assert "updated=2" in back.output
    assert students()["1002"].active


def test_student_number_clashing_with_staff_is_refused(app, runner, tmp_path):
    make_staff("committee", username="1002")
    result = import_via_cli(runner, tmp_path, GOOD.encode())
    assert result.exit_code != 0
    assert students() == {}


def test_committee_uploads_a_roll_in_the_browser(app, staff_client):
    browser, _user = staff_client("committee")
    data = {"file": (io.BytesIO(GOOD.encode()), "roll.csv")}
    response = post_form(browser, "/committee/roll", data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = browser.get("/committee/roll").get_data(as_text=True)
    assert "3 added" in page
    assert "Иван Петров" in page


def test_browser_upload_of_a_bad_file_lists_lines_and_keeps_nothing(app, staff_client):
    browser, _user = staff_client("committee")
    bad = GOOD + "1004,Name,14,14A,Алтай\n"
    data = {"file": (io.BytesIO(bad.encode()), "roll.csv")}
    response = post_form(browser, "/committee/roll", data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Line 5:" in page
    assert students() == {}


def test_no_student_who_may_vote_now_is_deactivated(app, runner, tmp_path, staff_client):
    import_via_cli(runner, tmp_path, GOOD.encode())
    roll = students()
    poll = make_election(phase="open")
    enrol(poll, roll["1002"])  # on the open poll's frozen roll; 1003 is not
    shorter = HEADER + "1001,Айгерім Нұрланқызы,10,10А,Алтай\n"

    browser, _user = staff_client("committee")
    page = upload_roll(browser, shorter.encode(), deactivate_missing=True).get_data(as_text=True)

    assert "open now, so they cannot be deactivated until it closes: 1002." in page
    db.session.expire_all()
    assert all(s.active for s in students().values())  # nothing changed, 1003 included
    poll.phase = "closed"
    db.session.commit()
    done = import_via_cli(runner, tmp_path, shorter.encode(), "--deactivate-missing")
    assert "deactivated=2" in done.output
    logged = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "roll-imported").order_by(AuditEvent.seq)
    ).all()
    assert logged[-1].details["deactivated_numbers"] == ["1002", "1003"]

"""The school the browser tests run: its roll, candidates' photos, and a polling station to seed.

Thirty students in three classes and three shanyraks, with Kazakh and Russian names, as a
committee would export them from a spreadsheet (semicolon separated, UTF-8 with a BOM,
Russian and Kazakh column names).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select

from config import TestingConfig
from elections import create_app
from elections.extensions import db
from elections.files.photos import clean_photo
from elections.files.roll import parse_roll
from elections.models import User
from elections.operations import accounts
from elections.operations import elections as ops
from elections.operations.audit_log import Actor
from elections.operations.candidates import add_candidate
from elections.operations.lifecycle import close_election, open_election, publish_election
from elections.operations.positions import PositionSpec, create_position
from elections.operations.roll import import_roll
from elections.operations.voting import cast_ballots

SHANYRAKS = ("Алтай", "Бәйтерек", "Жетісу")
CLASSES = ((10, "10А"), (10, "10Ә"), (11, "11Б"))
NAMES = (
    "Нұрланов Әли",
    "Сейітқызы Айгерім",
    "Иванов Максим",
    "Қасымов Дәурен",
    "Смирнова Анна",
    "Әбілқайыр Дана",
    "Кузнецов Дмитрий",
    "Жұмабаев Ерлан",
    "Попова Мария",
    "Төлегенова Мөлдір",
    "Соколов Артём",
    "Серікұлы Нұрсұлтан",
    "Лебедева Екатерина",
    "Бекболатқызы Аружан",
    "Козлов Илья",
    "Оспанов Ілияс",
    "Новикова Софья",
    "Ғалымжанқызы Жансая",
    "Морозов Кирилл",
    "Есенов Бауыржан",
    "Волкова Дарья",
    "Мұратқызы Әсел",
    "Павлов Егор",
    "Ахметов Арман",
    "Семёнова Алиса",
    "Құдайбергенова Томирис",
    "Фёдоров Тимур",
    "Қайратұлы Алихан",
    "Михайлова Полина",
    "Нұрмағамбетова Іңкәр",
)
ACTOR_NAME = "cli:e2e-seed"
PHOTO_COLOURS = ((70, 130, 180), (200, 120, 60), (90, 160, 90))


@dataclass(frozen=True)
class Pupil:
    """One line of the roll."""

    number: str
    name: str
    grade: int
    class_name: str
    shanyrak: str


ROLL = tuple(
    Pupil(
        number=f"70{index + 101:04d}",
        name=name,
        grade=CLASSES[index // 10][0],
        class_name=CLASSES[index // 10][1],
        shanyrak=SHANYRAKS[index % 3],
    )
    for index, name in enumerate(NAMES)
)


def pupil(number: str) -> Pupil:
    """The pupil with that student number."""
    return next(p for p in ROLL if p.number == number)


def of_shanyrak(shanyrak: str) -> list[Pupil]:
    """The pupils of one shanyrak, in roll order."""
    return [p for p in ROLL if p.shanyrak == shanyrak]


def roll_csv() -> str:
    """The roll as a spreadsheet in a Kazakh or Russian locale saves it (semicolons)."""
    lines = ["Номер;ФИО;параллель;класс;шаңырақ"]
    lines += [f"{p.number};{p.name};{p.grade};{p.class_name};{p.shanyrak}" for p in ROLL]
    return "\n".join(lines) + "\n"


def write_roll_csv(path: Path) -> Path:
    """The roll file the committee uploads: UTF-8 with the BOM spreadsheets write."""
    path.write_text(roll_csv(), encoding="utf-8-sig")
    return path


def portrait_png(colour: tuple[int, int, int], size: int = 160) -> bytes:
    """A small made-up portrait: a head and shoulders on a coloured background."""
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    skin = (236, 200, 170)
    draw.ellipse((size * 0.3, size * 0.15, size * 0.7, size * 0.55), fill=skin)
    draw.ellipse((size * 0.12, size * 0.6, size * 0.88, size * 1.3), fill=(40, 60, 110))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class PollingStation:
    """What a seeded site holds: an open election, a published one, and every access code."""

    open_election: int
    published_election: int
    codes: dict[str, str]  # student number -> access code

    def code(self, number: str) -> str:
        """The access code of one student."""
        return self.codes[number]


OPEN_TITLE = "Council of Leaders 2026"
PUBLISHED_TITLE = "Council of Leaders 2025"


def seed_polling_station(database_url: str, audit_key: str) -> PollingStation:
    """Seed a site through the app's own operations, as the committee's pages would.

    The roll and its access codes; a published election that eight students voted in (for
    the results page and the bulletin board); and an open election whose ballot has every
    kind of question: single choice with photos, several choices, ranked, and yes or no.
    """
    actor = Actor(ACTOR_NAME, "admin", "cli")
    app = create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "AUDIT_HMAC_KEY": audit_key}
    )
    with app.app_context():
        import_roll(actor, parse_roll(roll_csv().encode(), "roll.csv"), deactivate_missing=False)
        students = {s.username: s for s in db.session.scalars(select(User))}
        codes = {
            student.username: code
            for student, code in accounts.issue_access_codes(
                actor, [students[p.number] for p in ROLL]
            )
        }
        now = datetime.now(UTC)

        def election(title: str, *positions: PositionSpec) -> tuple[int, list[int]]:
            details = ops.ElectionDetails(
                title=title,
                description="",
                opens_at=now + timedelta(minutes=5),
                closes_at=now + timedelta(days=1),
            )
            election_id = ops.create_election(actor, details).id
            return election_id, [create_position(actor, election_id, p).id for p in positions]

        def stand(position_id: int, numbers: tuple[str, ...], photos: bool = False) -> list[int]:
            return [
                add_candidate(
                    actor,
                    position_id,
                    student_number=number,
                    manifesto=f"**{pupil(number).name}**: more clubs, shorter queues.",
                    photo=clean_photo(
                        portrait_png(PHOTO_COLOURS[index % len(PHOTO_COLOURS)]),
                        max_bytes=5 << 20,
                        max_pixels=4096 * 4096,
                    )
                    if photos
                    else None,
                ).id
                for index, number in enumerate(numbers)
            ]

        past, (president,) = election(PUBLISHED_TITLE, PositionSpec(title="President"))
        standing = stand(president, ("700101", "700103", "700105"))
        open_election(actor, past, now)
        voters = [p.number for p in ROLL[10:18]]
        for number, pick in zip(voters, (0, 0, 0, 1, 1, 2, 0, 1), strict=True):
            cast_ballots(actor, students[number], past, {president: (standing[pick],)}, now)
        close_election(actor, past, now)
        publish_election(actor, past, now)

        current, positions = election(
            OPEN_TITLE,
            PositionSpec(title="President"),
            PositionSpec(title="Council", method="multi", seats=2),
            PositionSpec(title="Vice president", method="ranked"),
            PositionSpec(title="A new sports hall", method="yesno"),
        )
        stand(positions[0], ("700102", "700104", "700106"), photos=True)
        stand(positions[1], ("700107", "700108", "700109"))
        stand(positions[2], ("700111", "700112", "700113"))
        add_candidate(actor, positions[3], name="Build a new sports hall by 2027")
        open_election(actor, current, now)
        db.session.remove()
        db.engine.dispose()
    return PollingStation(current, past, codes)

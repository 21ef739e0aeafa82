"""The demo elections for ``flask demo``, built by the operations.

The first is open now and closes in a week; the second (``build_campaign_election``)
is in its campaign, with nominations reviewed, one rejected, one pending, and an observer.

It shows what the Council of Leaders actually runs: a President elected by grades 8-11
by ranked choice, a leader for every shanyrak voted by that shanyrak alone, and a
yes/no question for the whole school. Manifestos mix Kazakh, Russian and English as
real ones do; photos are placeholder avatars sent through the same photo pipeline as
an upload.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db
from elections.files.photos import Photo, clean_photo
from elections.models import Candidate, Election, Position, User
from elections.operations import (
    campaign_pages,
    candidates,
    elections,
    endorsements,
    lifecycle,
    nominations,
    observers,
    positions,
)
from elections.operations.audit_log import Actor
from elections.queries.roll import roll_shanyraks

TITLE = "Council of Leaders 2026 / Көшбасшылар кеңесі 2026"
DESCRIPTION = (
    "Мектеп өзін-өзі басқару сайлауы. Выборы школьного самоуправления. "
    "Student self-government election: President, shanyrak leaders and one question."
)
VOTING_DAYS = 7
PRESIDENT_GRADES = frozenset({8, 9, 10, 11})
PRESIDENT_CANDIDATE_GRADES = frozenset({10, 11})
PRESIDENT_CANDIDATES = 4
QUESTION = "Introduce a free-dress day every Friday? / Әр жұма сайын еркін киім күні?"
PROPOSAL = "Free-dress Friday / Еркін киім жұмасы / Свободная форма по пятницам"
AVATAR_SIZE = 256
AVATAR_COLOURS = ("#0b5cab", "#17663a", "#8a5a00", "#a4161a", "#5b3f99", "#00707a", "#6b4e16")
FONT_NAMES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "DejaVuSans.ttf")

PRESIDENT_MANIFESTOS = (
    "### Бәріміз бір командамыз!\n\n"
    "- Кеңес отырыстары ашық, әр айдың бірінші жұмасында\n"
    "- Кітапханада кешкі оқу залы емтихан алдында\n"
    "- Шаңырақтар арасында футбол мен шахмат турнирі\n\n"
    "Сұрақтарыңызды жазыңыз: [council@example.kz](mailto:council@example.kz)",
    "### Школа, в которой слышат каждого\n\n"
    "1. Онлайн-ящик предложений, ответ совета за неделю\n"
    "2. Клубы по интересам **без очередей** на запись\n"
    "3. Открытый бюджет совета: публикуем каждый тенге\n\n"
    "> Не обещаю невозможного — обещаю отчитываться.",
    "*Less talk, more action.*\n\n"
    "- A student-run café on Fridays, profits to the charity fair\n"
    "- Peer tutoring in maths and physics before exams\n"
    "- A greener yard: 100 trees this spring\n\n"
    "My full plan: [read it here](https://example.kz/plan)",
    "**Үш тіл — бір мектеп.** Три языка — одна школа. Three languages, one school.\n\n"
    "- Қазақ, орыс, ағылшын тілдерінде мектеп газеті\n"
    "- Разговорные клубы с выпускниками\n"
    "- Exchange letters with a partner school abroad",
)
LEADER_MANIFESTOS = (
    "Шаңырағымыздың дәстүрін сақтаймыз, жаңа достар табамыз. **Бірге күштіміз!**",
    "Предлагаю общий чат шаныраков, вечера настольных игр и помощь младшим с уроками.",
    "I will listen first: a monthly open meeting, and every idea gets an answer.",
    "- Спорт күні әр тоқсанда\n- Кішкентайларға тәлімгерлік\n- Ортақ бөлмені жөндеу",
    "Наш шанырак — самый дружный. Давайте это докажем на весенней ярмарке!",
    "*Small steps:* fix the lockers, a quiz night, and a notice board that is kept up to date.",
)
PROPOSAL_MANIFESTO = (
    "**Иә** — әр жұма сайын оқушылар мектеп формасын емес, ұқыпты еркін киім кие алады.\n\n"
    "**Да** — по пятницам можно приходить в аккуратной одежде по своему выбору.\n\n"
    "**Yes** means: every Friday, neat clothes of your own choice instead of the uniform. "
    "The school council reviews the rule after one term."
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    """A font with Cyrillic letters if the system has one; None draws a plain avatar."""
    for name in FONT_NAMES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return None


def _initials(name: str) -> str:
    """The first letters of the first two words of a name."""
    return "".join(word[0] for word in name.split()[:2]).upper()


def avatar(name: str, rng: random.Random) -> Photo:
    """A placeholder photo: the initials on a coloured square, sent through the photo pipeline."""
    image = Image.new("RGB", (AVATAR_SIZE, AVATAR_SIZE), rng.choice(AVATAR_COLOURS))
    draw = ImageDraw.Draw(image)
    font = _font(AVATAR_SIZE // 3)
    centre = AVATAR_SIZE // 2
    if font is not None:
        draw.text((centre, centre), _initials(name), fill="#ffffff", font=font, anchor="mm")
    else:
        draw.ellipse((centre - 48, centre - 80, centre + 48, centre + 16), fill="#ffffff")
        draw.ellipse((centre - 96, centre + 32, centre + 96, AVATAR_SIZE + 96), fill="#ffffff")
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return clean_photo(buffer.getvalue(), max_bytes=10 * 1024 * 1024, max_pixels=10**6)


def _students(*, grades: frozenset[int] | None = None, shanyrak: str | None = None) -> list[User]:
    """Active roll students, optionally of some grades or one shanyrak, in number order."""
    query = select(User).where(User.role == Role.student, User.active.is_(True))
    if grades is not None:
        query = query.where(User.grade.in_(sorted(grades)))
    if shanyrak is not None:
        query = query.where(User.shanyrak == shanyrak)
    return list(db.session.scalars(query.order_by(User.username)))


def build_demo_election(actor: Actor, rng: random.Random, now: datetime) -> Election:
    """Create the demo election from the roll already seeded, and open it now for a week."""
    election = elections.create_election(
        actor,
        elections.ElectionDetails(
            title=TITLE,
            description=DESCRIPTION,
            opens_at=now.replace(second=0, microsecond=0),
            closes_at=(now + timedelta(days=VOTING_DAYS)).replace(second=0, microsecond=0),
        ),
    )
    _add_president(actor, rng, election.id)
    _add_shanyrak_leaders(actor, rng, election.id)
    _add_question(actor, election.id)
    lifecycle.open_election(actor, election.id, now)
    return db.session.get(Election, election.id) or election


def _add_president(actor: Actor, rng: random.Random, election_id: int) -> None:
    """A President chosen by grades 8-11 by ranked choice, from four seniors with photos."""
    president = positions.create_position(
        actor,
        election_id,
        positions.PositionSpec(
            title="President / Президент",
            description="Мектеп президенті · Президент школы · School President",
            method="ranked",
            seats=1,
            shuffle_candidates=True,
            voter_grades=PRESIDENT_GRADES,
            candidate_grades=PRESIDENT_CANDIDATE_GRADES,
        ),
    )
    chosen = rng.sample(_students(grades=PRESIDENT_CANDIDATE_GRADES), PRESIDENT_CANDIDATES)
    for student, manifesto in zip(chosen, PRESIDENT_MANIFESTOS, strict=True):
        candidates.add_candidate(
            actor,
            president.id,
            student_number=student.username,
            manifesto=manifesto,
            photo=avatar(student.full_name, rng),
        )


def _add_shanyrak_leaders(actor: Actor, rng: random.Random, election_id: int) -> None:
    """A leader for every shanyrak, two or three of its own students standing, most with photos."""
    titles = [(name, f"Leader of {name} / {name} көшбасшысы") for name in roll_shanyraks()]
    for position in positions.create_shanyrak_positions(actor, election_id, titles):
        (shanyrak,) = position.voter_shanyraks
        pool = _students(shanyrak=shanyrak, grades=frozenset({8, 9, 10, 11}))
        for student in rng.sample(pool, min(len(pool), rng.choice((2, 3)))):
            candidates.add_candidate(
                actor,
                position.id,
                student_number=student.username,
                manifesto=rng.choice(LEADER_MANIFESTOS),
                photo=avatar(student.full_name, rng) if rng.random() < 0.7 else None,
            )


def _add_question(actor: Actor, election_id: int) -> None:
    """A yes/no question for the whole school."""
    question = positions.create_position(
        actor,
        election_id,
        positions.PositionSpec(
            title=QUESTION,
            description="Бүкіл мектеп дауыс береді · Голосует вся школа · The whole school votes",
            method="yesno",
            seats=1,
            threshold_percent=50,
        ),
    )
    candidates.add_candidate(actor, question.id, name=PROPOSAL, manifesto=PROPOSAL_MANIFESTO)


# The second demo election: the whole calendar, stopped in its campaign.

PARLIAMENT_TITLE = "School Parliament 2026 / Мектеп парламенті 2026"
PARLIAMENT_DESCRIPTION = (
    "Спикер мен спорт министрін сайлаймыз. Выбираем спикера и министра спорта. "
    "Nominations are closed; the campaign runs until the day of silence."
)
SPEAKER_ENDORSEMENTS = 3
SPEAKER_PROGRAMMES = (
    "### Әр сыныптың дауысы естілсін\n\n"
    "- Ай сайын ашық парламент отырысы\n- Ұсыныстар жәшігі әр қабатта\n\n"
    "Видеода толығырақ айтамын.",
    "### Парламент, который работает\n\n"
    "1. Протоколы заседаний — на доске объявлений\n2. Дебаты кандидатов каждую четверть\n"
    "3. **Отчёт спикера** перед каникулами",
    "*A parliament for everyone.*\n\n- Clubs fair in September\n- A quiet study room"
    " after lessons\n- Student reporters for the school site",
)
SPORT_PROGRAMMES = (
    "Футбол, волейбол, шахмат — шаңырақ кубогы әр тоқсанда!",
    "- Ski trip in February\n- New nets for the yard\n- Sports day run by students",
)
REJECTED_PROGRAMME = "Барлық емтихандарды жоямын! Отменю все экзамены! I will cancel all exams!"
REJECTION_REASON = (
    "Бағдарлама парламенттің өкілеттігінен тыс: емтихандарды министрлік белгілейді. "
    "Программа выходит за рамки полномочий парламента: экзамены назначает министерство."
)
REGISTRATION_NOTE = "Қолдау жеткілікті, құжаттар толық. Endorsements and documents checked."
VIDEO_URL = "https://video.example.kz/parliament-2026/speaker"


def build_campaign_election(actor: Actor, rng: random.Random, now: datetime) -> Election:
    """A second election in its campaign: registered candidates, one rejected, one pending.

    It runs the real calendar: nominations filed by the students themselves (with
    programmes, avatars and one video link), endorsements, the commission's review,
    an observer named, then the campaign, with a page edited once since registration.
    """
    minute = now.replace(second=0, microsecond=0)
    election = _create_parliament(actor, minute)
    speaker, sport = _parliament_positions(actor, election.id)
    # Begun by hand on the day nominations opened, as the committee did then.
    lifecycle.advance_election(actor, election.id, Phase.nomination, minute - timedelta(days=10))
    seniors = rng.sample(_students(grades=frozenset({10, 11})), 5)
    voters = _students(grades=frozenset({8, 9}))
    rng.shuffle(voters)
    speakers = [
        _file(rng, seniors[0], speaker.id, SPEAKER_PROGRAMMES[0], VIDEO_URL),
        _file(rng, seniors[1], speaker.id, SPEAKER_PROGRAMMES[1]),
        _file(rng, seniors[2], speaker.id, SPEAKER_PROGRAMMES[2]),
    ]
    _endorse_speakers(speakers, voters)
    for candidate in speakers[:2]:
        nominations.register_nomination(actor, candidate.id, REGISTRATION_NOTE)
    for student, programme in zip(seniors[3:5], SPORT_PROGRAMMES[:2], strict=True):
        nominations.register_nomination(actor, _file(rng, student, sport.id, programme).id)
    rejected = _file(rng, voters[-1], sport.id, REJECTED_PROGRAMME)
    nominations.reject_nomination(actor, rejected.id, REJECTION_REASON)
    observer = voters[-2]
    observers.name_observer(_as_student(seniors[0]), seniors[0], speakers[0].id, observer.username)
    lifecycle.advance_election(actor, election.id, Phase.campaign, now)
    campaign_pages.update_campaign_page(
        _as_student(seniors[1]),
        seniors[1],
        speakers[1].id,
        nominations.PageText(manifesto=SPEAKER_PROGRAMMES[1] + "\n\n*Обновлено: дебаты в среду!*"),
    )
    return db.session.get(Election, election.id) or election


def _create_parliament(actor: Actor, minute: datetime) -> Election:
    """The parliament's election with the whole calendar: nominations ten days ago."""
    opens = minute + timedelta(days=11)
    return elections.create_election(
        actor,
        elections.ElectionDetails(
            title=PARLIAMENT_TITLE,
            description=PARLIAMENT_DESCRIPTION,
            nomination_starts=minute - timedelta(days=10),
            campaign_starts=minute - timedelta(days=3),
            silence_starts=opens - timedelta(days=1),
            opens_at=opens,
            closes_at=opens + timedelta(hours=8),
            appeals_end=opens + timedelta(days=3),
            endorsement_limit=3,
        ),
    )


def _parliament_positions(actor: Actor, election_id: int) -> tuple[Position, Position]:
    """A Speaker who needs endorsements, and a Minister of Sport who does not."""
    speaker = positions.create_position(
        actor,
        election_id,
        positions.PositionSpec(
            title="Speaker / Спикер",
            description="Парламент спикері · Спикер парламента · Speaker of the Parliament",
            voter_grades=frozenset({8, 9, 10, 11}),
            candidate_grades=frozenset({10, 11}),
            endorsements_required=SPEAKER_ENDORSEMENTS,
        ),
    )
    sport = positions.create_position(
        actor,
        election_id,
        positions.PositionSpec(
            title="Minister of Sport / Спорт министрі",
            voter_grades=frozenset({7, 8, 9, 10, 11}),
            candidate_grades=frozenset({8, 9, 10, 11}),
        ),
    )
    return speaker, sport


def _as_student(student: User) -> Actor:
    """The student acting for themselves, as their own requests would name them."""
    return Actor(student.username, str(Role.student))


def _file(
    rng: random.Random, student: User, position_id: int, programme: str, video: str = ""
) -> Candidate:
    """The student's own nomination, with a programme and an avatar."""
    return nominations.nominate(
        _as_student(student),
        student,
        position_id,
        nominations.PageText(manifesto=programme, video_url=video),
        avatar(student.full_name, rng),
    )


def _endorse_speakers(speakers: list[Candidate], voters: list[User]) -> None:
    """Two Speaker nominees collect their endorsements; the third has one and waits."""
    for index, candidate in enumerate(speakers):
        wanted = SPEAKER_ENDORSEMENTS if index < 2 else 1
        start = index * SPEAKER_ENDORSEMENTS
        for supporter in voters[start : start + wanted]:
            endorsements.endorse(_as_student(supporter), supporter, candidate.id)

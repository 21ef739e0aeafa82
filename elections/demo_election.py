"""The demo election for ``flask demo``: open now, closing in a week, built by the operations.

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

from elections.domain.roles import Role
from elections.extensions import db
from elections.models import Election, User
from elections.operations import candidates, elections, lifecycle
from elections.operations.audit_log import Actor
from elections.photos import Photo, clean_photo

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
    president = elections.create_position(
        actor,
        election.id,
        elections.PositionSpec(
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
    shanyraks = elections.roll_shanyraks()
    titles = [(name, f"Leader of {name} / {name} көшбасшысы") for name in shanyraks]
    for position in elections.create_shanyrak_positions(actor, election.id, titles):
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
    question = elections.create_position(
        actor,
        election.id,
        elections.PositionSpec(
            title=QUESTION,
            description="Бүкіл мектеп дауыс береді · Голосует вся школа · The whole school votes",
            method="yesno",
            seats=1,
            threshold_percent=50,
        ),
    )
    candidates.add_candidate(actor, question.id, name=PROPOSAL, manifesto=PROPOSAL_MANIFESTO)
    lifecycle.open_election(actor, election.id, now)
    return db.session.get(Election, election.id) or election

"""Kazakh, Russian and English: complete catalogs, translated pages, local dates and titles.

The catalogs are compiled here (atomically, beside the ``.po`` files, where the app reads
them) so that ``pytest`` alone works; ``test.sh`` and ``run.sh`` compile them too.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from gettext import c2py
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from elections.extensions import db
from elections.models import Election, Position, User
from elections.operations.audit_log import Actor
from elections.operations.voting import cast_ballots
from tests.conftest import (
    STAFF_PASSWORD,
    make_election,
    make_position,
    make_staff,
    make_student,
    post_form,
    sign_in,
)
from tests.test_results_factories import open_poll
from tests.test_voting import answers, carried_fields, enrol

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "elections" / "translations"
LANGUAGES = ("kk", "ru", "en")
TRANSLATED = ("kk", "ru")
# The keywords scripts/i18n passes to pybabel, beyond the defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
MARKUP = re.compile(r"<[^>]+>|&#?\w+;")
CODE = "QWER-TYUP"
# UI strings that must never be left in English on a Kazakh or Russian page.
ENGLISH = (
    "Sign in",
    "Sign out",
    "My elections",
    "Vote now",
    "Review my ballot",
    "Cast my ballot",
    "Back to my elections",
    "Results",
    "Published results",
    "Audit log",
    "Turnout",
    "Candidates",
    "Blank vote",
    "Elections",
    "Student roll",
    "Access code",
    "Student number",
    "Tracking code",
    "Bulletin board",
    "Position",
    "Elected",
    "Votes",
    "Yes",
    "Voting opens",
    "Voting closes",
    "Signature",
    "Skip to content",
    "Secret ballot",
    "Page not found",
    "You do not have access",
)
# Month names in the school's zone: 2026-03-02 05:30 UTC is 10:30 in Almaty.
MARCH = {"kk": "наурыз", "ru": "марта", "en": "March"}


# Compiling and extracting.


def compile_catalogs() -> None:
    """Build each catalog's .mo beside its .po when older, atomically (xdist workers race)."""
    for language in LANGUAGES:
        po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=language)
        handle, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(temporary, mo)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Every test here reads compiled catalogs."""
    compile_catalogs()


@pytest.fixture(scope="session")
def extracted() -> Catalog:
    """Every translatable string in the code and templates, as ``scripts/i18n extract`` finds."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    catalog = Catalog()
    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(language: str) -> Catalog:
    """One language's catalog as committed."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def placeholders(text: str) -> Counter[tuple[str | None, str]]:
    """The %-placeholders of a string, as (name, conversion) pairs, ``%%`` included."""
    return Counter(PLACEHOLDER.findall(text))


def stray_percent(text: str) -> bool:
    """A % sign that starts no placeholder: formatting would fail or garble the text."""
    return text.count("%") != sum(match.group(0).count("%") for match in PLACEHOLDER.finditer(text))


def forms_used_beyond_one(language: str) -> set[int]:
    """Plural forms that some count other than 1 selects (so must show the number)."""
    plural = c2py(get_plural(language).plural_expr)
    return {plural(n) for n in range(0, 1001) if n != 1}


def problems_in(message: Message, entry: Message | None, language: str) -> list[str]:
    """What is wrong with one catalog entry for one extracted message."""
    ident = message.id if isinstance(message.id, str) else message.id[0]
    if entry is None:
        return [f"missing: {ident!r}"]
    if entry.fuzzy:
        return [f"fuzzy: {ident!r}"]
    if isinstance(message.id, str):
        sources, strings = [message.id], [entry.string]
    else:
        sources = list(message.id)
        strings = list(entry.string) if isinstance(entry.string, tuple | list) else [entry.string]
        if len(strings) != get_plural(language).num_plurals:
            return [f"wrong number of plural forms: {ident!r}"]
    found = []
    expected_all = placeholders(sources[-1]) | placeholders(sources[0])
    beyond_one = forms_used_beyond_one(language)
    for index, text in enumerate(strings):
        if not text or not text.strip():
            found.append(f"untranslated: {ident!r}")
            continue
        got = placeholders(text)
        if stray_percent(sources[-1]):  # a plain "%" in a string nobody formats
            right = text.count("%") == sources[-1].count("%")
        elif stray_percent(text):
            right = False
        elif len(sources) == 1:
            expected = placeholders(sources[0])
            right = got == expected
        elif index in beyond_one:
            right = got == placeholders(sources[-1]) or got == expected_all
        else:
            right = not (got - expected_all)
        if not right:
            found.append(f"placeholders differ in {ident!r} [{index}]: {text!r}")
        if Counter(MARKUP.findall(text)) != Counter(MARKUP.findall(sources[-1])):
            found.append(f"markup or entities differ in {ident!r} [{index}]: {text!r}")
    return found


# The catalogs.


def test_the_catalog_template_is_up_to_date(extracted):
    with (TRANSLATIONS / "messages.pot").open("rb") as source:
        template = read_po(source)
    missing = [m.id for m in extracted if m.id and template.get(m.id, m.context) is None]
    assert not missing, f"run scripts/i18n extract; new strings: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(extracted, language):
    catalog = read_catalog(language)
    assert catalog.num_plurals == get_plural(language).num_plurals
    # The rule's meaning, not its text: Babel releases spell the same CLDR rule differently.
    ours, babels = c2py(catalog.plural_expr), c2py(get_plural(language).plural_expr)
    assert [ours(n) for n in range(201)] == [babels(n) for n in range(201)]
    found: list[str] = []
    for message in extracted:
        if message.id:
            found += problems_in(message, catalog.get(message.id, message.context), language)
    assert not found, f"{len(found)} problems in {language}:\n" + "\n".join(found)


def test_the_check_catches_what_it_should():
    plural = Message(("%(num)d seat", "%(num)d seats"), ("%(num)d орын", "%(num)d орын"))
    assert problems_in(plural, plural, "kk") == []
    russian = Message(("%(num)d seat", "%(num)d seats"), ("место", "места", "мест"))
    assert len(problems_in(russian, russian, "ru")) == 3  # 21 seats also picks form 0
    for broken in (
        Message("Round %(num)d", "Тур %(num)s"),
        Message("Round %(num)d", "Тур"),
        Message("Above %(num)d%%", "%(num)d % жоғары"),
        Message("Vote", ""),
        Message("a <strong>b</strong>", "а б"),
    ):
        assert problems_in(broken, broken, "kk"), broken.string
    fuzzy = Message("Vote", "Дауыс беру", flags=["fuzzy"])
    assert problems_in(fuzzy, fuzzy, "kk") == ["fuzzy: 'Vote'"]
    assert problems_in(fuzzy, None, "kk") == ["missing: 'Vote'"]


# Choosing the language.


def page_language(client: FlaskClient, url: str = "/sign-in", **kwargs) -> str:
    """The language a page declares in ``<html lang>``."""
    html = client.get(url, **kwargs).get_data(as_text=True)
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def choose(client: FlaskClient, language: str) -> None:
    """Press the switcher's button for a language."""
    response = post_form(client, "/language", {"language": language, "next": "/sign-in"})
    assert response.status_code == 302


def test_without_any_choice_the_default_language_is_used(app, client):
    assert page_language(client) == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_browser_language_is_used_when_nothing_else_decides(app, client, language):
    header = {"Accept-Language": f"{language}-KZ,{language};q=0.9,de;q=0.5"}
    assert page_language(client, headers=header) == language


def test_the_switcher_works_before_signing_in_and_beats_the_browser(app, client):
    choose(client, "kk")
    assert page_language(client, headers={"Accept-Language": "ru"}) == "kk"
    html = client.get("/sign-in").get_data(as_text=True)
    assert "Дауыс беру үшін кіру" in html


def test_the_switcher_choice_survives_signing_in(app, client):
    student = make_student(code=CODE)
    choose(client, "ru")
    assert sign_in(client, student.username, CODE).status_code == 302
    assert page_language(client, "/vote/") == "ru"


def test_a_saved_preference_beats_the_switcher_and_the_browser(app, client):
    student = make_student(code=CODE)
    student.locale = "kk"
    db.session.commit()
    choose(client, "en")
    sign_in(client, student.username, CODE)
    assert page_language(client, "/vote/", headers={"Accept-Language": "ru"}) == "kk"


def test_the_switcher_saves_the_choice_on_the_account(app, client):
    student = make_student(code=CODE)
    sign_in(client, student.username, CODE)
    choose(client, "ru")
    assert db.session.get(User, student.id).locale == "ru"
    other = app.test_client()
    sign_in(other, student.username, CODE)
    assert page_language(other, "/vote/") == "ru"


@pytest.mark.parametrize(
    ("language", "required"),
    [("kk", "Бұл өріс міндетті"), ("ru", "Обязательное поле"), ("en", "This field is required")],
)
def test_wtforms_own_messages_are_translated(app, client, language, required):
    choose(client, language)
    response = post_form(client, "/sign-in", {"username": "", "secret": ""})
    assert required in response.get_data(as_text=True)


# Dates and numbers.


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_use_the_language_and_the_school_time_zone(app, staff_client, language):
    browser, _user = staff_client("committee")
    opens = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    election = Election(
        title="Көшбасшылар кеңесі", phase="draft", opens_at=opens, closes_at=opens + timedelta(1)
    )
    db.session.add(election)
    db.session.commit()
    post_form(browser, "/language", {"language": language})
    html = browser.get(f"/committee/elections/{election.id}").get_data(as_text=True)
    assert MARCH[language] in html
    assert "10:30" in html
    assert "05:30" not in html


# Every main page in every language.


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and labelling attributes, no scripts."""

    LABELS = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Labels count as text; script and style content does not."""
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts += [value for name, value in attrs if name in self.LABELS and value]

    def handle_endtag(self, tag: str) -> None:
        """Leave a script or style."""
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        """Keep text outside scripts."""
        if not self.hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    """A page's visible text, one node per line."""
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_left(html: str, language: str) -> list[str]:
    """English UI strings on a page that should be in another language."""
    text = visible_text(html)
    left = [s for s in ENGLISH if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]
    catalog = read_catalog(language)
    for message in catalog:
        ident = message.id
        if (
            isinstance(ident, str)
            and len(ident.split()) > 2
            and "%" not in ident
            and message.string != ident
            and ident in text
        ):
            left.append(ident)
    return left


def school(app) -> dict[str, object]:
    """An open election a student can vote in, and a published one with a ranked count."""
    opens = datetime.now(UTC) - timedelta(hours=1)
    election = Election(
        title="Көшбасшылар кеңесі 2026",
        titles={"ru": "Совет лидеров 2026"},
        phase="open",
        opens_at=opens,
        closes_at=opens + timedelta(days=1),
    )
    db.session.add(election)
    db.session.commit()
    president = make_position(election, title="Президент", candidates=("Әли", "Дана", "Мирас"))
    question = make_position(
        election, title="Форма", method="yesno", candidates=("Еркін киім жұмасы",)
    )
    student = make_student(code=CODE, class_name="10Ә")
    enrol(election, student)
    published = open_poll(
        {
            "Төраға": {"method": "ranked", "candidates": ("Әли", "Дана", "Мирас")},
            "Асхана": {"method": "yesno", "candidates": ("Жаңа мәзір",)},
        },
        voters=6,
        title="Сынып сайлауы",
    )
    for marks in (["Дана", "Әли"], ["Әли"], ["Мирас", "Дана"], ["Дана"], ["Әли", "Дана"], []):
        published.cast([marks], "Төраға")
    published.cast([["yes"], ["yes"], ["no"], ["yes"], [], ["no"]], "Асхана")
    published.close()
    published.publish()
    voter = Actor("voter", "student", "127.0.0.1")
    other = make_student(code=None)
    enrol(election, other)
    cast_ballots(voter, other, election.id, {president.id: (president.candidates[0].id,)}, opens)
    return {
        "election": election,
        "president": president,
        "question": question,
        "student": student,
        "published": published.election,
        "published_position": published.position("Төраға"),
    }


def signed_in_browser(app, username: str, secret: str, language: str) -> FlaskClient:
    """A browser that chose a language with the switcher, then signed in."""
    browser = app.test_client()
    choose(browser, language)
    assert sign_in(browser, username, secret).status_code == 302
    return browser


def main_pages(app, language: str) -> list[tuple[str, int, str]]:
    """(name, status, html) of every main page, visited as its reader would, in a language."""
    place = school(app)
    election, published = place["election"], place["published"]
    pages: list[tuple[str, int, str]] = []

    def visit(name: str, response, status: int = 200) -> None:
        pages.append((name, status, response.get_data(as_text=True)))
        assert response.status_code == status, (name, response.status_code)

    public = app.test_client()
    choose(public, language)
    visit("sign-in", public.get("/sign-in"))
    visit("sign-in refused", post_form(public, "/sign-in", {"username": "x", "secret": "y"}))
    visit("not found", public.get("/no-such-page"), 404)
    visit("results list", public.get("/results/"))
    visit("results", public.get(f"/results/{published.id}"))
    position = place["published_position"]
    visit("result of a position", public.get(f"/results/{published.id}/positions/{position.id}"))
    visit("protocol", post_form(public, f"/results/{published.id}/protocol"))
    visit("board list", public.get("/board/"))
    visit("board", public.get(f"/board/{published.id}"))

    student = signed_in_browser(app, place["student"].username, CODE, language)
    visit("student home", student.get("/vote/"))
    visit("ballot", student.get(f"/vote/{election.id}"))
    visit("refusal", post_form(student, f"/vote/{election.id}/review", {}), 409)
    form = answers((place["president"], "Дана"), (place["question"], "yes"))
    wrong = {**form, f"p{place['president'].id}": "999999"}
    visit("ballot with problems", post_form(student, f"/vote/{election.id}/review", wrong), 400)
    review = post_form(student, f"/vote/{election.id}/review", form)
    visit("review", review)
    cast = student.post(f"/vote/{election.id}/cast", data=carried_fields(review.text))
    assert cast.status_code == 303
    visit("receipt", student.get("/vote/receipt"))
    visit("no access", student.get("/committee/"), 403)
    visit("campaign", student.get("/campaign/"))

    committee_user = make_staff("committee")
    committee = signed_in_browser(app, committee_user.username, STAFF_PASSWORD, language)
    visit("dashboard", committee.get("/committee/"))
    visit("election", committee.get(f"/committee/elections/{election.id}"))
    visit("turnout", committee.get(f"/committee/elections/{election.id}/turnout"))
    visit("roll", committee.get("/committee/roll"))
    visit("new election", committee.get("/committee/elections/new"))
    visit("phase", committee.get(f"/committee/elections/{election.id}/phase/closed"))
    draft = make_election(title="Жоба", opens_in=timedelta(days=3))
    visit("new position", committee.get(f"/committee/elections/{draft.id}/positions/new"))
    issue = {"class_name": "*", "only_missing": "y", "confirm": "y"}
    cards = post_form(committee, "/committee/access-codes", issue)
    visit("access cards", cards)
    visit("audit log", committee.get("/audit/"))
    visit("election log", committee.get(f"/audit/elections/{published.id}"))
    visit("results (committee)", committee.get(f"/results/{published.id}"))

    auditor = make_staff("auditor")
    audit = signed_in_browser(app, auditor.username, STAFF_PASSWORD, language)
    visit("verification", post_form(audit, "/audit/verify"))
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_main_page_renders_in_every_language(app, language):
    for name, _status, html in main_pages(app, language):
        assert f'<html lang="{language}">' in html, name
        if language in TRANSLATED:
            left = english_left(html, language)
            assert not left, f"{name} in {language} still shows English: {left}"


def test_a_page_left_in_english_is_caught(app, client):
    english = client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in" in english_left(english, "kk")
    kazakh = client.get("/sign-in", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert english_left(kazakh, "kk") == []


@pytest.mark.parametrize(
    ("language", "button"), [("kk", "Бюллетеньді тексеру"), ("ru", "Проверить бюллетень")]
)
def test_the_ballot_buttons_are_translated(app, language, button):
    place = school(app)
    student = signed_in_browser(app, place["student"].username, CODE, language)
    html = student.get(f"/vote/{place['election'].id}").get_data(as_text=True)
    assert button in html
    assert "Review my ballot" not in html


# Titles per language.


@pytest.mark.parametrize(
    ("language", "title"),
    [("kk", "Көшбасшылар кеңесі 2026"), ("ru", "Совет лидеров 2026"), ("en", "Council 2026")],
)
def test_a_title_is_shown_in_the_readers_language_or_falls_back(app, language, title):
    opens = datetime.now(UTC) - timedelta(hours=1)
    election = Election(
        title="Council 2026",
        titles={"kk": "Көшбасшылар кеңесі 2026", "ru": "Совет лидеров 2026"},
        phase="open",
        opens_at=opens,
        closes_at=opens + timedelta(days=1),
    )
    db.session.add(election)
    db.session.commit()
    make_position(election, title="President", titles={"ru": "Президент школы"})
    student = make_student(code=CODE)
    enrol(election, student)
    browser = signed_in_browser(app, student.username, CODE, language)
    home = browser.get("/vote/").get_data(as_text=True)
    ballot = browser.get(f"/vote/{election.id}").get_data(as_text=True)
    assert title in home
    assert title in ballot
    assert ("Президент школы" in ballot) == (language == "ru")


def test_results_pages_show_titles_in_the_readers_language(app, client):
    poll = open_poll({"President": {}}, voters=3, title="Council 2031")
    poll.election.titles = {"kk": "Кеңес 2031"}
    poll.position().titles = {"kk": "Президент"}
    db.session.commit()
    poll.cast([["Әли"], ["Дана"], ["Дана"]])
    poll.close()
    poll.publish()
    choose(client, "kk")
    for url in ("/results/", f"/results/{poll.id}", "/board/", f"/board/{poll.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Кеңес 2031" in html, url
        assert "Council 2031" not in html, url
    assert "Президент" in client.get(f"/results/{poll.id}").get_data(as_text=True)


POSITION = {"title": "President", "method": "single", "seats": "1", "threshold_percent": "50"}


def test_the_committee_gives_titles_per_language(app, staff_client):
    browser, _user = staff_client("committee")
    election_form = {
        "title": "Council 2027",
        "title_kk": "Кеңес 2027",
        "title_ru": " Совет 2027 ",
        "title_en": "",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-03-01T17:00",
    }
    response = post_form(browser, "/committee/elections/new", election_form)
    assert response.status_code == 302, response.get_data(as_text=True)
    election = db.session.query(Election).filter_by(title="Council 2027").one()
    assert election.titles == {"kk": "Кеңес 2027", "ru": "Совет 2027"}
    form = browser.get(f"/committee/elections/{election.id}/edit").get_data(as_text=True)
    assert 'value="Совет 2027"' in form

    added = {**POSITION, "title_kk": "Президент", "title_en": "School President"}
    response = post_form(browser, f"/committee/elections/{election.id}/positions/new", added)
    assert response.status_code == 302, response.get_data(as_text=True)
    position = db.session.query(Position).filter_by(title="President").one()
    assert position.titles == {"kk": "Президент", "en": "School President"}
    edited = {**POSITION, "title_ru": "Президент"}
    response = post_form(browser, f"/committee/positions/{position.id}/edit", edited)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Position, position.id).titles == {"ru": "Президент"}

"""One school election from roll to audit, told as four chapters that each build on the last.

1. The committee imports the roll, builds the election, prints access cards and opens the poll.
2. Three students vote: one on a phone, one in Kazakh, one who tries again in a second tab.
3. The committee watches turnout rise, closes and publishes; a student finds their code on
   the bulletin board; the results page shows winners, rounds and charts.
4. The auditor verifies the log and downloads it; then a tampered database fails visibly.

``tests/e2e/test_journeys.py`` plays the chapters as four tests, in order, on one server;
``tests/e2e/screenshots.py`` plays the same chapters with a camera to refresh the README's
pictures. Everything is done as a person would: through pages, in Debian's Chromium, under
the site's real Content-Security-Policy.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.support import Translations
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.people import ballot_position, expect_flash, new_person, sign_in
from tests.e2e.school import (
    PHOTO_COLOURS,
    ROLL,
    SHANYRAKS,
    Pupil,
    of_shanyrak,
    portrait_png,
    write_roll_csv,
)
from tests.e2e.site import AUDITOR, COMMITTEE, STAFF_PASSWORD, LiveSite
from tests.gunicorn_harness import ROOT

TURNOUT_REFRESH_MS = 10_000  # elections/committee/turnout.py: REFRESH_SECONDS
SCHOOL_ZONE = ZoneInfo("Asia/Almaty")
TRACKING_CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}$")
ELECTION_TITLE = "Council of Leaders 2026"
PRESIDENT = "President"
IMAGE_SHOWN = "(img) => img.decode().then(() => img.naturalWidth > 0, () => false)"
"""Waits for an image to load; true when it shows a picture, false when it is broken."""

# Three school-wide candidates from three shanyraks; two leader candidates per shanyrak.
PRESIDENTS = (ROLL[3], ROLL[4], ROLL[8])  # Қасымов Дәурен, Смирнова Анна, Попова Мария
LEADERS = {
    shanyrak: [p for p in of_shanyrak(shanyrak) if p not in PRESIDENTS][:2]
    for shanyrak in SHANYRAKS
}
# The voters of chapter 2 (one per shanyrak) and the two who vote while turnout is watched.
PHONE_VOTER, KAZAKH_VOTER, TWO_TAB_VOTER = ROLL[27], ROLL[28], ROLL[29]
LATE_VOTERS = (ROLL[24], ROLL[25])
# Rankings for President, by index into PRESIDENTS. First preferences come out 2, 2, 1:
# nobody has a majority, the third is eliminated, their ballot passes to the first, who
# is elected in round 2.
RANKINGS = {
    PHONE_VOTER.number: (0, 1),
    KAZAKH_VOTER.number: (1, 0),
    TWO_TAB_VOTER.number: (2, 0),
    LATE_VOTERS[0].number: (0,),
    LATE_VOTERS[1].number: (1,),
}


def leader_title(shanyrak: str) -> str:
    """The title the committee's "one position per shanyrak" action gives (in English)."""
    return f"Leader of {shanyrak}"


def kazakh(message: str) -> str | None:
    """The Kazakh catalog's translation of an English message, or None while it has none."""
    catalog = Translations.load(str(ROOT / "elections" / "translations"), ["kk"])
    translated = catalog.gettext(message)
    return translated if translated != message else None


def expect_kazakh(button: Locator, english: str) -> None:
    """The button reads in Kazakh, once the Kazakh catalog translates it."""
    label = kazakh(english)
    if label is not None:
        expect(button).to_have_text(label)


def position_card(page: Page, title: str) -> Locator:
    """The committee's card of one position, found by its heading."""
    return page.locator("section.card").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def school_time(moment: datetime) -> str:
    """A time as a datetime-local field takes it, in the school's zone."""
    return moment.astimezone(SCHOOL_ZONE).strftime("%Y-%m-%dT%H:%M")


class Camera:
    """Saves screenshots by name into a folder; the tests run with no camera."""

    def __init__(self, directory: Path) -> None:
        """Shoot into ``directory``."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def shoot(
        self, page: Page, name: str, *, full_page: bool = False, down_to: Locator | None = None
    ) -> Path:
        """Save what the page shows now: the window, the whole page, or the page down to an
        element's end. CSS pixels, so a phone's picture is phone-sized."""
        path = self.directory / f"{name}.png"
        clip = None
        if down_to is not None:
            bottom = down_to.evaluate(
                "(element) => element.getBoundingClientRect().bottom + window.scrollY"
            )
            width = page.evaluate("() => document.documentElement.clientWidth")
            clip = {"x": 0, "y": 0, "width": width, "height": bottom + 16}
        page.screenshot(
            path=str(path),
            full_page=full_page or clip is not None,
            clip=clip,
            scale="css",
            animations="disabled",
        )
        return path


@dataclass
class Story:
    """The election as it unfolds: who holds which code, what the receipts say, what is done."""

    browser: Browser
    site: LiveSite
    directory: Path
    camera: Camera | None = None
    access_codes: dict[str, str] = field(default_factory=dict)
    election_id: int | None = None
    receipts: dict[str, dict[str, str]] = field(default_factory=dict)  # number -> title -> code
    chapters_done: list[int] = field(default_factory=list)
    broken_at: int | None = None
    contexts: list[BrowserContext] = field(default_factory=list)

    # Playing the chapters.

    @property
    def chapters(self) -> dict[int, Callable[[], None]]:
        """The chapters in order."""
        return {
            1: self.committee_prepares_the_poll,
            2: self.students_vote,
            3: self.committee_publishes_and_students_check,
            4: self.auditor_verifies_and_catches_tampering,
        }

    def play(self, chapter: int) -> None:
        """Play a chapter, first playing any earlier one this process has not played yet.

        In one process the tests play them in order and nothing is replayed; when
        pytest-xdist hands a later chapter to another worker, that worker plays the
        story up to it on its own server first. Once a chapter fails, the story stops.
        """
        for number, scene in self.chapters.items():
            if number > chapter:
                break
            if number in self.chapters_done:
                continue
            if self.broken_at is not None:
                raise RuntimeError(f"chapter {self.broken_at} failed; chapter {number} needs it")
            try:
                scene()
            except BaseException:
                self.broken_at = number
                raise
            self.chapters_done.append(number)

    def close(self) -> None:
        """Close every browser context the story opened."""
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    def snap(
        self, page: Page, name: str, *, full_page: bool = False, down_to: Locator | None = None
    ) -> None:
        """A screenshot for the README, when the story is played with a camera."""
        if self.camera is not None:
            self.camera.shoot(page, name, full_page=full_page, down_to=down_to)

    def person(self, *, phone: bool = False) -> Page:
        """A new person at a new browser: a desktop, or a phone held upright."""
        page = new_person(self.browser, self.site.base_url, phone=phone)
        self.contexts.append(page.context)
        return page

    # Chapter 1.

    def committee_prepares_the_poll(self) -> None:
        """Import the roll, print the cards, build the election with photos, and open it."""
        page = self.person()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/sign-in"))
        self.snap(page, "sign-in")
        sign_in(page, COMMITTEE, STAFF_PASSWORD)
        expect(page.get_by_role("heading", name="Elections", exact=True)).to_be_visible()

        page.get_by_role("link", name="Student roll").click()
        roll = write_roll_csv(self.directory / "roll.csv")
        page.get_by_label("Roll file (CSV or XLSX)").set_input_files(roll)
        page.get_by_role("button", name="Import", exact=True).click()
        expect_flash(page, f"{len(ROLL)} added")
        expect(page.get_by_role("heading", name=f"{len(ROLL)} students")).to_be_visible()
        expect(page.get_by_role("cell", name="Нұрмағамбетова Іңкәр")).to_be_visible()

        page.get_by_label("Class", exact=True).select_option("*")
        page.get_by_label("I understand that earlier codes").check()
        page.get_by_role("button", name="Issue and print codes").click()
        expect(page.get_by_role("heading", name="Access cards")).to_be_visible()
        cards = page.locator("article.access-card")
        expect(cards).to_have_count(len(ROLL))
        self.access_codes = dict(
            page.evaluate(
                """() => Array.from(document.querySelectorAll("article.access-card"), (card) =>
                    [card.querySelectorAll("strong")[1].textContent.trim(),
                     card.querySelector(".code").textContent.trim()])"""
            )
        )
        assert set(self.access_codes) == {p.number for p in ROLL}
        self.snap(page, "access-cards")
        page.get_by_role("link", name="Back to the roll").click()
        expect(page.get_by_role("heading", name="Student roll")).to_be_visible()
        roll_page = page.locator("main").inner_text()
        assert not any(code in roll_page for code in self.access_codes.values()), "shown twice"

        page.get_by_role("link", name="Elections", exact=True).click()
        page.get_by_role("link", name="New election").click()
        now = datetime.now(SCHOOL_ZONE)
        page.get_by_label("Title", exact=True).fill(ELECTION_TITLE)
        page.get_by_label("Voting opens").fill(school_time(now + timedelta(minutes=10)))
        page.get_by_label("Voting closes").fill(school_time(now + timedelta(days=1)))
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/committee/elections/\d+$"))
        self.election_id = int(page.url.rsplit("/", 1)[1])

        page.get_by_role("link", name="Add a position").click()
        page.get_by_label("Title", exact=True).fill(PRESIDENT)
        page.get_by_label("Voting method").select_option("ranked")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("button", name="Add a leader position for every shanyrak").click()
        expect_flash(page, "3 leader positions added")
        for shanyrak in SHANYRAKS:
            expect(position_card(page, leader_title(shanyrak))).to_contain_text(
                f"shanyraks {shanyrak}"
            )

        for index, candidate in enumerate(PRESIDENTS):
            photo = self.directory / f"photo-{candidate.number}.png"
            photo.write_bytes(portrait_png(PHOTO_COLOURS[index]))
            self.add_candidate(page, PRESIDENT, candidate, photo)
        for shanyrak, candidates in LEADERS.items():
            for candidate in candidates:
                self.add_candidate(page, leader_title(shanyrak), candidate)
        photos = position_card(page, PRESIDENT).locator("img")
        expect(photos).to_have_count(len(PRESIDENTS))
        for photo in photos.all():
            assert photo.evaluate(IMAGE_SHOWN), "a candidate's photo does not load"

        page.get_by_role("link", name="Open voting…").click()
        expect(page.get_by_role("heading", name="Open voting?")).to_be_visible()
        expect(page.get_by_text("4 positions on the ballot.")).to_be_visible()
        confirm = page.get_by_label("I have checked the above and want to go ahead")
        page.get_by_role("button", name="Open voting").click()  # not confirmed yet: refused
        expect(page.get_by_role("heading", name="Open voting?")).to_be_visible()
        assert confirm.evaluate("(box) => !box.validity.valid")
        confirm.check()
        page.get_by_role("button", name="Open voting").click()
        expect_flash(page, "Voting is open")
        expect(page.locator("h1 .badge")).to_have_text("Voting open")

        page.get_by_role("link", name="Turnout").click()
        expect(page.locator('[data-value="overall.voted"]')).to_have_text("0")
        expect(page.locator('[data-value="overall.eligible"]')).to_have_text(str(len(ROLL)))

    def add_candidate(self, page: Page, title: str, who: Pupil, photo: Path | None = None) -> None:
        """Add a student from the roll to a position, with a manifesto and maybe a photo."""
        position_card(page, title).get_by_role("link", name="Add a candidate").click()
        page.get_by_label("Student number", exact=True).fill(who.number)
        page.locator("#manifesto").fill(f"**{who.name}**\n\n- more clubs\n- shorter queues")
        if photo is not None:
            page.get_by_label("Photo (JPEG, PNG or WebP)").set_input_files(photo)
        page.get_by_role("button", name="Save").click()
        expect_flash(page, f"Candidate “{who.name}” added.")

    # Chapter 2.

    def students_vote(self) -> None:
        """Three students vote: on a phone, in Kazakh, and once more in a second tab."""
        phone = self.person(phone=True)
        sign_in(phone, PHONE_VOTER.number, self.access_codes[PHONE_VOTER.number])
        phone.get_by_role("link", name="Vote now").click()
        self.expect_own_ballot(phone, PHONE_VOTER)
        photos = ballot_position(phone, PRESIDENT).locator("img")
        expect(photos).to_have_count(len(PRESIDENTS))
        for photo in photos.all():
            assert photo.evaluate(IMAGE_SHOWN), "a candidate's photo does not load"
        width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the ballot scrolls sideways on a phone: {width}"
        self.mark_ballot(phone, PHONE_VOTER)
        self.snap(phone, "ballot-phone", full_page=True)
        phone.get_by_role("button", name="Review my ballot").click()
        expect(phone.get_by_role("heading", name="Check your ballot")).to_be_visible()
        ranking = phone.locator("ol.ranking li")
        expect(ranking).to_have_text([PRESIDENTS[i].name for i in RANKINGS[PHONE_VOTER.number]])
        phone.get_by_role("button", name="Cast my ballot").click()
        self.keep_receipt(phone, PHONE_VOTER)

        self.vote_in_kazakh()
        self.vote_twice_in_two_tabs()

    def expect_own_ballot(self, page: Page, who: Pupil) -> None:
        """The ballot holds the school-wide position and the student's own shanyrak's only."""
        legends = page.locator("fieldset.position legend")
        expect(legends).to_have_text([PRESIDENT, leader_title(who.shanyrak)])

    def mark_ballot(self, page: Page, who: Pupil) -> None:
        """Rank the presidents as the story says, and pick the first leader of the shanyrak."""
        president = ballot_position(page, PRESIDENT)
        for rank, index in enumerate(RANKINGS[who.number], start=1):
            president.get_by_label(PRESIDENTS[index].name).select_option(str(rank))
        leader = LEADERS[who.shanyrak][0]
        ballot_position(page, leader_title(who.shanyrak)).get_by_label(leader.name).check()

    def keep_receipt(self, page: Page, who: Pupil) -> dict[str, str]:
        """Read the tracking codes off the receipt page, as a student writes them down."""
        expect(page).to_have_url(re.compile(r"/vote/receipt$"))
        rows = page.locator("table.receipt-table tbody tr")
        expect(rows).to_have_count(2)
        codes = {
            row.locator("td").first.inner_text(): row.locator(".receipt-code").inner_text()
            for row in rows.all()
        }
        assert all(TRACKING_CODE.match(code) for code in codes.values()), codes
        self.receipts[who.number] = codes
        return codes

    def vote_in_kazakh(self) -> None:
        """Switch the site to Kazakh with the switcher, then vote; the flow must not care."""
        page = self.person()
        page.goto("/sign-in")
        page.get_by_role("button", name="Қазақша").click()
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        sign_in(page, KAZAKH_VOTER.number, self.access_codes[KAZAKH_VOTER.number])
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        page.locator(".election-card a.button.primary").click()
        self.expect_own_ballot(page, KAZAKH_VOTER)
        self.mark_ballot(page, KAZAKH_VOTER)
        review = page.locator("form.ballot button[type=submit].primary")
        expect_kazakh(review, "Review my ballot")
        review.click()
        cast = page.locator("form.review button[type=submit].primary")
        expect_kazakh(cast, "Cast my ballot")
        cast.click()
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        self.keep_receipt(page, KAZAKH_VOTER)

    def vote_twice_in_two_tabs(self) -> None:
        """Fill the ballot in two tabs and cast both: the second is refused, nothing doubled."""
        first = self.person()
        sign_in(first, TWO_TAB_VOTER.number, self.access_codes[TWO_TAB_VOTER.number])
        second = first.context.new_page()
        for tab in (first, second):
            tab.goto(f"/vote/{self.election_id}")
            self.mark_ballot(tab, TWO_TAB_VOTER)
            tab.get_by_role("button", name="Review my ballot").click()
            expect(tab.get_by_role("button", name="Cast my ballot")).to_be_visible()
        first.get_by_role("button", name="Cast my ballot").click()
        self.keep_receipt(first, TWO_TAB_VOTER)
        second.get_by_role("button", name="Cast my ballot").click()
        expect(second.locator("main")).to_contain_text("You have already voted")
        expect(second.locator(".receipt-code")).to_have_count(0)
        second.goto("/vote/")
        expect(second.locator(".vote-status .badge")).to_have_text(["You have voted"] * 2)

    # Chapter 3.

    def committee_publishes_and_students_check(self) -> None:
        """Turnout rises live, the poll closes and is published, codes and results are checked."""
        committee = self.person()
        sign_in(committee, COMMITTEE, STAFF_PASSWORD)
        committee.clock.install()  # the page's refresh timer then runs when we say
        committee.goto(f"/committee/elections/{self.election_id}/turnout")
        voted = committee.locator('[data-value="overall.voted"]')
        expect(voted).to_have_text("3")
        committee.evaluate("() => { window.sameDocument = true; }")
        for count, late in enumerate(LATE_VOTERS, start=4):
            self.vote_quickly(late)
            expect(voted).to_have_text(str(count - 1))  # not before the page refreshes itself
            committee.clock.run_for(TURNOUT_REFRESH_MS + 1_000)
            expect(voted).to_have_text(str(count))
        assert committee.evaluate("() => window.sameDocument === true"), "the page was reloaded"
        expect(committee.locator('[data-value="overall.percent"]')).to_contain_text("16.7")
        self.snap(committee, "turnout")

        committee.goto(f"/committee/elections/{self.election_id}")
        committee.get_by_role("link", name="Close voting…").click()
        committee.get_by_label("I have checked the above and want to go ahead").check()
        committee.get_by_role("button", name="Close voting").click()
        expect_flash(committee, "ballot box is sealed")
        committee.get_by_role("link", name="Publish the results…").click()
        committee.get_by_label("I have checked the above and want to go ahead").check()
        committee.get_by_role("button", name="Publish", exact=True).click()
        expect_flash(committee, "The results are published.")

        self.student_finds_their_code()
        self.results_show_winners_rounds_and_charts()

    def vote_quickly(self, who: Pupil) -> None:
        """A student who knows the way votes in a browser of their own."""
        page = self.person()
        sign_in(page, who.number, self.access_codes[who.number])
        page.goto(f"/vote/{self.election_id}")
        self.mark_ballot(page, who)
        page.get_by_role("button", name="Review my ballot").click()
        page.get_by_role("button", name="Cast my ballot").click()
        self.keep_receipt(page, who)
        page.context.close()

    def student_finds_their_code(self) -> None:
        """The phone voter, signed out, looks up a tracking code on the public board."""
        page = self.person(phone=True)
        page.goto("/")
        page.get_by_role("link", name="Bulletin board: check your tracking code").click()
        page.get_by_role("link", name=ELECTION_TITLE).click()
        code = self.receipts[PHONE_VOTER.number][PRESIDENT]
        expect(page.locator(".code-list li", has_text=code)).to_have_count(1)
        page.get_by_label("Your tracking code").fill(code.lower().replace("-", " "))
        page.get_by_role("button", name="Find my code").click()
        expect(page.locator(".flash-success")).to_contain_text(f"Found in position “{PRESIDENT}”")
        page.get_by_label("Your tracking code").fill("AAAA-BBBB-CC")
        page.get_by_role("button", name="Find my code").click()
        expect(page.locator(".flash-error")).to_contain_text("Not found")

    def results_show_winners_rounds_and_charts(self) -> None:
        """Anyone sees the winners, the ranked count round by round and its charts."""
        page = self.person()
        page.goto("/results/")
        page.get_by_role("link", name=ELECTION_TITLE).click()
        president = page.locator(f"#position-{self.position_id(PRESIDENT)}")
        winner = PRESIDENTS[0].name
        expect(president.locator(".outcome")).to_contain_text(winner)
        expect(president.locator("table.results-table tr.elected th")).to_have_text(winner)
        rounds = president.locator("table.round-table")
        expect(rounds.locator("thead th")).to_have_text(["Candidate", "Round 1", "Round 2"])
        third = rounds.locator("tbody tr", has_text=PRESIDENTS[2].name)
        expect(third).to_contain_text("eliminated")
        charts = president.locator("figure.chart svg")
        expect(charts).to_have_count(3)  # first preferences, then one per round
        expect(charts.first).to_be_visible()
        for shanyrak in SHANYRAKS:
            card = page.locator(f"#position-{self.position_id(leader_title(shanyrak))}")
            expect(card.locator(".outcome")).to_contain_text(LEADERS[shanyrak][0].name)
        self.snap(page, "results", down_to=president)

    def position_id(self, title: str) -> int:
        """A position's id, read from the database (the pages name it in anchors)."""
        with closing(sqlite3.connect(self.site.database)) as db:
            (found,) = db.execute(
                "SELECT id FROM position WHERE election_id = ? AND title = ?",
                (self.election_id, title),
            ).fetchone()
        return int(found)

    # Chapter 4.

    def auditor_verifies_and_catches_tampering(self) -> None:
        """The log verifies and downloads; then an edited ballot and an edited entry fail."""
        page = self.person()
        sign_in(page, AUDITOR, STAFF_PASSWORD)
        expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
        page.get_by_role("button", name="Verify now").click()
        verdict = page.locator("p.flash[role=status]")
        expect(verdict).to_have_class(re.compile(r"flash-success"))
        expect(verdict).to_contain_text("Chain intact")
        expect(page.locator(".badge.check-failed")).to_have_count(0)
        expect(page.locator(".badge.check-ok").first).to_be_visible()
        self.snap(page, "audit-verification")

        page.get_by_role("link", name="Back to the audit log").click()
        page.get_by_label("Download these entries as").select_option("csv")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download", exact=True).click()
        download = download_info.value
        assert download.suggested_filename == "audit-log.csv"
        rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
        actions = {row["action"] for row in rows}
        assert {"roll-imported", "election-opened", "voted", "election-published"} <= actions
        assert not any(
            code in Path(download.path()).read_text("utf-8-sig")
            for codes in self.receipts.values()
            for code in codes.values()
        ), "a tracking code reached the audit log"

        page.get_by_label("What to export").select_option(str(self.election_id))
        with page.expect_download() as bundle_info:
            page.get_by_role("button", name="Download bundle").click()
        with zipfile.ZipFile(bundle_info.value.path()) as bundle:
            assert any("ballots" in name for name in bundle.namelist()), bundle.namelist()

        # Someone with the database file changes one ballot of the President's box.
        tracking = self.receipts[PHONE_VOTER.number][PRESIDENT]
        with closing(sqlite3.connect(self.site.database)) as db, db:
            (choices,) = db.execute(
                "SELECT choices FROM ballot WHERE tracking_code = ?", (tracking,)
            ).fetchone()
            first, second = (int(c) for c in choices.strip("[]").split(","))
            db.execute(
                "UPDATE ballot SET choices = ? WHERE tracking_code = ?",
                (f"[{second},{first}]", tracking),
            )
        page.get_by_role("button", name="Verify now").click()
        expect(verdict).to_have_class(re.compile(r"flash-error"))
        expect(verdict).to_contain_text("Verification failed")
        failed = page.locator("table.checks tr").filter(has=page.locator(".badge.check-failed"))
        expect(failed.first).to_contain_text(PRESIDENT)
        expect(failed.filter(has_text="Seal of the ballot box")).to_contain_text(
            "The ballots no longer match the seal"
        )
        self.snap(page, "audit-verification-failed")

        # And someone rewrites what an audit entry says the committee did.
        with closing(sqlite3.connect(self.site.database)) as db, db:
            (seq,) = db.execute(
                "SELECT seq FROM audit_event WHERE action = 'election-created'"
            ).fetchone()
            db.execute(
                "UPDATE audit_event SET details = json_set(details, '$.title', 'Forged')"
                " WHERE seq = ?",
                (seq,),
            )
        page.get_by_role("link", name="Back to the audit log").click()
        page.get_by_role("button", name="Verify now").click()
        expect(verdict).to_have_class(re.compile(r"flash-error"))
        expect(verdict).to_contain_text(f"Entry {seq} does not match its own hash")

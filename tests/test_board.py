"""The public bulletin board: every tracking code once published, searchable, never the choices."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elections.domain.codes import printed_code
from elections.extensions import db
from elections.models import Ballot
from tests.conftest import make_election, make_position, post_form
from tests.test_audit_scenario import position_titled, run_election

CODE = re.compile(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2})</li>")


def listed_codes(page: str) -> list[str]:
    """The tracking codes listed on a board page, in page order."""
    return CODE.findall(page)


def test_the_board_of_a_published_election_is_public_and_lists_every_code(app, client):
    election = run_election()
    response = client.get(f"/board/{election.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    stored = db.session.scalars(select(Ballot.tracking_code)).all()
    assert sorted(listed_codes(page)) == sorted(stored)
    for position in election.positions:
        codes = db.session.scalars(
            select(Ballot.tracking_code).where(Ballot.position_id == position.id)
        ).all()
        section = page.split(f"<h2>{position.title}</h2>", 1)[1].split("</section>", 1)[0]
        assert listed_codes(section) == sorted(codes)
    assert election.published_head_hash in page


def test_the_board_never_shows_the_choices(app, client):
    election = run_election()
    page = client.get(f"/board/{election.id}").get_data(as_text=True)
    for choices in set(db.session.scalars(select(Ballot.choices))):
        assert choices not in page
    names = [c.name for p in election.positions for c in p.candidates if len(c.name) > 3]
    assert names  # "Максим", "Ерлан", ...: long enough not to occur by chance
    for name in names:
        assert name not in page


@pytest.mark.parametrize("phase", ["draft", "open", "closed", "appeals"])
def test_the_board_is_hidden_until_publication(app, client, phase):
    election = make_election(phase=phase)
    make_position(election)
    response = client.get(f"/board/{election.id}")
    assert response.status_code == 404
    assert "not published yet" in response.get_data(as_text=True)


def test_a_closed_election_with_ballots_shows_no_codes(app, client):
    election = run_election(publish=False)
    response = search(client, election.id, "anything")
    assert response.status_code == 404
    assert listed_codes(response.get_data(as_text=True)) == []


def search(client, election_id: int, typed: str):
    """Look a code up as the board's form does: a POST, never a URL with the code in it."""
    return post_form(client, f"/board/{election_id}", {"code": typed})


def test_a_search_keeps_the_code_out_of_urls_and_caches(app, client):
    election = run_election()
    code = db.session.scalar(select(Ballot.tracking_code))
    found = search(client, election.id, code)
    assert "Found in position" in found.text
    assert found.headers["Cache-Control"] == "no-store"
    assert 'method="post"' in found.text
    ignored = client.get(f"/board/{election.id}", query_string={"code": code}).text
    assert "Found in position" not in ignored  # a code in the URL is not looked at
    refused = client.post(f"/board/{election.id}", data={"code": code})  # no CSRF token
    assert refused.status_code == 400


def test_an_unknown_election_is_not_found(client):
    assert client.get("/board/999").status_code == 404


def typed_variants(code: str) -> list[str]:
    """How students type a code: lower case, no dashes, spaces, Cyrillic look-alikes."""
    cyrillic = code.translate(str.maketrans("ABCEHKMPTXY", "АВСЕНКМРТХҮ"))
    return [code, code.lower(), code.replace("-", ""), code.replace("-", " "), cyrillic]


def test_a_student_finds_their_code_however_they_type_it(app, client):
    election = run_election()
    captain = position_titled(election, "Captain")
    code = db.session.scalar(select(Ballot.tracking_code).where(Ballot.position_id == captain.id))
    for typed in typed_variants(code):
        page = search(client, election.id, typed).get_data(as_text=True)
        assert "Found in position “Captain”" in page, typed


@pytest.mark.parametrize("typed", ["ZZZZ-ZZZZ-ZZ", "ABCD", "0000-0000-00", "' OR 1=1 --"])
def test_a_code_that_is_not_there_is_not_found(app, client, typed):
    election = run_election()
    page = search(client, election.id, typed).get_data(as_text=True)
    assert "Not found in this election" in page


def test_a_code_from_another_election_is_not_found_here(app, client):
    first = run_election()
    code = db.session.scalar(select(Ballot.tracking_code))
    other = make_election(title="Another", phase="published")
    make_position(other)
    page = search(client, other.id, code).get_data(as_text=True)
    assert "Not found in this election" in page
    page = search(client, first.id, code).get_data(as_text=True)
    assert "Found in position" in page


def test_the_board_index_lists_only_published_elections(app, client):
    published = run_election()
    hidden = make_election(title="Still open", phase="open")
    page = client.get("/board/").get_data(as_text=True)
    assert f"/board/{published.id}" in page
    assert hidden.title not in page


@pytest.mark.parametrize(
    ("typed", "printed"),
    [("abcd efgh jk", "ABCD-EFGH-JK"), ("ABCDEFGHJK", "ABCD-EFGH-JK"), ("ABCDEFGHJ", None)],
)
def test_typed_codes_become_printed_codes(typed, printed):
    assert printed_code(typed) == printed

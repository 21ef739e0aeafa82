"""The ballot page: controls that fit each method, validation with choices kept, the review step."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from elections.domain.ballot import PositionRules
from elections.domain.collation import alphabetical_key
from elections.domain.errors import BallotInvalid, BallotReason
from elections.extensions import db
from elections.models import Ballot, Candidate, Position
from elections.vote.ballot_form import (
    hidden_fields,
    read_answer,
    validate_answer,
)
from tests.conftest import make_election, make_position, post_form
from tests.test_voting import (
    answers,
    assert_ballot_box_consistent,
    ballots_written,
    candidate_id,
    carried_fields,
    cast_through_pages,
    review,
    signed_in_student,
)

FIVE = ("Ерасыл", "Әли", "Анастасия", "Камила", "Қуаныш")


def one_position(app, **spec):
    """An open election with one position, and a signed-in student on its roll."""
    election = make_election(phase="open")
    position = make_position(election, **spec)
    browser, _student = signed_in_student(app, election)
    return election, db.session.get(Position, position.id), browser


def stored_choices() -> list[str]:
    """Every stored ballot's encoded choices."""
    return list(db.session.scalars(select(Ballot.choices)))


def names_in_page_order(page: str, names) -> list[str]:
    """The given names sorted by where they first appear in the page's ballot."""
    ballot = page.split('class="ballot"', 1)[1]
    return sorted(names, key=ballot.index)


def selected_rank(page: str, position: Position, name: str) -> str:
    """The rank shown as selected for a candidate, "" for none."""
    select_box = page.split(f'name="p{position.id}-r{candidate_id(position, name)}"', 1)[1]
    select_box = select_box.split("</select>", 1)[0]
    chosen = re.search(r'<option value="(\d*)" selected>', select_box)
    return chosen.group(1) if chosen else ""


def is_ticked(page: str, position: Position, value: object) -> bool:
    """Whether the radio button or checkbox with this value is ticked on the page."""
    return f'name="p{position.id}" value="{value}" checked' in page


# single


def test_single_offers_radio_buttons_and_a_blank_vote(app):
    election, position, browser = one_position(app, title="President")
    page = browser.get(f"/vote/{election.id}").text
    assert page.count(f'type="radio" name="p{position.id}"') == 4
    assert "Blank vote" in page
    codes = cast_through_pages(browser, election, answers((position, "Дана")))
    assert stored_choices() == [f"[{candidate_id(position, 'Дана')}]"]
    assert_ballot_box_consistent(codes)


def test_single_blank_when_allowed(app):
    election, position, browser = one_position(app, title="President")
    checked = review(browser, election, answers((position, "")))
    assert "Blank vote" in checked.text.split('class="review-list', 1)[1]
    codes = cast_through_pages(browser, election, answers((position, "")))
    assert stored_choices() == ["[]"]
    assert_ballot_box_consistent(codes)


@pytest.mark.parametrize("send_blank", [False, True], ids=["nothing-ticked", "blank-value-sent"])
def test_single_blank_refused_when_not_allowed(app, send_blank):
    election, position, browser = one_position(app, title="President", allow_blank=False)
    page = browser.get(f"/vote/{election.id}").text
    assert "Blank vote" not in page
    form = {"position": str(position.id)} | ({f"p{position.id}": ""} if send_blank else {})
    refused = review(browser, election, form)
    assert refused.status_code == 400
    assert "A blank vote is not allowed here" in refused.text
    assert 'class="ballot"' in refused.text
    assert ballots_written() == 0


# multi


def test_multi_offers_checkboxes_limited_to_the_seats(app):
    election, position, browser = one_position(
        app, title="Secretaries", method="multi", seats=2, candidates=FIVE
    )
    page = browser.get(f"/vote/{election.id}").text
    assert page.count(f'type="checkbox" name="p{position.id}"') == 5
    assert 'data-max="2"' in page
    assert "Choose up to 2 candidates." in page
    codes = cast_through_pages(browser, election, answers((position, ["Қуаныш", "Әли"])))
    expected = sorted([candidate_id(position, "Қуаныш"), candidate_id(position, "Әли")])
    assert stored_choices() == [f"[{expected[0]},{expected[1]}]"]
    assert_ballot_box_consistent(codes)


def test_multi_over_selection_is_refused_with_the_boxes_kept(app):
    election, position, browser = one_position(
        app, title="Secretaries", method="multi", seats=2, candidates=FIVE
    )
    three = ["Әли", "Камила", "Ерасыл"]
    refused = review(browser, election, answers((position, three)))
    page = refused.text
    assert refused.status_code == 400
    assert "Too many boxes are ticked for this position. Choose at most 2 candidates." in page
    for name in three:
        assert is_ticked(page, position, candidate_id(position, name))
    assert not is_ticked(page, position, candidate_id(position, "Қуаныш"))
    assert ballots_written() == 0


def test_multi_server_enforces_the_limit_at_the_cast_too(app):
    election, position, browser = one_position(
        app, title="Secretaries", method="multi", seats=2, candidates=FIVE
    )
    refused = post_form(
        browser, f"/vote/{election.id}/cast", answers((position, ["Әли", "Камила", "Ерасыл"]))
    )
    assert refused.status_code == 400
    assert ballots_written() == 0


def test_multi_the_same_candidate_twice_is_refused(app):
    election, position, browser = one_position(
        app, title="Secretaries", method="multi", seats=3, candidates=FIVE
    )
    form = answers((position, ["Әли", "Әли"]))
    refused = review(browser, election, form)
    assert refused.status_code == 400
    assert "The same candidate was chosen twice." in refused.text


@pytest.mark.parametrize(("allow_blank", "status"), [(True, 200), (False, 400)])
def test_multi_no_box_ticked_is_blank_only_when_allowed(app, allow_blank, status):
    election, position, browser = one_position(
        app, title="Secretaries", method="multi", seats=2, allow_blank=allow_blank
    )
    checked = review(browser, election, {"position": str(position.id)})
    assert checked.status_code == status
    if allow_blank:
        assert "Blank vote" in checked.text
    else:
        assert "A blank vote is not allowed here" in checked.text


# ranked: instant runoff (one seat) and single transferable vote (several)


@pytest.mark.parametrize("seats", [1, 2], ids=["irv", "stv"])
def test_ranked_uses_a_rank_select_per_candidate_and_keeps_the_order(app, seats):
    election, position, browser = one_position(
        app, title="Head", method="ranked", seats=seats, candidates=FIVE
    )
    page = browser.get(f"/vote/{election.id}").text
    assert page.count(f'<select class="rank" id="p{position.id}-r') == 5
    assert page.count('<option value="5">5</option>') == 5
    assert ("2 seats will be filled." in page) == (seats == 2)
    order = ["Камила", "Әли", "Қуаныш"]
    checked = review(browser, election, answers((position, order)))
    ranking = re.search(r'<ol class="ranking">(.*?)</ol>', checked.text).group(1)
    assert re.findall(r"<li>(.*?)</li>", ranking) == order
    codes = cast_through_pages(browser, election, answers((position, order)))
    ids = ",".join(str(candidate_id(position, n)) for n in order)
    assert stored_choices() == [f"[{ids}]"]
    assert_ballot_box_consistent(codes)


@pytest.mark.parametrize("seats", [1, 2], ids=["irv", "stv"])
def test_ranked_duplicate_rank_is_refused_naming_the_candidates(app, seats):
    election, position, browser = one_position(
        app, title="Head", method="ranked", seats=seats, candidates=FIVE
    )
    form = answers((position, ["Әли", "Камила"]))
    form[f"p{position.id}-r{candidate_id(position, 'Ерасыл')}"] = "1"
    refused = review(browser, election, form)
    page = refused.text
    assert refused.status_code == 400
    assert "The same rank is given to more than one candidate." in page
    assert re.search(r"Rank 1 is given to (Әли, Ерасыл|Ерасыл, Әли)\.", page)
    assert selected_rank(page, position, "Әли") == "1"
    assert selected_rank(page, position, "Ерасыл") == "1"
    assert selected_rank(page, position, "Камила") == "2"
    assert selected_rank(page, position, "Қуаныш") == ""


def test_ranked_missing_rank_is_refused(app):
    election, position, browser = one_position(app, title="Head", method="ranked", candidates=FIVE)
    form = answers((position, ["Әли"]))
    form[f"p{position.id}-r{candidate_id(position, 'Камила')}"] = "3"
    refused = review(browser, election, form)
    assert refused.status_code == 400
    assert "Rank 2 is missing." in refused.text
    assert selected_rank(refused.text, position, "Камила") == "3"


@pytest.mark.parametrize("rank", ["0", "6", "-1", "1.5", "١", " 1", "1e0", "first"])
def test_ranked_impossible_ranks_are_refused(app, rank):
    election, position, browser = one_position(app, title="Head", method="ranked", candidates=FIVE)
    form = answers((position, []))
    form[f"p{position.id}-r{candidate_id(position, 'Әли')}"] = rank
    refused = review(browser, election, form)
    assert refused.status_code == 400
    assert "A rank must be a whole number from 1 to the number of candidates." in refused.text


def test_ranked_a_partial_ranking_is_a_valid_ballot(app):
    election, position, browser = one_position(app, title="Head", method="ranked", candidates=FIVE)
    codes = cast_through_pages(browser, election, answers((position, ["Қуаныш"])))
    assert stored_choices() == [f"[{candidate_id(position, 'Қуаныш')}]"]
    assert_ballot_box_consistent(codes)


@pytest.mark.parametrize(("allow_blank", "status"), [(True, 200), (False, 400)])
def test_ranked_nothing_ranked_is_blank_only_when_allowed(app, allow_blank, status):
    election, position, browser = one_position(
        app, title="Head", method="ranked", allow_blank=allow_blank
    )
    checked = review(browser, election, answers((position, [])))
    assert checked.status_code == status
    assert ("Rank at least one candidate." in browser.get(f"/vote/{election.id}").text) == (
        not allow_blank
    )


def test_ranked_a_rank_for_another_positions_candidate_is_refused(app):
    election, position, browser = one_position(app, title="Head", method="ranked")
    other = make_position(election, title="Deputy", candidates=("Other",)).candidates[0]
    form = answers((position, ["Әли"]))
    form[f"p{position.id}-r{other.id}"] = "2"
    refused = review(browser, election, form)
    assert refused.status_code == 400
    assert "That choice is not a candidate for this position." in refused.text


# yes / no


@pytest.mark.parametrize("answer", ["yes", "no", ""])
def test_yesno_offers_yes_no_and_blank(app, answer):
    election, position, browser = one_position(
        app, title="Budget", method="yesno", candidates=("New sports hall",)
    )
    page = browser.get(f"/vote/{election.id}").text
    assert 'value="yes"' in page
    assert 'value="no"' in page
    # A screen reader reaching "Yes" hears the proposal, not just the position's title.
    assert f'<p class="choice" id="p{position.id}-proposal">New sports hall</p>' in page
    assert f'aria-describedby="p{position.id}-proposal p{position.id}-hint' in page
    codes = cast_through_pages(browser, election, answers((position, answer)))
    assert stored_choices() == [{"yes": '["yes"]', "no": '["no"]', "": "[]"}[answer]]
    assert_ballot_box_consistent(codes)


def test_yesno_without_blank_needs_an_answer(app):
    election, position, browser = one_position(
        app, title="Budget", method="yesno", candidates=("New sports hall",), allow_blank=False
    )
    assert "Blank vote" not in browser.get(f"/vote/{election.id}").text
    refused = review(browser, election, answers((position, "")))
    assert refused.status_code == 400
    assert "A blank vote is not allowed here" in refused.text


def test_yesno_an_answer_that_is_neither_is_refused(app):
    election, position, browser = one_position(app, title="Budget", method="yesno")
    refused = review(browser, election, answers((position, "maybe")))
    assert refused.status_code == 400
    assert "This answer could not be read." in refused.text


# The whole page


def test_several_problems_are_all_shown_and_every_choice_is_kept(app):
    election = make_election(phase="open")
    president = make_position(election, title="President")
    secretaries = make_position(
        election, title="Secretaries", method="multi", seats=1, candidates=FIVE
    )
    head = make_position(election, title="Head", method="ranked", candidates=FIVE)
    browser, _student = signed_in_student(app, election)
    form = answers((president, "Дана"), (secretaries, ["Әли", "Камила"]), (head, ["Әли"]))
    form[f"p{head.id}-r{candidate_id(head, 'Камила')}"] = "1"
    refused = review(browser, election, form)
    page = refused.text
    assert refused.status_code == 400
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#position-{secretaries.id}"' in summary
    assert f'href="#position-{head.id}"' in summary
    assert f'href="#position-{president.id}"' not in summary
    assert is_ticked(page, president, candidate_id(president, "Дана"))
    assert is_ticked(page, secretaries, candidate_id(secretaries, "Камила"))
    assert selected_rank(page, head, "Камила") == "1"


def test_change_keeps_ranks_and_ticks(app):
    election = make_election(phase="open")
    secretaries = make_position(
        election, title="Secretaries", method="multi", seats=2, candidates=FIVE
    )
    head = make_position(election, title="Head", method="ranked", candidates=FIVE)
    browser, _student = signed_in_student(app, election)
    form = answers((secretaries, ["Әли", "Камила"]), (head, ["Қуаныш", "Ерасыл"]))
    checked = review(browser, election, form)
    back = browser.post(f"/vote/{election.id}", data=carried_fields(checked.text)).text
    assert is_ticked(back, secretaries, candidate_id(secretaries, "Әли"))
    assert is_ticked(back, secretaries, candidate_id(secretaries, "Камила"))
    assert selected_rank(back, head, "Қуаныш") == "1"
    assert selected_rank(back, head, "Ерасыл") == "2"
    assert selected_rank(back, head, "Әли") == ""


def test_candidates_are_in_kazakh_alphabetical_order(app):
    election, _position, browser = one_position(app, title="President", candidates=FIVE)
    page = browser.get(f"/vote/{election.id}").text
    assert names_in_page_order(page, FIVE) == ["Анастасия", "Әли", "Ерасыл", "Камила", "Қуаныш"]


def test_shuffled_candidates_come_in_a_fresh_order_per_page_view(app):
    names = ("A1", "B2", "C3", "D4", "E5", "F6", "G7")
    election, _position, browser = one_position(
        app, title="President", candidates=names, shuffle_candidates=True
    )
    orders = {
        tuple(names_in_page_order(browser.get(f"/vote/{election.id}").text, names))
        for _ in range(12)
    }
    assert len(orders) > 1  # 12 views of 5040 orders all alike: odds below 1e-40
    assert all(sorted(order) == list(names) for order in orders)


def test_manifestos_are_shown_safely(app):
    election, position, browser = one_position(app, title="President", candidates=("Дана",))
    candidate = db.session.get(Candidate, position.candidates[0].id)
    candidate.manifesto = (
        "**More clubs**\n<script>alert('x')</script>\n<img src=x onerror=alert(1)>"
    )
    db.session.commit()
    page = browser.get(f"/vote/{election.id}").text
    assert "<strong>More clubs</strong>" in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "Read Дана’s manifesto" in page


def test_a_candidate_without_a_photo_shows_initials(app):
    election, _position, browser = one_position(app, title="President", candidates=("Дана Ким",))
    page = browser.get(f"/vote/{election.id}").text
    assert '<span class="initials" aria-hidden="true">ДК</span>' in page


def test_the_ballot_works_without_javascript_and_fits_a_phone(app):
    election, _position, browser = one_position(app, title="Head", method="ranked")
    page = browser.get(f"/vote/{election.id}").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<form method="post" action="/vote/' in page
    assert 'type="number"' not in page  # a select needs no keyboard on a phone
    assert "not ranked" in page


# The form module on its own


RULES = {
    "single": PositionRules(7, "single", 1, True, frozenset({11, 12, 13})),
    "multi": PositionRules(7, "multi", 2, True, frozenset({11, 12, 13})),
    "ranked": PositionRules(7, "ranked", 1, True, frozenset({11, 12, 13})),
    "yesno": PositionRules(7, "yesno", 1, True, frozenset()),
}


@st.composite
def valid_choices(draw):
    """A method and a valid choice tuple for it."""
    method = draw(st.sampled_from(sorted(RULES)))
    ids = sorted(RULES[method].candidate_ids)
    if method == "single":
        return method, draw(st.sampled_from([(), *((i,) for i in ids)]))
    if method == "multi":
        return method, tuple(sorted(draw(st.sets(st.sampled_from(ids), max_size=2))))
    if method == "ranked":
        return method, tuple(draw(st.permutations(ids))[: draw(st.integers(0, len(ids)))])
    return method, draw(st.sampled_from([(), ("yes",), ("no",)]))


@given(valid_choices())
def test_choices_survive_the_trip_through_hidden_fields(method_and_choices):
    method, choices = method_and_choices
    rules = RULES[method]
    form = MultiDict(hidden_fields(rules, choices))
    assert validate_answer(rules, read_answer(form, rules.id, method)) == choices


@pytest.mark.parametrize(
    ("method", "form"),
    [
        ("single", [("p7", "11"), ("p7", "12")]),
        ("yesno", [("p7", "yes"), ("p7", "no")]),
        ("ranked", [("p7-r11", "1"), ("p7-r11", "2")]),
        ("ranked", [("p7-rx", "1")]),
    ],
)
def test_fields_a_page_never_sends_are_bad_values(method, form):
    rules = RULES[method]
    with pytest.raises(BallotInvalid) as refused:
        validate_answer(rules, read_answer(MultiDict(form), 7, method))
    assert refused.value.reason == BallotReason.bad_value


def test_another_positions_fields_are_not_read():
    form = MultiDict([("p70", "11"), ("p7-r11", "1"), ("p70-r12", "1")])
    assert read_answer(form, 7, "single").values == ()
    assert dict(read_answer(form, 7, "ranked").ranks) == {"11": "1"}


def test_alphabetical_key_follows_the_kazakh_alphabet():
    names = ["Яна", "Ұлан", "Үміт", "Өмір", "Оспан", "Ғани", "Гүл", "Әсел", "Асан", "Ілияс", "Zoe"]
    assert sorted(names, key=alphabetical_key) == [
        "Zoe",
        "Асан",
        "Әсел",
        "Гүл",
        "Ғани",
        "Оспан",
        "Өмір",
        "Ұлан",
        "Үміт",
        "Ілияс",
        "Яна",
    ]

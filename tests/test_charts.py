"""Server-drawn SVG bar charts: escaped, well formed, accessible, and free of style attributes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from html import escape as html_escape

import pytest
from markupsafe import escape

from elections.results.charts import FILLS, Bar, Marker, Tone, bar_chart
from tests.test_results_factories import poll_with

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    "Tom & Jerry </text></svg><img src=x onerror=alert(1)>",
    "]]><!-- -->",
]


def parse(svg: str) -> ET.Element:
    """The chart as XML: it must be well formed whatever the labels were."""
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it well formed


def chart(*bars: Bar, **options) -> str:
    """A chart with a fixed title and description."""
    return bar_chart(list(bars), title="Votes", desc="Votes by candidate", ident="c1", **options)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_labels_are_escaped_text(name):
    svg = bar_chart(
        [Bar(name, 3, "3"), Bar("Дана", 1, "1")],
        title=name,
        desc=name,
        ident=name,
    )
    root = parse(svg)
    assert "<script" not in svg
    assert "<img" not in svg
    assert any(t.text == f"{name}: 3" for t in root.iter(f"{SVG}title"))  # read back as text
    assert root.find(f"{SVG}title").text == name
    assert root.find(f"{SVG}desc").text == name
    assert re.fullmatch(
        r"[A-Za-z0-9_-]+", root.find(f"{SVG}title").get("id").removesuffix("-title")
    )


def test_control_characters_are_dropped_so_the_svg_stays_valid_xml():
    root = parse(chart(Bar("Bad\x00\x07name\x1b", 1, "1")))
    assert "Badname" in [t.text for t in root.iter(f"{SVG}text")]


def test_the_chart_is_labelled_for_screen_readers():
    root = parse(chart(Bar("Әли", 2, "2")))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}desc").text == "Votes by candidate"


def test_no_style_attributes_only_presentation_attributes():
    svg = chart(Bar("Әли", 2, "2", Tone.winner), Bar("Дана", 1, "1"), marker=Marker(2, "quota"))
    assert "style" not in svg
    assert f'fill="{FILLS[Tone.winner]}"' in svg
    assert 'stroke-dasharray="5 4"' in svg


def widths(svg: str) -> list[float]:
    """The widths of the bars drawn, in order."""
    return [float(r.get("width")) for r in parse(svg).iter(f"{SVG}rect")]


def test_bar_lengths_are_proportional_and_zero_draws_no_bar():
    first, second = widths(chart(Bar("A", 4, "4"), Bar("B", 1, "1"), Bar("C", 0, "0")))
    assert first == pytest.approx(4 * second, rel=0.01)


def test_a_shared_scale_keeps_small_multiples_comparable():
    [alone] = widths(chart(Bar("A", 2, "2")))
    [shared] = widths(chart(Bar("A", 2, "2"), scale=4))
    assert shared == pytest.approx(alone / 2, rel=0.01)


def test_fractions_are_drawn_without_float_surprises():
    [third] = widths(chart(Bar("A", Fraction(1, 3), "0.33"), scale=1))
    [whole] = widths(chart(Bar("A", 1, "1"), scale=1))
    assert third == pytest.approx(whole / 3, rel=0.01)


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip():
    name = "Айгерім Нұрланқызы Сейітқасымова-Бекмұхамбетова"
    root = parse(chart(Bar(name, 1, "1")))
    shown = next(t.text for t in root.iter(f"{SVG}text"))
    assert shown.endswith("…")
    assert len(shown) <= 30
    assert any(t.text == f"{name}: 1" for t in root.iter(f"{SVG}title"))


def test_an_empty_chart_is_still_a_valid_svg():
    root = parse(chart())
    assert root.tag == f"{SVG}svg"


@pytest.mark.parametrize("name", HOSTILE[:3])
def test_hostile_candidate_names_are_escaped_on_the_results_page(app, staff_client, name):
    poll = poll_with([[name]] * 2 + [["Дана"]], candidates=(name, "Дана"))
    browser, _user = staff_client("committee")
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "onmouseover='alert" not in html
    assert str(escape(name)) in html  # the table, escaped by the template
    assert html_escape(name, quote=True) in html  # the chart, escaped by charts.text

"""Manifestos: Markdown rendered to a short allow-list of tags, with no way to run code."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from elections.files.markdown import ALLOWED_TAGS, render_manifesto

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    "<style>body{display:none}</style>",
    '[x](https://a.kz "title" onclick=alert(1))',
    "![x](https://evil.example/track.png)",
    "<!-- hidden --> text",
]


class TagCollector(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The elements of rendered HTML, as a browser's parser sees them."""
    collector = TagCollector()
    collector.feed(html)
    return collector.elements


@pytest.mark.parametrize("text", HOSTILE)
def test_no_html_tag_script_or_dangerous_link_gets_through(text):
    for tag, attributes in elements(str(render_manifesto(text))):
        assert tag in ALLOWED_TAGS
        if tag == "a":
            assert set(attributes) <= {"href", "rel"}
            href = attributes.get("href") or "https://"
            assert href.startswith(("https://", "http://", "mailto:"))
        else:
            assert attributes == {}


def test_raw_html_is_shown_as_text_not_run():
    html = str(render_manifesto("<script>alert(1)</script> and <b>bold</b>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html


def test_javascript_link_stays_plain_text():
    assert str(render_manifesto("[x](javascript:alert(1))")) == (
        "<p>[x](javascript:alert(1))</p>\n"
    )


def test_the_allowed_formatting_survives():
    text = (
        "# Менің бағдарламам\n## Программа\n\n**bold** *italic*\n\n- one\n- two\n\n"
        "1. first\n\n> quoted\nline two"
    )
    html = str(render_manifesto(text))
    for tag in ("<h3>", "<h4>", "<strong>", "<em>", "<ul>", "<ol>", "<li>", "<blockquote>"):
        assert tag in html
    assert "<br" in html
    assert "<h1>" not in html
    assert "<h2>" not in html


@pytest.mark.parametrize(
    "link", ["https://example.kz/plan", "http://example.kz", "mailto:council@example.kz"]
)
def test_safe_links_keep_their_address_and_get_rel(link):
    html = str(render_manifesto(f"[my plan]({link})"))
    assert f'href="{link}"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize("link", ["/committee/", "//evil.example/", "ftp://files.example/"])
def test_relative_and_other_links_lose_their_address(link):
    html = str(render_manifesto(f"[x]({link})"))
    assert "href=" not in html


def test_the_result_is_markup_and_empty_text_renders_nothing():
    assert isinstance(render_manifesto("hi"), Markup)
    assert render_manifesto("") == Markup("")
    assert render_manifesto(None) == Markup("")


def test_the_template_filter_is_registered_for_every_page(app):
    rendered = app.jinja_env.from_string("{{ text|manifesto }}").render(text="**Иә** <script>")
    assert "<strong>Иә</strong>" in rendered
    assert "<script>" not in rendered

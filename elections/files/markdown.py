"""Candidates' manifestos: Markdown in, safe HTML out, for the ballot, results and committee pages.

Two layers, because a manifesto is text anyone standing may write: markdown-it-py
renders with raw HTML disabled (so ``<script>`` stays text), then nh3 keeps only a
short allow-list of tags, and links only to http, https and mailto, marked
``nofollow`` so a manifesto cannot lend the school's name to a site.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset(
    {"p", "em", "strong", "ul", "ol", "li", "a", "br", "blockquote", "h3", "h4"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = ("http://", "https://", "mailto:")
LINK_REL = "noopener noreferrer nofollow"
MAX_LENGTH = 20_000

# Headings inside a manifesto sit under the page's own h1/h2: "#" becomes h3, deeper h4.
_HEADING_TAGS = {"h1": "h3", "h2": "h4", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4"}


def _parser() -> MarkdownIt:
    """CommonMark without raw HTML; images shown as their text; line breaks kept as typed."""
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    parser.disable(["html_block", "html_inline"])

    def heading(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        """Render a heading one or two levels down, never above h3."""
        token = tokens[idx]
        token.tag = _HEADING_TAGS.get(token.tag, "h4")
        return renderer.renderToken(tokens, idx, options, env)

    def image(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        """Show an image as its alt text: no request leaves the page for a manifesto."""
        return escape(renderer.renderInlineAsText(tokens[idx].children or [], options, env))

    parser.add_render_rule("image", image)
    parser.add_render_rule("heading_open", heading)
    parser.add_render_rule("heading_close", heading)
    return parser


_PARSER = _parser()


def _keep_link(element: str, attribute: str, value: str) -> str | None:
    """Keep only a link's href, and only when it is an absolute http(s) or mailto address."""
    if element == "a" and attribute == "href":
        return value if value.strip().lower().startswith(LINK_SCHEMES) else None
    if element == "a" and attribute == "rel":
        return LINK_REL  # added by nh3 itself; fixed, so nothing else can ride along
    return None


def render_manifesto(text: str | None) -> Markup:
    """Render a manifesto's Markdown to HTML that can carry no script, style or foreign markup."""
    if not text:
        return Markup("")
    html = _PARSER.render(text[:MAX_LENGTH])
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_link,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 against an allow-list just above

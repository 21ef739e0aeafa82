"""Bar charts as inline SVG, drawn on the server: no script, no style attribute, works offline.

Pure: labels and numbers in, SVG markup out. The page's Content Security Policy forbids
inline styles, so every colour and size is a presentation attribute (``fill=``, ``width=``).
Each chart carries a ``<title>`` and ``<desc>`` for screen readers, and the page puts the
same figures in a table beside it, which is the accessible version. Every piece of text is
escaped, so a candidate named ``<script>`` is drawn as those characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from html import escape

TOP = 26
BOTTOM = 10
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


class Tone(StrEnum):
    """What a bar stands for, which decides its colour."""

    normal = "normal"
    winner = "winner"
    out = "out"
    muted = "muted"


# Colours that keep their contrast in greyscale print: the winner darkest.
FILLS = {
    Tone.normal: "#6f9fd0",
    Tone.winner: "#0b5cab",
    Tone.out: "#b3bcc8",
    Tone.muted: "#d5dae1",
}
INK = "#1b1f24"
MUTED_INK = "#4f5966"


@dataclass(frozen=True)
class Layout:
    """The geometry of a chart, in SVG units; the page scales the whole chart to fit."""

    width: int
    label_width: int
    figure_width: int
    row_height: int
    bar_height: int
    label_chars: int


FULL = Layout(width=660, label_width=210, figure_width=110, row_height=30, bar_height=18,
              label_chars=26)  # fmt: skip
COMPACT = Layout(width=380, label_width=140, figure_width=52, row_height=26, bar_height=16,
                 label_chars=16)  # fmt: skip
"""For small multiples: several side by side, each still legible."""


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value that sets its length, and the figure written beside it."""

    label: str
    value: Fraction | int | float
    figure: str
    tone: Tone = Tone.normal


@dataclass(frozen=True)
class Marker:
    """A dashed line across the bars at a value, such as the quota, with its label."""

    value: Fraction | int | float
    label: str


def text(value: str) -> str:
    """Text safe inside an SVG element or attribute: escaped, without XML-forbidden characters."""
    return escape(_NOT_XML.sub("", value), quote=True)


def _short(label: str, chars: int) -> str:
    """A label cut to fit the label column; the full label stays in the bar's tooltip."""
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _ident(ident: str) -> str:
    """An element id made only of safe characters."""
    return _NOT_ID.sub("-", ident) or "chart"


def _x(value: Fraction | int | float, scale: float, layout: Layout) -> float:
    """Where a value ends along the bar area."""
    area = layout.width - layout.label_width - layout.figure_width
    return layout.label_width + (float(value) / scale * area if scale > 0 else 0.0)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    ident: str,
    scale: Fraction | int | float | None = None,
    marker: Marker | None = None,
    layout: Layout = FULL,
) -> str:
    """A horizontal bar chart, one row per bar, as an ``<svg>`` element.

    ``scale`` is the value of a full-length bar (the largest bar or marker when not given),
    so small multiples can share one scale. ``ident`` makes the ids of the title and
    description unique on the page.
    """
    values = [float(bar.value) for bar in bars]
    if marker is not None:
        values.append(float(marker.value))
    full = float(scale) if scale is not None else max(values, default=0.0)
    height = TOP + layout.row_height * max(len(bars), 1) + BOTTOM
    parts = [_frame(_ident(ident), title, desc, height, layout)]
    parts += [_row(row, bar, full, layout) for row, bar in enumerate(bars)]
    if marker is not None:
        parts.append(_marker(marker, full, height, layout))
    parts.append("</svg>")
    return "".join(parts)


def _frame(ident: str, title: str, desc: str, height: int, layout: Layout) -> str:
    """The chart's opening: the ``<svg>`` element, its title and description, and the axis."""
    width, left = layout.width, layout.label_width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img"'
        f' aria-labelledby="{ident}-title {ident}-desc" font-family="{text(FONT)}" font-size="13">'
        f'<title id="{ident}-title">{text(title)}</title>'
        f'<desc id="{ident}-desc">{text(desc)}</desc>'
        f'<line x1="{left}" y1="{TOP - 6}" x2="{left}" y2="{height - BOTTOM}"'
        f' stroke="{MUTED_INK}" stroke-width="1"/>'
    )


def _row(row: int, bar: Bar, full: float, layout: Layout) -> str:
    """One bar with its label before it and its figure after it (no rectangle for zero)."""
    left = layout.label_width
    middle = TOP + row * layout.row_height + layout.row_height / 2
    end = _x(bar.value, full, layout)
    parts = [
        f"<g><title>{text(bar.label)}: {text(bar.figure)}</title>",
        f'<text x="{left - 8}" y="{middle:.1f}" text-anchor="end"'
        f' dominant-baseline="middle" fill="{INK}">'
        f"{text(_short(bar.label, layout.label_chars))}</text>",
    ]
    if end > left:
        parts.append(
            f'<rect x="{left}" y="{middle - layout.bar_height / 2:.1f}"'
            f' width="{end - left:.1f}" height="{layout.bar_height}"'
            f' fill="{FILLS[bar.tone]}"/>'
        )
    weight = ' font-weight="700"' if bar.tone is Tone.winner else ""
    parts.append(
        f'<text x="{end + 6:.1f}" y="{middle:.1f}" dominant-baseline="middle"'
        f' fill="{INK}"{weight}>{text(bar.figure)}</text></g>'
    )
    return "".join(parts)


def _marker(marker: Marker, full: float, height: int, layout: Layout) -> str:
    """The dashed line across the bars at the marker's value, with its label above."""
    at = _x(marker.value, full, layout)
    anchor = "end" if at > layout.width - 40 else "middle"
    return (
        f'<line x1="{at:.1f}" y1="{TOP - 6}" x2="{at:.1f}" y2="{height - BOTTOM}"'
        f' stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text x="{at:.1f}" y="{TOP - 10}" text-anchor="{anchor}" fill="{INK}"'
        f' font-size="12">{text(marker.label)}</text>'
    )

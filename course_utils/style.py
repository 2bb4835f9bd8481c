"""How the series' HTML outputs look in JupyterLab Light and Dark: text, accents, verdicts.

No single text colour passes WCAG AA (contrast 4.5:1) on both a white and a near-black page,
so text takes JupyterLab's theme variable for the page's ink (with a dark fallback where no
theme defines it: nbconvert, GitHub), and a phase or a verdict shows its colour in a border,
never in the letters. Pictures carry their own white background instead (see `draw`), and
every picture shown as HTML has a text alternative (JupyterLab shows a PNG output as an image
without one).
"""
from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

from .notation import FONT, GREEN, GREY, VERMILLION

#: The page's ink: JupyterLab's first content colour, in both themes; dark grey elsewhere.
INK = "var(--jp-content-font-color1, #1A1A1A)"
#: A border or a rule that stays visible on both themes.
RULE = "var(--jp-border-color1, #BDBDBD)"

#: What a verdict's mark and border say; the mark tells the status without colour.
VERDICT_LOOKS = {
    "correct": ("✔", "Correct", GREEN),
    "wrong": ("✘", "Not yet", VERMILLION),
    "not attempted": ("…", "Not attempted yet", GREY),
}


def text_style(size: str = "15px") -> str:
    """The inline style of a block of text in the theme's ink."""
    return f"font-family:{FONT};font-size:{size};line-height:1.5;color:{INK}"


def _code(message: str) -> str:
    """The message escaped for HTML, with `name` spans shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(message))


def verdict_html(status: str, message: str) -> str:
    """A check's verdict as HTML: its mark and word (✔ Correct, ✘ Not yet, … Not attempted
    yet) in bold, then the message, in the theme's ink, with a border of the status's colour.
    `role="status"` makes a screen reader read the verdict out when it appears."""
    if status not in VERDICT_LOOKS:
        raise ValueError(f"verdict_html: status must be one of {', '.join(VERDICT_LOOKS)}, "
                         f"got {status!r}.")
    mark, word, colour = VERDICT_LOOKS[status]
    return (f'<div class="bp-verdict" data-status="{status}" role="status" '
            f'style="{text_style()};border-left:6px solid {colour};padding:4px 10px">'
            f'<strong>{mark} {word}</strong>: {_code(message)}</div>')


def _luminance(colour: str) -> float:
    """The relative luminance of an #RRGGBB colour (WCAG 2)."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two #RRGGBB colours, from 1 to 21; text needs 4.5."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def image_html(data: bytes, alt: str, width: int, mime: str = "image/png") -> str:
    """A PNG (or an SVG) as an HTML image with its text alternative, at most as wide as its
    column, on white (a plot drawn for a white page stays readable in a dark theme). An image,
    not inline SVG: JupyterLab shows an untrusted notebook's HTML (one opened before it is run)
    and GitHub shows any notebook's HTML sanitised, which removes inline SVG but keeps images."""
    return (f'<img src="data:{mime};base64,{base64.b64encode(data).decode()}" '
            f'alt="{html.escape(alt)}" width="{width}" '
            'style="max-width:100%;height:auto;background:#FFFFFF">')


#: The mathtext of the series' plot labels, as a screen reader should say it.
_SYMBOLS = {r"\eta": "η", r"\lambda": "λ", r"\sigma": "σ", r"\varepsilon": "ε", r"\epsilon": "ε",
            r"\mathcal{E}": "E", r"\mathcal{L}": "L", r"\mathcal{R}": "R", r"\cdot": "·",
            r"\,": " ", r"\ ": " "}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def spoken(text: str) -> str:
    """A label's mathtext ($x_1$, $\\eta$) as plain text (x₁, η), for a text alternative."""
    def math(match: re.Match) -> str:
        tex = match.group(1)
        for command, symbol in _SYMBOLS.items():
            tex = tex.replace(command, symbol)
        tex = re.sub(r"\\bar\{(\w)\}", "\\1\u0304", tex)
        tex = re.sub(r"_\{?(\d+)\}?", lambda m: m.group(1).translate(_SUBSCRIPTS), tex)
        return re.sub(r"[{}\\]", "", tex)
    return re.sub(r"\$([^$]*)\$", math, text)


def figure_alt(figure: Any) -> str:
    """What a matplotlib figure shows, read from the figure itself: each plot's title, axis
    labels and legend entries, their mathtext as plain text."""
    parts = []
    for ax in figure.axes:
        labels = [t.get_text() for t in (ax.get_legend().get_texts() if ax.get_legend() else [])]
        text = ax.get_title() or "a plot"
        if ax.get_xlabel() or ax.get_ylabel():
            text += f": {ax.get_ylabel() or 'value'} against {ax.get_xlabel() or 'position'}"
        if labels:
            text += " (" + ", ".join(labels) + ")"
        parts.append(text)
    return spoken("Figure: " + "; ".join(parts) + ".")


class Picture:
    """A PNG for a notebook: HTML with its text alternative, and the alternative as plain text
    for exports that take no HTML. The PNG (`.data`) is stored once, inside the HTML: a second
    copy as image/png would double the notebook's size, and JupyterLab shows it without the
    alternative."""

    def __init__(self, data: bytes, alt: str, width: int):
        self.data, self.alt, self.width = data, alt, width

    def _repr_html_(self) -> str:
        return image_html(self.data, self.alt, self.width)

    def __repr__(self) -> str:
        return f"<{self.alt}>"


def figure_picture(figure: Any, alt: str | None = None, dpi: int = 100) -> Picture:
    """A matplotlib figure as a Picture; its text alternative given, or read by `figure_alt`."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return Picture(buffer.getvalue(), alt or figure_alt(figure), int(figure.get_figwidth() * dpi))


def show_figure(figure: Any, alt: str | None = None) -> Picture:
    """Show a matplotlib figure with a text alternative (instead of `plt.show()`), and close
    it so that the notebook does not show it a second time without one."""
    import matplotlib.pyplot as plt
    plt.close(figure)
    return figure_picture(figure, alt)

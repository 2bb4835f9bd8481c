"""The course's notation in one place: numbers, names with bars, formulas and colours.

The pictures, the stepper, the explorers and the engine's labels spell a number, a bar or a
formula with the functions below (and so can the checks' verdicts), so each is written the
same way everywhere and changed in one place. Only numpy is needed, so any module can use it:
a node here is anything with `.op` (its Operation) and `.args`, where the constant arguments
are numpy arrays, as the engine makes them.

Three styles: "text" (plain strings), "html" and "svg" (markup for the pictures).
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# Colours: the Okabe-Ito palette, told apart with the common kinds of colour blindness
# --------------------------------------------------------------------------------------------

ORANGE, SKY, GREEN, YELLOW = "#E69F00", "#56B4E9", "#009E73", "#F0E442"
BLUE, VERMILLION, PURPLE, BLACK = "#0072B2", "#D55E00", "#CC79A7", "#000000"
PALETTE = (ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK)
GREY = "#6E6E6E"  # for what is not known yet; dark enough to read on white
# Text in a colour: darker shades of the same hues, at least 4.5:1 (WCAG AA) on white and on
# the light tints of the lit boxes, where blue, vermillion and grey themselves fall short.
BLUE_TEXT, VERMILLION_TEXT, GREY_TEXT = "#005A8C", "#A84A00", "#595959"
TEXT_SHADE = {BLUE: BLUE_TEXT, VERMILLION: VERMILLION_TEXT, GREY: GREY_TEXT}
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

MINUS = "\u2212"  # the true minus sign: as wide as a plus, unlike the hyphen "-"
MAX_SHOWN = 4     # entries; a bigger array is shown by its shape


def number(x, spec: str = ".4g") -> str:
    """A scalar for reading, formatted by `spec`, with a true minus sign: 0.5, −0.04359, 2."""
    text = format(float(x), spec)
    return MINUS + text[1:] if text.startswith("-") else text


def plain(x) -> str:
    """A value as code would print it (for reprs and error messages): 0.5, -2, or its shape."""
    array = np.asarray(x)
    if array.ndim == 0:
        return f"{float(array):.4g}"
    return f"<array of shape {array.shape}>"


def show(a, spec: str = ".4g", most: int = MAX_SHOWN) -> str:
    """A value or bar: a number for a scalar, a compact array [0.1 −0.2] (a column as a
    transposed row, [0.1 −0.2]ᵀ) or, with more than `most` entries, its shape; numbers
    formatted by `spec`."""
    a = np.asarray(a)
    if a.ndim == 0:
        return number(a, spec)
    if a.size > most:
        return f"array of shape {a.shape}"
    if a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1:
        return show(a[:, 0], spec, most) + "ᵀ"
    text = np.array2string(a, precision=3, separator=" ", max_line_width=10_000,
                           formatter={"float_kind": lambda x: number(x, spec)})
    return " ".join(text.split())


def distinct(expected, got, digits: int = 4) -> tuple[str, str]:
    """Expected and got as texts, with as many digits (up to 17) as it takes to tell them apart.

    0.3 against 0.30000004 reads "0.3" and "0.3" at 4 digits; here "0.3" and "0.30000004".
    Arrays are shown entry by entry; equal values give equal texts.
    """
    e, g = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)

    def text(a: np.ndarray, n: int) -> str:
        if a.ndim == 0:
            return number(a, f".{n}g")
        return np.array2string(a, separator=", ", max_line_width=10_000,
                               formatter={"float_kind": lambda v: number(v, f".{n}g")})

    for n in range(digits, 18):
        shown = text(e, n), text(g, n)
        if shown[0] != shown[1]:
            return shown
    return shown


def compared(expected, got, rtol: float = 1e-6) -> tuple[str, str, str]:
    """(where, expected, got), each on one line, told apart as `distinct` tells them.

    A number or a short vector is shown whole (where = ""); a matrix or a longer array, of the
    same shape as expected, at its first entry that differs: ("[2, 0]", "0.25", "0.2501"), so a
    verdict stays one short line. What is not numbers is shown as it prints.
    """
    try:
        e, g = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return "", str(expected), str(got)
    where = ""
    if e.shape == g.shape and (e.ndim > 1 or e.size > MAX_SHOWN):
        index = np.unravel_index(np.argmax(~np.isclose(g, e, rtol=rtol, atol=1e-10)), e.shape)
        e, g = e[index], g[index]
        where = "[" + ", ".join(map(str, index)) + "]"
    whole = np.concatenate([e.ravel(), g.ravel()])
    whole = whole[np.isfinite(whole)]
    digits = 4                                       # 203530, not 2.035e+05
    if whole.size and np.all(whole == np.round(whole)) and np.max(np.abs(whole)) < 1e15:
        digits = max(digits, len(str(int(np.max(np.abs(whole))))))
    shown = distinct(e, g, digits)
    return where, " ".join(shown[0].split()), " ".join(shown[1].split())


def factor(text: str) -> str:
    """Parentheses around a factor of a product that needs them: (−1), (1 − tanh²(z))."""
    closed = text.startswith("(") and text.endswith(")")
    return f"({text})" if not closed and (" " in text or text.startswith((MINUS, "-"))) else text


def constant(a) -> str:
    """A constant inside a formula: a number, or an array by its shape, [5×2]."""
    return show(a) if np.ndim(a) == 0 else "[" + "×".join(map(str, np.shape(a))) + "]"


# --------------------------------------------------------------------------------------------
# Names and bars
# --------------------------------------------------------------------------------------------

def markup(name: str, style: str = "text", bar: bool = False, dot: bool = False) -> str:
    """A node's name, optionally with its bar, in plain text, HTML or SVG.

    "L_reg" has subscript "reg"; a one-letter name takes a combining macron (w̄), a longer one
    an overline, so `markup("L_reg", "text", bar=True)` is "L̄_reg". `dot=True` writes the
    tangent of forward mode instead, a dot above each letter of the base (ẇ, L̇_reg).
    """
    base, _, sub = name.partition("_")
    if dot:
        base = "".join(c + "\u0307" for c in base)
    if style == "text":
        if bar:
            base = "".join(c + "\u0304" for c in base)
        return base + ("_" + sub if sub else "")
    base, sub = html.escape(base), html.escape(sub)
    if bar and len(base) == 1:
        base += "\u0304"
    elif bar and style == "html":
        base = f'<span style="text-decoration:overline">{base}</span>'
    elif bar:
        base = f'<tspan text-decoration="overline">{base}</tspan>'
    if sub and style == "html":
        return f"{base}<sub>{sub}</sub>"
    if sub:
        return f'{base}<tspan baseline-shift="sub" font-size="75%">{sub}</tspan>'
    return base


def bar_name(name: str, style: str = "text") -> str:
    """The bar of a node, as on the slides: w -> w̄, L_reg -> L̄_reg."""
    return markup(name, style, bar=True)


# --------------------------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------------------------

def fill(template: str, parts, style: str = "text") -> str:
    """An operation's text ("{0}·{1} + {2}") with its arguments filled in, escaped for style."""
    if style != "text":
        template = html.escape(template, quote=False)
    return template.format(*parts)


def symbol(node: Any, k: int) -> str:
    """Constant argument k of node in a formula: its symbol if the operation names it (λ)."""
    symbols = node.op.symbols
    return symbols[k] if k < len(symbols) and symbols[k] else constant(node.args[k])


def formula(node: Any, name_of: Callable[[Any], str], style: str = "text",
            values: dict | None = None) -> str:
    """`node`'s formula, e.g. "w·x + b"; with `values`, the numbers instead: "0.5·2 + 0.1".

    `name_of` gives the name of an argument that is a node; `values` maps such arguments to
    their values. Constant arguments (numpy arrays) appear by symbol, or by value with `values`.
    """
    parts = []
    for k, arg in enumerate(node.args):
        if isinstance(arg, np.ndarray):
            parts.append(constant(arg) if values is not None else symbol(node, k))
        elif values is not None:
            text = show(values[arg])
            slot = "{" + str(k) + "}"                        # ½{0}² -> ½(0.5)²
            glued = re.search(r"[\w½)]" + re.escape(slot), node.op.formula)
            parts.append(f"({text})" if glued else factor(text))
        else:
            parts.append(markup(name_of(arg), style))
    return fill(node.op.formula, parts, style)


def label(node: Any, depth: int) -> str:
    """A node's name, or for an unnamed node its formula with `depth` levels of unnamed
    operations spelled out and deeper ones written "…": a label stays short however deep the
    graph, and a sub-expression used twice is not doubled. A constant shows its value."""
    if not hasattr(node, "op"):
        return plain(node)
    if node.name is not None:
        return node.name
    if node.op is None:
        return "leaf"
    return fill(node.op.formula, [_inner(arg, depth - 1) for arg in node.args])


def _inner(arg: Any, depth: int) -> str:
    """An argument inside a label: an unnamed operation in brackets, or "…" below `depth`."""
    if not hasattr(arg, "op") or arg.name is not None or arg.op is None:
        return label(arg, depth)
    return f"({label(arg, depth)})" if depth > 0 else "…"

"""Pictures of computational graphs: `draw(L)` shows any engine graph as an SVG picture.

The nodes stand in layers, left to right, by depth: inputs on the left, the output on the
right, every arrow x → y meaning "y is computed from x" (lecture slide 9). Each box shows the
node's name (or n_i, its place in the topological order), its formula, its value and, once
known, its bar (w̄ = dL/dw).

The picture is a pure function of the graph and of what is lit (`render_svg`), so the
`BackpropStepper` widget reuses it for every step, and the same input always gives the same
SVG text. Colours are the colour-blind-safe Okabe-Ito palette; `lecture=True` gives large
fonts and high contrast for a projector.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np

from .engine import Node, topological_order

# Okabe-Ito: blue for values and the forward pass, vermillion for bars and the backward pass.
BLUE, VERMILLION, ORANGE, SKY, GREY = "#0072B2", "#D55E00", "#E69F00", "#56B4E9", "#6E6E6E"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


# --------------------------------------------------------------------------------------------
# Numbers and names as text ("text" for plain strings, "html" and "svg" for the pictures)
# --------------------------------------------------------------------------------------------

def number(x) -> str:
    """A scalar with 4 significant digits, with a true minus sign: 0.5, −0.04359, 2."""
    text = f"{float(x):.4g}"
    return "−" + text[1:] if text.startswith("-") else text


MAX_SHOWN = 4  # entries; a bigger array is shown by its shape


def value_chars(a) -> int:
    """The most characters array_text can need for an array of this shape (e.g. −0.04359)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return 8
    if a.size > MAX_SHOWN:
        return len(f"array of shape {a.shape}")
    return 8 * a.size + 2 * a.ndim


def array_text(a) -> str:
    """A compact one-line view of an array: [0.1 −0.2 0.3], or its shape when it is big."""
    a = np.asarray(a)
    if a.ndim == 0:
        return number(a)
    if a.size > MAX_SHOWN:
        return f"array of shape {a.shape}"
    text = np.array2string(a, precision=3, separator=" ", max_line_width=10_000,
                           formatter={"float_kind": number})
    return " ".join(text.split())


def show(a) -> str:
    """A value or bar: a number for a scalar, a compact array otherwise."""
    return array_text(a)


def constant(a) -> str:
    """A constant inside a formula: a number, or an array by its shape, [5×2]."""
    return show(a) if np.ndim(a) == 0 else "[" + "×".join(map(str, np.shape(a))) + "]"


def markup(name: str, style: str = "text", bar: bool = False) -> str:
    """A node's name, optionally with its bar, in plain text, HTML or SVG.

    "L_reg" has subscript "reg"; a one-letter name takes a combining macron (w̄), a longer one
    an overline, so `markup("L_reg", "text", bar=True)` is "L̄_reg".
    """
    base, _, sub = name.partition("_")
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


def fill(template: str, parts, style: str) -> str:
    """An operation's text ("{0}·{1} + {2}") with its arguments filled in, escaped for style."""
    if style != "text":
        template = html.escape(template, quote=False)
    return template.format(*parts)


# --------------------------------------------------------------------------------------------
# Layout: which node goes where (depends on the graph only)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """Where every node of a graph goes; nodes are numbered in topological order."""
    order: tuple          # the nodes, each after its parents, output last
    index: dict           # node -> its position in `order`
    names: tuple          # name shown for each node: its name, or n_i for unnamed nodes
    edges: tuple          # ((parent index, child index, argument position), route points)
    boxes: tuple          # (x, y, width) of each node's box
    box_height: float
    width: float
    height: float
    lecture: bool

    def name(self, node: Node) -> str:
        return self.names[self.index[node]]

    def formula(self, node: Node, style: str = "text", values: dict | None = None) -> str:
        """The node's formula with its arguments' names, or with their values if given."""
        return formula(node, self.name, style, values)


def symbol(node: Node, k: int) -> str:
    """Constant argument k of node in a formula: its symbol if the operation names it (λ)."""
    symbols = node.op.symbols
    return symbols[k] if k < len(symbols) and symbols[k] else constant(node.args[k])


def formula(node: Node, name_of, style: str = "text", values: dict | None = None) -> str:
    """`node`'s formula, e.g. "w·x + b"; with `values`, the numbers instead: "0.5·2 + 0.1"."""
    parts = []
    for k, arg in enumerate(node.args):
        if not isinstance(arg, Node):
            parts.append(constant(arg) if values is not None else symbol(node, k))
        elif values is not None:
            text = show(values[arg])
            glued = re.search(r"[\w½)]\{%d\}" % k, node.op.formula)   # ½{0}² -> ½(0.5)²
            parts.append(f"({text})" if text.startswith("−") or glued else text)
        else:
            parts.append(markup(name_of(arg), style))
    return fill(node.op.formula, parts, style)


def sizes(lecture: bool) -> dict:
    """Font sizes, line height and strokes for the normal and the lecture (projector) look."""
    if lecture:
        return dict(font=20, small=16, line=26, pad=12, gap=110, vgap=30, stroke=3.0, lit=5.0)
    return dict(font=14, small=12, line=18, pad=8, gap=80, vgap=20, stroke=1.6, lit=3.2)


def layout(output: Node, lecture: bool = False) -> Layout:
    """Lay out the graph of `output`: layers by depth, ordered to keep arrows short."""
    if not isinstance(output, Node):
        raise TypeError(f"draw: expected a Node (e.g. the loss L), got {type(output).__name__}.")
    order = tuple(topological_order(output))
    index = {node: i for i, node in enumerate(order)}
    names = tuple(n.name if n.name is not None else f"n_{i + 1}" for i, n in enumerate(order))
    edges = tuple((index[arg], i, k) for i, node in enumerate(order)
                  for k, arg in enumerate(node.args) if isinstance(arg, Node))
    children = [[] for _ in order]
    for p, c, _ in edges:
        children[p].append(c)

    # Depth: an operation one layer right of its deepest parent; an input just left of its
    # first user (so t stands next to y, as on the slide).
    depth = [0] * len(order)
    for i, node in enumerate(order):
        if node.parents:
            depth[i] = 1 + max(depth[index[p]] for p in node.parents)
    for i, node in enumerate(order):
        if not node.parents and children[i]:
            depth[i] = min(depth[c] for c in children[i]) - 1
    # A long arrow passes through the layers in between as a chain of invisible points, which
    # take a place in those layers so that arrows go around boxes, not behind them.
    layers = [[] for _ in range(max(depth) + 1)]
    for i in range(len(order)):
        layers[depth[i]].append(i)
    chains, neighbours, item_depth = [], [[] for _ in order], list(depth)
    for p, c, _ in edges:
        chain = [p]
        for d in range(depth[p] + 1, depth[c]):
            item_depth.append(d)
            neighbours.append([])
            layers[d].append(len(item_depth) - 1)
            chain.append(len(item_depth) - 1)
        chain.append(c)
        for a, b in zip(chain, chain[1:]):
            neighbours[a].append(b)
            neighbours[b].append(a)
        chains.append(chain[1:-1])

    # Order within each layer: a few sweeps of the barycentre rule, ties by topological order.
    row = {}
    for layer in layers:
        row.update({i: r - (len(layer) - 1) / 2 for r, i in enumerate(layer)})
    for sweep in range(4):
        for layer in (layers if sweep % 2 == 0 else reversed(layers)):
            def key(i):
                near = [row[j] for j in neighbours[i]]
                return (sum(near) / len(near) if near else row[i], i)
            layer.sort(key=key)
            row.update({i: r - (len(layer) - 1) / 2 for r, i in enumerate(layer)})

    s = sizes(lecture)
    char = 0.62 * s["font"]
    widths = []
    for i, node in enumerate(order):
        text = "" if node.op is None else "= " + formula(node, lambda n: names[index[n]])
        longest = max(min(len(text), 26), 13, len(names[i]) + 4 + value_chars(node.value))
        widths.append(longest * char + 2 * s["pad"])
    box_height = 4 * s["line"] + 2 * s["pad"]
    tallest = max(len(layer) for layer in layers)
    boxes, spans, x = [None] * len(order), {}, s["gap"] / 2
    for layer in layers:
        column = max(widths[i] for i in layer if i < len(order))
        for i in layer:
            y = (row[i] + (tallest - 1) / 2) * (box_height + s["vgap"]) + s["vgap"]
            if i < len(order):
                boxes[i] = (round(x + (column - widths[i]) / 2, 1), round(y, 1),
                            round(widths[i], 1))
            else:
                spans[i] = [(x, y + box_height / 2), (x + column, y + box_height / 2)]
        x += column + s["gap"]

    # Each arrow: from the right of the parent's box, through its chain, to a slot on the
    # left of the child's box (one slot per argument).
    routes = []
    for (p, c, k), chain in zip(edges, chains):
        px, py, pw = boxes[p]
        cx, cy, _ = boxes[c]
        n_args = sum(1 for e in edges if e[1] == c)
        slot = sum(1 for e in edges if e[1] == c and e[2] < k)
        points = [(px + pw, py + box_height / 2)]
        for v in chain:
            points.extend(spans[v])
        points.append((cx - 2, cy + box_height * (slot + 1) / (n_args + 1)))
        routes.append(tuple((round(a, 1), round(b, 1)) for a, b in points))
    height = tallest * (box_height + s["vgap"]) + s["vgap"]
    return Layout(order, index, names, tuple(zip(edges, routes)), tuple(boxes), box_height,
                  round(x - s["gap"] / 2, 1), height, lecture)


# --------------------------------------------------------------------------------------------
# Rendering: a pure function of the layout and of what is known and lit
# --------------------------------------------------------------------------------------------

def render_svg(lay: Layout, values: dict, bars: dict, lit: frozenset = frozenset(),
               lit_edges: frozenset = frozenset(), edge_labels: dict | None = None,
               phase: str = "forward", numbering: bool = True) -> str:
    """The SVG text of the graph.

    `values` and `bars` map nodes to the arrays to show (nodes missing show none);
    `lit` are nodes and `lit_edges` (parent, child) pairs drawn in the phase's colour;
    `edge_labels` maps (parent, child) to a text written on that arrow (a message).
    """
    s = sizes(lay.lecture)
    accent = VERMILLION if phase in ("backward", "seed") else BLUE
    ink, line_colour = ("#000000", "#222222") if lay.lecture else ("#1A1A1A", GREY)
    edge_labels = edge_labels or {}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bp-graph" width="{lay.width}" '
           f'height="{lay.height}" viewBox="0 0 {lay.width} {lay.height}" '
           f'font-family="{FONT}" font-size="{s["font"]}" role="img">',
           f'<title>Computational graph of {html.escape(lay.names[-1])}</title>',
           f'<rect width="{lay.width}" height="{lay.height}" fill="#FFFFFF"/>']

    labels = []
    for (p, c, _), points in lay.edges:
        pair = (lay.order[p], lay.order[c])
        colour, width = (accent, s["lit"]) if pair in lit_edges else (line_colour, s["stroke"])
        tip = 3 * width + 4
        x2, y2 = points[-1]
        points = points[:-1] + ((x2 - tip, y2),)
        path = [f"M{points[0][0]},{points[0][1]}"]
        for j, ((xa, ya), (xb, yb)) in enumerate(zip(points, points[1:])):
            if j % 2:                       # straight through a layer in between
                path.append(f"L{xb},{yb}")
            else:
                bend = max(30.0, (xb - xa) / 2)
                path.append(f"C{xa + bend:.1f},{ya} {xb - bend:.1f},{yb} {xb},{yb}")
        out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                   f'stroke-width="{width}" data-edge="{html.escape(lay.names[p])}→'
                   f'{html.escape(lay.names[c])}"/>')
        out.append(f'<path d="M{x2},{y2} L{x2 - tip:.1f},{y2 - tip / 2:.1f} '
                   f'L{x2 - tip:.1f},{y2 + tip / 2:.1f} Z" fill="{colour}"/>')
        if pair in edge_labels:
            j = len(points) // 2 - 1 if len(points) > 2 else 0
            (xa, ya), (xb, yb) = points[j], points[j + 1]
            mx, my = (xa + xb) / 2, (ya + yb) / 2
            text = html.escape(edge_labels[pair])
            w = (len(edge_labels[pair]) + 1) * 0.6 * s["small"]
            labels.append(f'<g class="bp-message"><rect x="{mx - w / 2:.1f}" '
                          f'y="{my - s["small"]:.1f}" width="{w:.1f}" '
                          f'height="{s["small"] * 1.5:.1f}" rx="4" fill="#FFFFFF" '
                          f'stroke="{accent}"/><text x="{mx:.1f}" y="{my + s["small"] * 0.3:.1f}" '
                          f'text-anchor="middle" font-size="{s["small"]}" fill="{accent}">'
                          f'{text}</text></g>')

    for i, node in enumerate(lay.order):
        x, y, w = lay.boxes[i]
        on = node in lit
        known = node in values
        stroke = accent if on else (ink if known else GREY)
        fill_colour = ("#E3F1FB" if accent == BLUE else "#FBE7DA") if on else "#FFFFFF"
        name = lay.names[i]
        dashes = "" if known or on else ' stroke-dasharray="6 4"'
        out.append(f'<g class="bp-node" data-node="{html.escape(name)}">'
                   f'<rect x="{x}" y="{y}" width="{w}" height="{lay.box_height}" rx="8" '
                   f'fill="{fill_colour}" stroke="{stroke}" '
                   f'stroke-width="{s["lit"] if on else s["stroke"]}"{dashes}/>')
        tx, line = x + s["pad"], y + s["pad"] + s["line"] * 0.8
        out.append(f'<text x="{tx}" y="{line:.1f}" font-weight="bold" fill="{ink}">'
                   f'{markup(name, "svg")}</text>')
        if numbering:
            out.append(f'<text x="{x + w - s["pad"]:.1f}" y="{line:.1f}" text-anchor="end" '
                       f'font-size="{s["small"]}" fill="{GREY}">{i + 1}</text>')
        text = "input" if node.op is None else "= " + lay.formula(node, "svg")
        out.append(f'<text x="{tx}" y="{line + s["line"]:.1f}" font-size="{s["small"]}" '
                   f'fill="{ink}">{text}</text>')
        if known:
            out.append(f'<text class="bp-value" x="{tx}" y="{line + 2 * s["line"]:.1f}" '
                       f'fill="{BLUE}">{markup(name, "svg")} = {show(values[node])}</text>')
        if node in bars:
            out.append(f'<text class="bp-bar" x="{tx}" y="{line + 3 * s["line"]:.1f}" '
                       f'fill="{VERMILLION}">{markup(name, "svg", bar=True)} = '
                       f'{show(bars[node])}</text>')
        out.append('</g>')
    out.extend(labels)
    out.append('</svg>')
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# draw(): the one call for notebooks
# --------------------------------------------------------------------------------------------

class GraphPicture:
    """What `draw` returns: shown as an SVG picture in a notebook, `.svg` is its text."""

    def __init__(self, svg: str, output_name: str, n_nodes: int):
        self.svg, self._summary = svg, f"<graph of {output_name}: {n_nodes} nodes>"

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return self._summary


def draw(output: Node, *, lecture: bool = False, bars: bool = True, lit=(),
         lit_edges=()) -> GraphPicture:
    """Draw the graph that computes `output`, with the current values and (if known) bars.

    `lit`: nodes to highlight; `lit_edges`: (parent, child) pairs to highlight;
    `bars=False` hides the bars; `lecture=True`: large fonts and high contrast.
    """
    lay = layout(output, lecture)
    values = {node: node.value for node in lay.order}
    shown_bars = {node: node.bar for node in lay.order if bars and node.bar is not None}
    svg = render_svg(lay, values, shown_bars, frozenset(lit), frozenset(map(tuple, lit_edges)))
    return GraphPicture(svg, lay.names[-1], len(lay.order))

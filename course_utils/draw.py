"""Pictures of computational graphs: `draw(L)` shows any engine graph as an SVG picture.

The nodes stand in layers, left to right, by depth: inputs on the left, the output on the
right, every arrow x → y meaning "y is computed from x" (lecture slide 9). Each box shows the
node's name (or n_i, its place in the topological order), its formula, its value and, once
known, its bar (w̄ = dL/dw). A graph too wide for a notebook column wraps into bands below
each other, read like lines of text, so that its text stays readable once the picture is
scaled to the column.

The picture is a pure function of the graph and of what is lit (`render_svg`), so the
`BackpropStepper` widget reuses it for every step, and the same input always gives the same
SVG text. Colours are the colour-blind-safe Okabe-Ito palette; `lecture=True` gives large
fonts and high contrast for a projector.

Why the pictures are drawn here and not with graphviz: graphviz's `dot` is a system binary,
which Binder and a student's laptop may lack (the Python package is only its front end), and
its output changes with its version. The layout below is small, needs numpy alone, and gives
the same SVG text on every machine, which the tests and the notebooks' stored outputs compare.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np

from .engine import Node, topological_order
from .notation import (
    BLUE,
    BLUE_TEXT,
    FONT,
    GREY,
    GREY_TEXT,
    TEXT_SHADE,
    VERMILLION,
    VERMILLION_TEXT,
    formula,
    markup,
    number,
    show,
)
from .style import image_html

__all__ = ["GraphPicture", "Layout", "describe", "draw", "layout", "markup", "number",
           "render_svg"]


# --------------------------------------------------------------------------------------------
# Layout: which node goes where (depends on the graph only)
# --------------------------------------------------------------------------------------------

Point = tuple[float, float]


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

    @cached_property
    def texts(self) -> tuple[tuple[str, str, str, str, str], ...]:
        """Per node, the SVG texts that depend on the graph alone, written once for all the
        pictures of a stepper: its name for an attribute, its name, its bar, its formula and
        its tangent (forward mode's ṅ)."""
        return tuple((html.escape(name), markup(name, "svg"), markup(name, "svg", bar=True),
                      "input" if node.op is None else "= " + self.formula(node, "svg"),
                      markup(name, "svg", dot=True))
                     for node, name in zip(self.order, self.names, strict=True))


def sizes(lecture: bool) -> dict:
    """Font sizes, line height and strokes for the normal and the lecture (projector) look.

    `column` is the width the picture must fit (a notebook column; a projector's 1024 pixels)
    and `least` the smallest font size allowed there once the picture is scaled to fit.
    """
    if lecture:
        return dict(font=20, small=18, line=23, pad=8, gap=90, vgap=16, stroke=3.0, lit=5.0,
                    column=1000, least=18)
    return dict(font=14, small=12, line=18, pad=8, gap=60, vgap=16, stroke=1.6, lit=3.2,
                column=900, least=11)


def widest(s: dict) -> float:
    """The widest a picture may be: scaled down to the column, its small text stays readable."""
    return s["column"] * s["small"] / s["least"]


@dataclass
class _Grid:
    """The layers as the layout builds them: graph nodes 0..n-1, then the points that long
    arrows pass through (one per layer they cross), with their neighbours along the arrows."""
    layers: list[list[int]]
    chains: list[list[int]]        # per edge: the points it passes through
    neighbours: list[list[int]]    # per node or point: the ones an arrow joins it to


def _depths(order: tuple, index: dict, children: list[list[int]]) -> list[int]:
    """Depth: an operation one layer right of its deepest parent; an input just left of its
    first user (so t stands next to y, as on the slide)."""
    depth = [0] * len(order)
    for i, node in enumerate(order):
        if node.parents:
            depth[i] = 1 + max(depth[index[p]] for p in node.parents)
    for i, node in enumerate(order):
        if not node.parents and children[i]:
            depth[i] = min(depth[c] for c in children[i]) - 1
    return depth


def _grid(depth: list[int], edges: tuple) -> _Grid:
    """Layers by depth. A long arrow passes through the layers in between as a chain of
    invisible points, which take a place in those layers so that arrows go around boxes."""
    layers: list[list[int]] = [[] for _ in range(max(depth) + 1)]
    for i, d in enumerate(depth):
        layers[d].append(i)
    grid = _Grid(layers, [], [[] for _ in depth])
    n_items = len(depth)
    for p, c, _ in edges:
        chain = [p]
        for d in range(depth[p] + 1, depth[c]):
            grid.neighbours.append([])
            layers[d].append(n_items)
            chain.append(n_items)
            n_items += 1
        chain.append(c)
        for a, b in pairwise(chain):
            grid.neighbours[a].append(b)
            grid.neighbours[b].append(a)
        grid.chains.append(chain[1:-1])
    return grid


def _rows(grid: _Grid) -> dict[int, float]:
    """Order within each layer: a few sweeps of the barycentre rule, ties by topological
    order; returns each item's row, centred on 0."""
    row: dict[int, float] = {}

    def centre(layer: list[int]) -> None:
        row.update({i: r - (len(layer) - 1) / 2 for r, i in enumerate(layer)})

    def key(i: int) -> tuple[float, int]:
        near = [row[j] for j in grid.neighbours[i]]
        return (sum(near) / len(near) if near else row[i], i)

    for layer in grid.layers:
        centre(layer)
    for sweep in range(4):
        for layer in (grid.layers if sweep % 2 == 0 else reversed(grid.layers)):
            layer.sort(key=key)
            centre(layer)
    return row


#: The longest value or bar line a box writes, in characters: a longer array is shown by its
#: shape, so that a network's boxes stay narrow enough for three layers in a column.
LINE_CHARS = 26


def line_value(name: str, a) -> str:
    """What a box writes after "name = ": the value (or bar), its numbers rounded to two digits
    if that is long, or its shape if even those are (a small array's numbers are the point)."""
    text = show(a)
    if len(name) + 3 + len(text) > LINE_CHARS and np.ndim(a) > 0:
        text = show(a, ".2g")
        if len(name) + 3 + len(text) > LINE_CHARS + 6 or "shape" in text:
            return f"array of shape {np.shape(a)}"
    return text


def _widths(order: tuple, names: tuple, s: dict, thirds: dict | None = None) -> list[float]:
    """Each box wide enough for its first line (name, formula and number) and for its value
    and bar as they are now (bars not yet known: as wide as the value), or for the third
    lines `thirds` gives instead of the bars (a forward-mode sweep's tangents)."""
    name_of = dict(zip(order, names, strict=True)).__getitem__
    char, small = 0.62 * s["font"], 0.62 * s["small"]
    widths = []
    for i, (node, name) in enumerate(zip(order, names, strict=True)):
        text = "input" if node.op is None else "= " + formula(node, name_of)
        first = (len(name) + 1) * 0.68 * s["font"] + (len(text) + len(str(i + 1)) + 1) * small
        third = node.bar if thirds is None else thirds.get(node)
        lines = [len(name) + 3 + len(line_value(name, a)) for a in (node.value, third)
                 if a is not None]
        widths.append(max(first, max(lines + [13]) * char) + 2 * s["pad"])
    return widths


def _bands(columns: list[float], s: dict, wrap: bool) -> list[int]:
    """The band of each layer: layers go left to right and wrap into a new band below once
    a band would be wider than `widest`, so a long chain reads like lines of text."""
    band, x, bands = 0, s["gap"] / 2, []
    for column in columns:
        if wrap and x + column + s["gap"] / 2 > widest(s) and x > s["gap"] / 2:
            band, x = band + 1, s["gap"] / 2
        bands.append(band)
        x += column + s["gap"]
    return bands


def _place(grid: _Grid, row: dict, widths: list[float], box_height: float, s: dict,
           wrap: bool):
    """Boxes column by column, band by band: (x, y, width) per node, the entry and exit point
    of each arrow's pass through a layer, the band of every item and the top of every band;
    returns them with the picture's width and height."""
    n = len(widths)
    columns = [max(widths[i] for i in layer if i < n) for layer in grid.layers]
    bands = _bands(columns, s, wrap)
    tallest = [max(len(layer) for layer, b in zip(grid.layers, bands, strict=True) if b == band)
               for band in range(bands[-1] + 1)]
    tops, top = [], 0.0
    for rows in tallest:
        tops.append(top)
        top += rows * (box_height + s["vgap"]) + s["vgap"] + 2 * s["vgap"]
    boxes: list = [None] * n
    spans: dict[int, list[Point]] = {}
    band_of: dict[int, int] = {}
    x, right = s["gap"] / 2, 0.0
    for d, (layer, column, band) in enumerate(zip(grid.layers, columns, bands, strict=True)):
        if d and band != bands[d - 1]:
            x = s["gap"] / 2
        for i in layer:
            band_of[i] = band
            y = tops[band] + (row[i] + (tallest[band] - 1) / 2) * (box_height + s["vgap"]) \
                + s["vgap"]
            if i < n:
                boxes[i] = (round(x + (column - widths[i]) / 2, 1), round(y, 1),
                            round(widths[i], 1))
            else:
                spans[i] = [(x, y + box_height / 2), (x + column, y + box_height / 2)]
        x += column + s["gap"]
        right = max(right, x - s["gap"] / 2)
    return boxes, spans, band_of, tops, right, top - 2 * s["vgap"]


def _routes(edges: tuple, grid: _Grid, placed: tuple, box_height: float, s: dict) -> list:
    """Each arrow: from the right of the parent's box, through its chain, to a slot on the
    left of the child's box (one slot per argument). Where it wraps into the next band it
    runs down the corridor between the bands and comes in from the left again."""
    boxes, spans, band_of, tops = placed[:4]
    routes, crossings = [], 0
    for (p, c, k), chain in zip(edges, grid.chains, strict=True):
        px, py, pw = boxes[p]
        cx, cy, _ = boxes[c]
        n_args = sum(1 for e in edges if e[1] == c)
        slot = sum(1 for e in edges if e[1] == c and e[2] < k)
        stops = [(p, [(px + pw, py + box_height / 2)])]
        stops += [(v, spans[v]) for v in chain]
        stops.append((c, [(cx - 2, cy + box_height * (slot + 1) / (n_args + 1))]))
        points: list[Point] = []
        for j, (item, ports) in enumerate(stops):
            if j and band_of[item] != band_of[stops[j - 1][0]]:
                (xa, ya), (xb, yb) = points[-1], ports[0]
                corridor = tops[band_of[item]] - s["vgap"] + 4 * (crossings % 4)
                crossings += 1
                points += [(xa + s["gap"] / 3, ya), (xa + s["gap"] / 3, corridor),
                           (xb - s["gap"] / 3, corridor), (xb - s["gap"] / 3, yb)]
            points.extend(ports)
        routes.append(tuple((round(a, 1), round(b, 1)) for a, b in points))
    return routes


def layout(output: Node, lecture: bool = False, wrap: bool = True,
           thirds: dict | None = None) -> Layout:
    """Lay out the graph of `output`: layers by depth, ordered to keep arrows short, wrapped
    into bands so that the picture fits a notebook column (or, for a lecture, a projector).
    `wrap=False` keeps one band, for a view that pans along it (the lecture stepper);
    `thirds` sizes the boxes for other third lines than the bars (see `_widths`)."""
    if not isinstance(output, Node):
        raise TypeError(f"draw: expected a Node (e.g. the loss L), got {type(output).__name__}.")
    order = tuple(topological_order(output))
    index = {node: i for i, node in enumerate(order)}
    names = tuple(n.name if n.name is not None else f"n_{i + 1}" for i, n in enumerate(order))
    edges = tuple((index[arg], i, k) for i, node in enumerate(order)
                  for k, arg in enumerate(node.args) if isinstance(arg, Node))
    children: list[list[int]] = [[] for _ in order]
    for p, c, _ in edges:
        children[p].append(c)
    grid = _grid(_depths(order, index, children), edges)
    row = _rows(grid)
    s = sizes(lecture)
    box_height = 3 * s["line"] + 2 * s["pad"]
    placed = _place(grid, row, _widths(order, names, s, thirds), box_height, s, wrap)
    routes = _routes(edges, grid, placed, box_height, s)
    boxes, width, height = placed[0], placed[4], placed[5]
    return Layout(order, index, names, tuple(zip(edges, routes, strict=True)), tuple(boxes),
                  box_height, round(width, 1), round(height, 1), lecture)


# --------------------------------------------------------------------------------------------
# Rendering: a pure function of the layout and of what is known and lit
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Look:
    """The sizes and colours of one picture: its phase's accent, its ink and its lines."""
    s: dict
    accent: str
    ink: str
    line: str


def _path(points: tuple) -> str:
    """The SVG path of an arrow's points: curves from layer to layer, straight lines through
    a layer and along the corridor between two bands."""
    path = [f"M{points[0][0]},{points[0][1]}"]
    for (xa, ya), (xb, yb) in pairwise(points):
        if ya == yb or xb <= xa:
            path.append(f"L{xb},{yb}")
        else:
            bend = max(30.0, (xb - xa) / 2)
            path.append(f"C{xa + bend:.1f},{ya} {xb - bend:.1f},{yb} {xb},{yb}")
    return " ".join(path)


def _shortened(points: tuple, lit: bool, look: _Look) -> tuple[tuple, str, float, float]:
    """An arrow's points ending where its tip begins; its colour, width and tip length."""
    colour, width = (look.accent, look.s["lit"]) if lit else (look.line, look.s["stroke"])
    tip = 3 * width + 4
    x2, y2 = points[-1]
    return points[:-1] + ((x2 - tip, y2),), colour, width, tip


def _arrow(lay: Layout, edge: tuple, points: tuple, lit: bool, look: _Look) -> list[str]:
    """One arrow: its path, ending short of the box, and its tip."""
    p, c, _ = edge
    x2, y2 = points[-1]
    points, colour, width, tip = _shortened(points, lit, look)
    return [f'<path d="{_path(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}" data-edge="{lay.texts[p][0]}→{lay.texts[c][0]}"/>',
            f'<path d="M{x2},{y2} L{x2 - tip:.1f},{y2 - tip / 2:.1f} '
            f'L{x2 - tip:.1f},{y2 + tip / 2:.1f} Z" fill="{colour}"/>']


def _message_label(points: tuple, label: str, lit: bool, look: _Look) -> str:
    """A message written in a box halfway along its arrow."""
    small = look.s["small"]
    points = _shortened(points, lit, look)[0]
    j = len(points) // 2 - 1 if len(points) > 2 else 0
    (xa, ya), (xb, yb) = points[j], points[j + 1]
    mx, my = (xa + xb) / 2, (ya + yb) / 2
    w = (len(label) + 1) * 0.6 * small
    return (f'<g class="bp-message"><rect x="{mx - w / 2:.1f}" '
            f'y="{my - small:.1f}" width="{w:.1f}" '
            f'height="{small * 1.5:.1f}" rx="4" fill="#FFFFFF" '
            f'stroke="{look.accent}"/><text x="{mx:.1f}" y="{my + small * 0.3:.1f}" '
            f'text-anchor="middle" font-size="{small}" fill="{TEXT_SHADE[look.accent]}">'
            f'{html.escape(label)}</text></g>')


def _box(lay: Layout, i: int, look: _Look, value, bar, on: bool, numbering: bool,
         tangent: bool = False) -> list[str]:
    """One node's box: name, formula and number on its first line, then its value and its
    bar (None: not known yet), or, in a forward-mode sweep, its tangent."""
    s, (attribute, name, bar_text, formula_text, dot_text) = look.s, lay.texts[i]
    x, y, w = lay.boxes[i]
    plain_name, known = lay.names[i], value is not None
    stroke = look.accent if on else (look.ink if known else GREY)
    fill_colour = ("#E3F1FB" if look.accent == BLUE else "#FBE7DA") if on else "#FFFFFF"
    dashes = "" if known or on else ' stroke-dasharray="6 4"'
    out = [f'<g class="bp-node" data-node="{attribute}">'
           f'<rect x="{x}" y="{y}" width="{w}" height="{lay.box_height}" rx="8" '
           f'fill="{fill_colour}" stroke="{stroke}" '
           f'stroke-width="{s["lit"] if on else s["stroke"]}"{dashes}/>']
    tx, line = x + s["pad"], y + s["pad"] + s["line"] * 0.8
    out.append(f'<text x="{tx}" y="{line:.1f}" fill="{look.ink}"><tspan font-weight="bold">'
               f'{name}</tspan> <tspan font-size="{s["small"]}">{formula_text}</tspan></text>')
    if numbering:
        out.append(f'<text x="{x + w - s["pad"]:.1f}" y="{line:.1f}" text-anchor="end" '
                   f'font-size="{s["small"]}" fill="{GREY_TEXT}">{i + 1}</text>')
    if known:
        out.append(f'<text class="bp-value" x="{tx}" y="{line + s["line"]:.1f}" '
                   f'fill="{BLUE_TEXT}">{name} = {line_value(plain_name, value)}</text>')
    if bar is not None:
        kind, colour, text = ("tangent", BLUE_TEXT, dot_text) if tangent else \
            ("bar", VERMILLION_TEXT, bar_text)
        out.append(f'<text class="bp-{kind}" x="{tx}" y="{line + 2 * s["line"]:.1f}" '
                   f'fill="{colour}">{text} = {line_value(plain_name, bar)}</text>')
    out.append('</g>')
    return out


def describe(lay: Layout, values: dict, bars: dict, tangents: bool = False,
             ordered: bool = True) -> str:
    """The picture in words, for a screen reader or a reader without images: every node in
    topological order (`ordered=False`: by name, as a picture without numbers keeps the order
    to itself) with its formula, its value and its bar (or tangent) where known."""
    parts, named = [], zip(lay.order, lay.names, strict=True)
    for node, name in (named if ordered else sorted(named, key=lambda pair: pair[1])):
        text = markup(name) + (" (input)" if node.op is None else " = " + lay.formula(node))
        if node in values:
            text += " = " + show(values[node])
        if node in bars:
            text += f"; {markup(name, bar=not tangents, dot=tangents)} = {show(bars[node])}"
        parts.append(text)
    return (f"Computational graph of {markup(lay.names[-1])}, {len(parts)} nodes "
            + ("in topological order: " if ordered else "by name: ") + "; ".join(parts) + ".")


def render_svg(lay: Layout, values: dict, bars: dict, lit: frozenset = frozenset(),
               lit_edges: frozenset = frozenset(), edge_labels: dict | None = None,
               phase: str = "forward", numbering: bool = True, label: str | None = None,
               window: tuple[float, float, float, float] | None = None,
               tangents: bool = False) -> str:
    """The SVG text of the graph.

    `values` and `bars` map nodes to the arrays to show (nodes missing show none);
    `tangents=True` shows `bars` as forward mode's tangents ṅ, in the forward colour;
    `lit` are nodes and `lit_edges` (parent, child) pairs drawn in the phase's colour;
    `edge_labels` maps (parent, child) to a text written on that arrow (a message).
    `label` is the text alternative (by default `describe`); `window` (x, y, width, height)
    shows only that part of the picture. The SVG scales down to the width it is given
    (max-width: 100%) and sits on white, which reads the same in a light and a dark theme.
    Arrows come first, then the boxes over them, then the messages over both.
    """
    look = _Look(sizes(lay.lecture), VERMILLION if phase in ("backward", "seed") else BLUE,
                 *(("#000000", "#222222") if lay.lecture else ("#1A1A1A", GREY)))
    edge_labels = edge_labels or {}
    x0, y0, width, height = window or (0, 0, lay.width, lay.height)
    label = describe(lay, values, bars, tangents) if label is None else label
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bp-graph" width="{width}" '
           f'height="{height}" viewBox="{x0} {y0} {width} {height}" '
           'style="max-width:100%;height:auto;background:#FFFFFF;border-radius:6px" '
           f'font-family="{FONT}" font-size="{look.s["font"]}" role="img" '
           f'aria-label="{html.escape(label)}">',
           f'<title>{html.escape(label)}</title>',
           f'<rect width="{lay.width}" height="{lay.height}" fill="#FFFFFF"/>']
    labels = []
    for edge, points in lay.edges:
        pair = (lay.order[edge[0]], lay.order[edge[1]])
        out.extend(_arrow(lay, edge, points, pair in lit_edges, look))
        if pair in edge_labels:
            labels.append(_message_label(points, edge_labels[pair], pair in lit_edges, look))
    for i, node in enumerate(lay.order):
        out.extend(_box(lay, i, look, values.get(node), bars.get(node), node in lit, numbering,
                        tangents))
    out.extend(labels)
    out.append('</svg>')
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# draw(): the one call for notebooks
# --------------------------------------------------------------------------------------------

class GraphPicture:
    """What `draw` returns: shown as a picture in a notebook, `.svg` is its SVG text.

    A notebook shows it as HTML, an image with its text alternative (`.label`), which
    JupyterLab keeps also in a notebook not yet run and GitHub keeps too (both remove inline
    SVG from HTML); exports that take no HTML get the SVG.
    """

    def __init__(self, svg: str, label: str, width: float, output_name: str, n_nodes: int):
        self.svg, self.label, self.width = svg, label, width
        self._summary = f"<graph of {output_name}: {n_nodes} nodes>"

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return image_html(self.svg.encode(), self.label, round(self.width), "image/svg+xml")

    def __repr__(self) -> str:
        return self._summary


def draw(output: Node, *, lecture: bool = False, bars: bool = True, lit=(),
         lit_edges=(), tangents: dict | None = None, numbers: bool = True) -> GraphPicture:
    """Draw the graph that computes `output`, with the current values and (if known) bars.

    `lit`: nodes to highlight; `lit_edges`: (parent, child) pairs to highlight;
    `bars=False` hides the bars; `lecture=True`: large fonts and high contrast;
    `tangents`: {node: tangent} of a forward-mode sweep, shown in place of the bars;
    `numbers=False` leaves out each box's place in the topological order (in its corner),
    for a picture that comes before the question of an order.
    """
    lay = layout(output, lecture, thirds=tangents)
    values = {node: node.value for node in lay.order}
    if tangents is not None:
        shown = {node: tangents[node] for node in lay.order if node in tangents}
    else:
        shown = {node: node.bar for node in lay.order if bars and node.bar is not None}
    swept = tangents is not None
    label = describe(lay, values, shown, swept, ordered=numbers)
    svg = render_svg(lay, values, shown, frozenset(lit), frozenset(map(tuple, lit_edges)),
                     label=label, tangents=swept, numbering=numbers)
    return GraphPicture(svg, label, lay.width, lay.names[-1], len(lay.order))

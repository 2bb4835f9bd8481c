"""Graph pictures: `draw(L)` gives a deterministic SVG of any engine graph."""
import base64
import html
import re
import xml.etree.ElementTree as ET
from itertools import combinations

import numpy as np
import pytest

from course_utils.draw import draw, layout, render_svg
from course_utils.engine import Node, matmul, sigmoid
from course_utils.lecture import regularised_example
from course_utils.notation import PALETTE, TEXT_SHADE, number
from course_utils.style import contrast

SVG = "{http://www.w3.org/2000/svg}"


def nodes_of(svg: str) -> dict:
    """name -> {"value": text, "bar": text, "all": every text} for every node box in the SVG."""
    root = ET.fromstring(svg)
    shown = {}
    for group in root.iter(SVG + "g"):
        if group.get("class") == "bp-node":
            texts = {t.get("class"): "".join(t.itertext()) for t in group.iter(SVG + "text")}
            shown[group.get("data-node")] = {"value": texts.get("bp-value"),
                                             "bar": texts.get("bp-bar"),
                                             "all": " | ".join("".join(t.itertext())
                                                               for t in group.iter(SVG + "text"))}
    return shown


def font_size(svg: str) -> int:
    match = re.search(r'<svg[^>]* font-size="(\d+)"', svg)
    assert match, "the picture sets no font size"
    return int(match.group(1))


@pytest.fixture
def example():
    return regularised_example()


# -- the SVG text: deterministic and well formed ------------------------------------------------

def test_same_graph_gives_the_same_svg_text(example):
    other = regularised_example()
    assert draw(example.L_reg).svg == draw(other.L_reg).svg
    assert draw(example.L_reg)._repr_svg_() == draw(example.L_reg).svg


def test_svg_has_no_ids_and_is_well_formed(example):
    svg = draw(example.L_reg).svg
    assert " id=" not in svg
    assert ET.fromstring(svg).tag == SVG + "svg"


def test_repr_is_short_and_deterministic(example):
    assert repr(draw(example.L_reg)) == "<graph of L_reg: 9 nodes>"


def test_draw_of_something_else_says_what_it_expected():
    with pytest.raises(TypeError, match="draw: expected a Node .* got float"):
        draw(3.0)


# -- the graph: every node and every arrow, in layers --------------------------------------------

def test_every_node_is_drawn_with_its_name(example):
    assert set(nodes_of(draw(example.L_reg).svg)) == {"w", "x", "b", "t", "z", "y", "L", "R",
                                                       "L_reg"}


def test_every_arrow_goes_from_an_argument_to_its_result(example):
    svg = draw(example.L_reg).svg
    edges = sorted(re.findall(r'data-edge="([^"]+)"', svg))
    assert edges == sorted(["w→z", "x→z", "b→z", "z→y", "y→L", "t→L", "w→R", "L→L_reg",
                            "R→L_reg"])


def test_layers_go_left_to_right_by_depth(example):
    lay = layout(example.L_reg)
    x = {lay.name(node): lay.boxes[i][0] for i, node in enumerate(lay.order)}
    assert x["w"] == x["x"] == x["b"] < x["z"] < x["y"] < x["L"] < x["L_reg"]
    assert x["z"] == x["R"]
    assert x["y"] == x["t"] < x["L"]   # an input stands just left of the node that uses it


def test_no_two_boxes_overlap_and_all_lie_inside_the_picture(example):
    lay = layout(example.L_reg)
    rects = [(x, y, x + w, y + lay.box_height) for x, y, w in lay.boxes]
    for (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) in combinations(rects, 2):
        assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
    assert all(0 <= x0 and x1 <= lay.width and 0 <= y0 and y1 <= lay.height
               for x0, y0, x1, y1 in rects)


def test_arrows_into_one_box_arrive_at_one_slot_per_argument(example):
    lay = layout(example.L_reg)
    z = lay.index[example.z]
    ends = {lay.names[p]: route[-1] for (p, c, _), route in lay.edges if c == z}
    assert ends["w"][1] < ends["x"][1] < ends["b"][1]     # in the order of the arguments
    assert {x for x, _ in ends.values()} == {lay.boxes[z][0] - 2}


def test_a_long_arrow_bends_around_the_layers_it_crosses(example):
    lay = layout(example.L_reg)
    routes = {(lay.names[p], lay.names[c]): route for (p, c, _), route in lay.edges}
    assert len(routes[("w", "z")]) == 2                   # neighbouring layers: one curve
    assert len(routes[("R", "L_reg")]) == 2 + 2 * 2       # R crosses the layers of y and L


# -- what each box says ------------------------------------------------------------------------

def test_operation_nodes_show_their_formula(example):
    shown = nodes_of(draw(example.L_reg).svg)
    assert "= w·x + b" in shown["z"]["all"]
    assert "= σ(z)" in shown["y"]["all"]
    assert "= L + λ·R" in shown["L_reg"]["all"]
    assert "input" in shown["w"]["all"]


def test_unnamed_nodes_are_called_n_i_and_show_their_formula():
    w, x = Node(0.5, name="w"), Node(2.0, name="x")
    out = sigmoid(w * x)
    shown = nodes_of(draw(out).svg)
    assert set(shown) == {"w", "x", "n_3", "n_4"}
    assert "= w·x" in shown["n_3"]["all"]
    assert "= σ(n3)" in shown["n_4"]["all"]     # n_3 written with a subscript 3


def test_values_are_shown_and_bars_only_once_known(example):
    before = nodes_of(draw(example.L_reg).svg)
    assert before["z"]["value"] == "z = 1.1"
    assert all(node["bar"] is None for node in before.values())
    example.L_reg.backward()
    after = nodes_of(draw(example.L_reg).svg)
    assert after["w"]["bar"] == "w̄ = " + number(example.w.bar)
    assert after["L_reg"]["bar"] == "L̄reg = 1"
    assert all(node["bar"] is not None for node in after.values())
    assert all(node["bar"] is None for node in nodes_of(draw(example.L_reg, bars=False).svg)
               .values())


def test_tensor_nodes_show_small_arrays_and_the_shape_of_big_ones():
    X, V = Node(np.ones((20, 2)), name="X"), Node(np.ones((2, 2)), name="V")
    h = (X @ V).sum(name="h")
    shown = nodes_of(draw(h).svg)
    assert shown["X"]["value"] == "X = array of shape (20, 2)"
    assert shown["V"]["value"] == "V = [[1 1] [1 1]]"
    assert shown["h"]["value"] == "h = 80"


def test_a_node_not_yet_known_is_drawn_dashed_and_without_a_value(example):
    lay = layout(example.L_reg)
    svg = render_svg(lay, {example.w: example.w.value}, {})
    shown = nodes_of(svg)
    assert shown["w"]["value"] == "w = 0.5" and shown["z"]["value"] is None
    assert not re.search(r'data-node="w"><rect[^>]*stroke-dasharray', svg)
    assert re.search(r'data-node="z"><rect[^>]*stroke-dasharray', svg)


# -- colours and the lecture look --------------------------------------------------------------

def test_lit_nodes_and_edges_take_the_accent_colour(example):
    svg = draw(example.L_reg, lit=[example.z], lit_edges=[(example.w, example.z)]).svg
    assert re.search(r'data-node="z"><rect[^>]*stroke="#0072B2"', svg)
    assert re.search(r'stroke="#0072B2" stroke-width="[\d.]+" data-edge="w→z"', svg)
    assert not re.search(r'stroke="#0072B2" stroke-width="[\d.]+" data-edge="x→z"', svg)


def test_the_backward_phase_lights_in_vermillion_and_labels_its_messages(example):
    lay = layout(example.L_reg)
    pair = (example.w, example.z)
    svg = render_svg(lay, {}, {}, frozenset([example.w]), frozenset([pair]), {pair: "← 0.25"},
                     "backward")
    assert re.search(r'data-node="w"><rect[^>]*stroke="#D55E00"', svg)
    assert re.search(r'stroke="#D55E00" stroke-width="[\d.]+" data-edge="w→z"', svg)
    assert re.findall(r'<g class="bp-message">.*?>([^<]+)</text></g>', svg) == ["← 0.25"]


def test_colours_come_from_the_okabe_ito_palette(example):
    example.L_reg.backward()
    svg = draw(example.L_reg, lit=[example.z]).svg
    tints_and_greys = {"#FFFFFF", "#E3F1FB", "#FBE7DA", "#6E6E6E", "#1A1A1A", "#222222"}
    used = set(re.findall(r'(?:fill|stroke)="(#[0-9A-F]{6})"', svg))
    assert {"#0072B2", TEXT_SHADE["#D55E00"]} <= used <= (set(PALETTE) | set(TEXT_SHADE.values())
                                                           | tints_and_greys)


@pytest.mark.parametrize("lecture", [False, True])
@pytest.mark.parametrize("phase", ["forward", "backward"])
def test_every_text_reads_at_4_5_to_1_on_its_box(example, lecture, phase):
    example.L_reg.backward()
    lay = layout(example.L_reg, lecture)
    everything = {node: node.value for node in lay.order}
    bars = {node: node.bar for node in lay.order}
    svg = render_svg(lay, everything, bars, frozenset(lay.order), phase=phase,
                     edge_labels={(example.w, example.z): "← 0.25"},
                     lit_edges=frozenset([(example.w, example.z)]))
    root = ET.fromstring(svg)
    checked = 0
    for group in root.iter(SVG + "g"):
        background = group.find(SVG + "rect").get("fill")
        for text in group.iter(SVG + "text"):
            assert contrast(text.get("fill"), background) >= 4.5, "".join(text.itertext())
            checked += 1
    assert checked >= 4 * len(lay.order)


def test_lecture_option_uses_larger_fonts_and_black_ink(example):
    normal, big = draw(example.L_reg).svg, draw(example.L_reg, lecture=True).svg
    assert font_size(big) >= 18 > font_size(normal) >= 12
    assert 'fill="#000000"><tspan font-weight="bold">' in big
    assert 'fill="#000000"><tspan font-weight="bold">' not in normal


# -- fitting the page --------------------------------------------------------------------------

def chain(n: int) -> Node:
    """A long chain of n sigmoids: a graph as wide as the XOR network's."""
    node = Node(0.5, name="x")
    for i in range(n):
        node = sigmoid(node, name=f"h_{i + 1}")
    return node


@pytest.mark.parametrize("lecture", [False, True])
def test_a_long_graph_wraps_into_bands_that_fit_the_column(lecture):
    from course_utils.draw import sizes, widest
    lay = layout(chain(14), lecture)
    s = sizes(lecture)
    assert lay.width <= widest(s)
    assert s["small"] * min(1.0, s["column"] / lay.width) >= s["least"]  # text once fitted
    ys = sorted({y for _, y, _ in lay.boxes})
    assert len(ys) >= 2, "a chain of 15 boxes should wrap into more than one band"
    rects = [(x, y, x + w, y + lay.box_height) for x, y, w in lay.boxes]
    for (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) in combinations(rects, 2):
        assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, "two boxes overlap"


def test_the_xor_networks_graph_fits_a_column_and_a_projector_slide():
    """Notebook 07's 2-4-1 network and its cost, backward done: as wide as a column allows and
    short enough to share a 720 px slide with the line that draws it."""
    from course_utils.checks.training import xor_network
    from course_utils.draw import sizes, widest
    net = xor_network(4)
    net.E.backward()
    lay = layout(net.E)
    assert lay.width <= widest(sizes(False))
    assert lay.height <= 600, f"{lay.height} px tall"
    shown = nodes_of(draw(net.E).svg)
    assert shown["b2"]["value"] == "b2 = [0]"                  # short arrays in full
    assert shown["y"]["value"] == "y = [0.19 0.18 0.22 0.21]ᵀ"  # a column as a row, 2 digits
    assert shown["h"]["value"] == "h = array of shape (4, 4)"   # long ones by their shape
    assert shown["E"]["value"] == f"E = {number(net.E.value)}"


def test_a_small_matrix_bar_shows_its_numbers():
    """Notebook 06's W̄ of 2 × 2: its four numbers are the point, rounded to fit the box."""
    x, W = Node([1.0, -2.0], name="x"), Node([[0.5, -0.3], [0.2, 0.8]], name="W")
    loss = (matmul(x, W) ** 2).sum()
    loss.backward()
    bar = nodes_of(draw(loss).svg)["W"]["bar"]
    assert "shape" not in bar and bar.count("[") == 3, bar


def test_each_box_is_as_wide_as_its_longest_line():
    """Values and bars of vectors and matrices (the bar longer than the value) fit their box."""
    x, W = Node([1.0, -2.0], name="x"), Node([[0.5, -0.3], [0.2, 0.8]], name="W")
    b = Node([0.0, 0.0], name="b")
    out = (x @ W + b).sum(name="s")
    out.backward()
    lay = layout(out)
    shown = nodes_of(draw(out).svg)
    assert shown["b"]["value"] == "b = [0 0]" and shown["b"]["bar"] == "b̄ = [1 1]"
    assert shown["x"]["bar"] == "x̄ = [0.2 1]"
    for node, name in zip(lay.order, lay.names, strict=True):
        width = lay.boxes[lay.index[node]][2]
        for line in (shown[name]["value"], shown[name]["bar"]):
            assert len(line) <= 26 and width >= len(line) * 0.62 * 14 + 2 * 8, (line, width)


def test_picture_scales_to_its_column_and_says_what_it_shows(example):
    picture = draw(example.L_reg)
    assert 'style="max-width:100%;height:auto' in picture.svg
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', picture.svg)
    label = ET.fromstring(picture.svg).get("aria-label")
    assert label.startswith("Computational graph of L_reg, 9 nodes")
    assert f"z = w·x + b = {number(example.z.value)}" in label
    # shown as an image with the same text alternative: sanitised HTML (a notebook not yet
    # run, GitHub) removes inline SVG but keeps images
    shown = picture._repr_html_()
    image = re.fullmatch(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)" '
                         r'width="(\d+)" style="max-width:100%;height:auto;[^"]*">', shown)
    assert image, shown[:200]
    assert base64.b64decode(image.group(1)).decode() == picture.svg
    assert html.unescape(image.group(2)) == label == picture.label
    assert int(image.group(3)) == round(layout(example.L_reg).width)


def test_a_forward_mode_sweep_is_drawn_with_tangents_in_place_of_bars():
    """Each box: the value, then the tangent ṅ = ∂n/∂w in the forward colour, no bar; the
    sweep's last tangent is the backward pass's w̄."""
    from course_utils.checks.modes import every_tangent
    from course_utils.notation import BLUE_TEXT
    example = regularised_example()
    tangents = every_tangent(example.L_reg, example.w, 1.0)
    picture = draw(example.L_reg, tangents=tangents, lit=[example.w])
    root = ET.fromstring(picture.svg)
    boxes = {g.get("data-node"): {t.get("class"): t for t in g.iter(SVG + "text")}
             for g in root.iter(SVG + "g") if g.get("class") == "bp-node"}
    assert all("bp-bar" not in texts for texts in boxes.values())
    assert "".join(boxes["w"]["bp-tangent"].itertext()) == "w\u0307 = 1"
    assert "".join(boxes["x"]["bp-tangent"].itertext()) == "x\u0307 = 0"
    assert all(texts["bp-tangent"].get("fill") == BLUE_TEXT for texts in boxes.values())
    assert "w\u0307 = 1" in picture.label and "w\u0304" not in picture.label
    example.L_reg.backward()
    assert float(tangents[example.L_reg]) == pytest.approx(float(example.w.bar), rel=1e-12)
    assert f"L\u0307_reg = {number(example.w.bar)}" in picture.label


def test_a_picture_without_numbers_keeps_the_order_to_itself():
    """Notebook 04 draws the lecture's graph before it asks for a topological order: neither
    the corner numbers nor the text alternative may list one."""
    from course_utils.engine import topological_order
    g = regularised_example()
    picture = draw(g.L_reg, numbers=False)
    assert 'text-anchor="end"' not in picture.svg and 'text-anchor="end"' in draw(g.L_reg).svg
    listed = [part.split(" ")[0] for part in picture.label.split(": ", 1)[1].split("; ")]
    assert "by name" in picture.label and listed == sorted(listed), picture.label
    assert listed != [node.name for node in topological_order(g.L_reg)]

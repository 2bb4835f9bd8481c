"""Graph pictures: `draw(L)` gives a deterministic SVG of any engine graph."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from course_utils.draw import draw, layout, markup, number
from course_utils.engine import Node, sigmoid
from course_utils.lecture import regularised_example

SVG = "{http://www.w3.org/2000/svg}"


def nodes_of(svg: str) -> dict:
    """name -> {"value": text, "bar": text} for every node box in the SVG."""
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


@pytest.fixture
def example():
    return regularised_example()


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


def test_operation_nodes_show_their_formula(example):
    shown = nodes_of(draw(example.L_reg).svg)
    assert "= w·x + b" in shown["z"]["all"]
    assert "= σ(z)" in shown["y"]["all"]
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


def test_tensor_nodes_show_arrays_or_shapes():
    W, x = Node(np.ones((3, 2)), name="W"), Node(np.ones((20, 2)), name="X")
    h = (x @ W.__class__(np.ones((2, 2)), name="V")).sum()
    h.name = "h"
    shown = nodes_of(draw(h).svg)
    assert shown["X"]["value"] == "X = array of shape (20, 2)"
    assert shown["V"]["value"] == "V = [[1 1] [1 1]]"


def test_lit_nodes_and_edges_take_the_accent_colour(example):
    svg = draw(example.L_reg, lit=[example.z], lit_edges=[(example.w, example.z)]).svg
    assert re.search(r'data-node="z"><rect[^>]*stroke="#0072B2"', svg)
    assert re.search(r'stroke="#0072B2" stroke-width="[\d.]+" data-edge="w→z"', svg)
    assert not re.search(r'stroke="#0072B2" stroke-width="[\d.]+" data-edge="x→z"', svg)


def test_colours_come_from_the_okabe_ito_palette(example):
    example.L_reg.backward()
    svg = draw(example.L_reg, lit=[example.z]).svg
    palette = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
               "#000000", "#FFFFFF"}
    tints_and_greys = {"#E3F1FB", "#FBE7DA", "#6E6E6E", "#1A1A1A", "#222222", "#BBBBBB"}
    used = set(re.findall(r'(?:fill|stroke)="(#[0-9A-F]{6})"', svg))
    assert used <= palette | tints_and_greys


def test_lecture_option_uses_larger_fonts_and_black_ink(example):
    normal, big = draw(example.L_reg).svg, draw(example.L_reg, lecture=True).svg
    size = lambda svg: int(re.search(r'<svg[^>]* font-size="(\d+)"', svg).group(1))
    assert size(big) >= 18 > size(normal) >= 12
    assert 'font-weight="bold" fill="#000000"' in big


def test_bar_notation_puts_a_bar_over_the_name():
    assert markup("w", bar=True) == "w\u0304"
    assert markup("L_reg", bar=True) == "L\u0304_reg"
    assert markup("L_reg", "html", bar=True) == "L\u0304<sub>reg</sub>"


def test_negative_numbers_use_a_true_minus_sign():
    assert number(-0.25) == "−0.25" and number(2.0) == "2" and number(1 / 3) == "0.3333"


def test_draw_of_something_else_says_what_it_expected():
    with pytest.raises(TypeError, match="expected a Node"):
        draw(3.0)

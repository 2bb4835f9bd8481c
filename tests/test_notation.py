"""The course's notation: numbers, names with bars and formulas, spelled one way everywhere."""
import re

import numpy as np

from course_utils.engine import Node, Operation
from course_utils.lecture import regularised_example
from course_utils.notation import (
    MAX_SHOWN,
    PALETTE,
    bar_name,
    constant,
    distinct,
    factor,
    fill,
    formula,
    markup,
    number,
    plain,
    show,
)

# -- numbers -----------------------------------------------------------------------------------


def test_numbers_read_with_four_significant_digits_and_a_true_minus_sign():
    assert number(-0.25) == "−0.25" and number(2.0) == "2" and number(1 / 3) == "0.3333"
    assert number(np.float64(-1.5), ".3f") == "−1.500"
    assert number(-1e-7) == "−1e-07"                     # only the leading sign changes


def test_plain_numbers_are_what_code_would_print():
    assert plain(-0.5) == "-0.5" and plain(np.array(2.0)) == "2"
    assert plain(np.ones((3, 2))) == "<array of shape (3, 2)>"


def test_show_gives_scalars_small_arrays_and_the_shape_of_big_ones():
    assert show(np.array(-0.04359)) == "−0.04359"
    assert show([[1.0, -2.0], [0.5, 3.0]]) == "[[1 −2] [0.5 3]]"
    assert show(np.zeros(MAX_SHOWN + 1)) == f"array of shape ({MAX_SHOWN + 1},)"


def test_distinct_adds_digits_until_expected_and_got_differ():
    assert distinct(0.5, 0.25) == ("0.5", "0.25")
    assert distinct(0.3, 0.30000004) == ("0.3", "0.30000004")
    assert distinct(-1.0, -1.0) == ("−1", "−1")
    expected, got = distinct([1.0, 2.0], [1.0, 2.0000001])
    assert expected != got and got.endswith("2.0000001]")


def test_factors_that_need_them_get_parentheses():
    assert factor("−1") == "(−1)" and factor("-4") == "(-4)"
    assert factor("1 − tanh²(z)") == "(1 − tanh²(z))"
    assert factor("x") == "x" and factor("(y − t)") == "(y − t)" and factor("0.5") == "0.5"


def test_constants_in_formulas_are_numbers_or_shapes():
    assert constant(np.array(0.1)) == "0.1" and constant(np.ones((5, 2))) == "[5×2]"


# -- names and bars ----------------------------------------------------------------------------

def test_bar_notation_puts_a_bar_over_the_name():
    assert bar_name("w") == markup("w", bar=True) == "w\u0304"
    assert bar_name("L_reg") == "L\u0304_reg"
    assert bar_name("L_reg", "html") == "L\u0304<sub>reg</sub>"
    assert bar_name("W_1h", "svg") == ('W\u0304<tspan baseline-shift="sub" font-size="75%">1h'
                                       '</tspan>')
    assert bar_name("loss", "html") == '<span style="text-decoration:overline">loss</span>'


def test_names_are_escaped_for_markup_and_left_alone_in_text():
    assert markup("a<b", "html") == "a&lt;b" and markup("a<b") == "a<b"
    assert markup("x_1·w_1") == "x_1·w_1"


# -- formulas ----------------------------------------------------------------------------------

def test_formula_writes_names_symbols_and_values():
    e = regularised_example()
    name = {id(n): n.name for n in vars(e).values() if isinstance(n, Node)}.__getitem__

    def names(node, style="text", values=None):
        return formula(node, lambda n: name(id(n)), style, values)

    assert names(e.z) == "w·x + b"
    assert names(e.L_reg) == "L + λ·R"                     # the constant by its symbol
    assert formula(e.L_reg, lambda n: n.name, "html") == "L + λ·R"
    assert formula(e.L_reg, lambda n: "L_reg", "html") == "L<sub>reg</sub> + λ·L<sub>reg</sub>"
    values = {e.w: np.array(-0.5), e.x: np.array(2.0), e.b: np.array(0.1)}
    assert names(e.z, values=values) == "(−0.5)·2 + 0.1"   # a negative factor in parentheses
    assert names(e.R, values={e.w: np.array(0.5)}) == "½(0.5)²"
    assert names(e.L_reg, values={e.L: np.array(1.0), e.R: np.array(2.0)}) == "1 + 0.1·2"


def test_formula_escapes_the_operations_text_for_markup():
    smaller = Operation("smaller", np.minimum, (lambda bar, out, a, b: bar * (a <= b),
                                                lambda bar, out, a, b: bar * (b < a)),
                        "{0} <& {1}", ("[{0} ≤ {1}]", "[{1} < {0}]"))
    node = smaller(Node(1.0, name="a"), Node(2.0, name="b_<"))
    assert formula(node, lambda n: n.name) == "a <& b_<"
    assert formula(node, lambda n: n.name, "html") == "a &lt;&amp; b<sub>&lt;</sub>"
    assert fill("{0} < {1}", ["a", "b"], "svg") == "a &lt; b"


def test_the_engines_reprs_write_numbers_as_plain_does():
    assert repr(Node(-0.5, name="w")) == f"Node(w, value={plain(-0.5)})" == "Node(w, value=-0.5)"
    assert repr(Node(np.ones(3), name="v")) == f"Node(v, value={plain(np.ones(3))})"


# -- colours -----------------------------------------------------------------------------------

def test_the_palette_is_okabe_itos_eight_colours():
    assert len(set(PALETTE)) == 8
    assert all(re.fullmatch(r"#[0-9A-F]{6}", colour) for colour in PALETTE)
    assert {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
            "#000000"} == set(PALETTE)

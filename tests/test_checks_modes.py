"""Forward mode against reverse mode (notebook 08): the reference sweep and its check."""
import numpy as np
import pytest
from verdicts import (  # noqa: F401
    assert_messages_differ,
    assert_row,
    references_allowed,
    rows,
    short_guard,
    untouched,
)

from course_utils.checks.modes import check_forward_mode, forward_mode, gradient_by_forward_mode
from course_utils.checks.training import xor_network
from course_utils.engine import Node, matmul, maximum, relu, tanh, topological_order
from course_utils.lecture import regularised_example
from course_utils.tangents import tangent_message

#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


# -- the reference: forward mode agrees with backprop ---------------------------------------------


def test_one_sweep_per_parameter_gives_the_lecture_bars():
    graph = regularised_example()
    bars, sweeps = gradient_by_forward_mode(graph.L_reg, [graph.w, graph.b])
    graph.L_reg.backward()
    assert sweeps == 2
    assert float(bars[0]) == pytest.approx(float(graph.w.bar), rel=1e-12)
    assert float(bars[1]) == pytest.approx(float(graph.b.bar), rel=1e-12)


def test_the_xor_network_needs_one_sweep_per_parameter_entry():
    net = xor_network(4, seed=3)
    bars, sweeps = gradient_by_forward_mode(net.E, net.params)
    net.E.backward()
    assert sweeps == sum(p.value.size for p in net.params) == 17
    for p, bar in zip(net.params, bars, strict=True):
        np.testing.assert_allclose(bar, p.bar, rtol=1e-10, atol=1e-14)


def test_a_tangent_is_a_jacobian_vector_product_for_every_kind_of_operation():
    rng = np.random.default_rng(0)
    W = Node(rng.normal(size=(3, 2)), name="W")
    x = Node(rng.normal(size=(4, 3)), name="x")
    h = maximum(relu(tanh(matmul(x, W)) / 2.0 - 0.1), -(W.sum() ** 2))
    direction = rng.normal(size=W.shape)
    eps = 1e-6
    W.value = W.value + eps * direction
    h.forward()
    up = h.value.copy()
    W.value = W.value - 2 * eps * direction
    h.forward()
    down = h.value.copy()
    W.value = W.value + eps * direction
    h.forward()
    np.testing.assert_allclose(forward_mode(h, W, direction), (up - down) / (2 * eps),
                               rtol=1e-6, atol=1e-8)


def test_a_leaf_receives_no_tangent_message():
    with pytest.raises(ValueError, match="is a leaf"):
        tangent_message(Node(1.0, name="w"), 0, 1.0)


# -- the check: right answers ---------------------------------------------------------------


def recursive(output, leaf, direction):
    """Memoised recursion over the arguments: another order, the same tangents."""
    memo = {}

    def tangent(node):
        if node not in memo:
            if node is leaf:
                memo[node] = np.asarray(direction, dtype=float)
            elif node.op is None:
                memo[node] = np.zeros(node.shape)
            else:
                memo[node] = sum(tangent_message(node, i, tangent(arg))
                                 for i, arg in enumerate(node.args) if isinstance(arg, Node))
        return memo[node]
    return tangent(output)


def by_id(output, leaf, direction):
    tangents = {id(leaf): direction}
    for node in topological_order(output):
        if node.op is not None:
            total = 0.0
            for i, arg in enumerate(node.args):
                if isinstance(arg, Node):
                    tangent = tangents.get(id(arg), np.zeros(arg.shape))
                    total = total + tangent_message(node, i, tangent)
            tangents[id(node)] = total
    return tangents[id(output)]


# -- the check: wrong answers ---------------------------------------------------------------


def sweep(output, leaf, direction, other_leaves=np.zeros_like, combine="sum", which="args",
          order=topological_order):
    """A student's sweep with one of the usual slips."""
    tangents = {}
    for node in order(output):
        if node is leaf:
            tangents[node] = np.asarray(direction, dtype=float)
        elif node.op is None:
            tangents[node] = other_leaves(node.value)
        else:
            pairs = (list(enumerate(node.parents)) if which == "parents" else
                     [(i, a) for i, a in enumerate(node.args) if isinstance(a, Node)])
            parts = [tangent_message(node, i, tangents[arg]) for i, arg in pairs]
            if which == "first":
                parts = parts[:1]
            if combine == "last":
                tangents[node] = parts[-1]
            elif combine == "product":
                tangents[node] = np.prod(parts, axis=0)
            else:
                tangents[node] = sum(parts)
    return tangents[output]


def with_backward(output, leaf, direction):
    output.backward()
    return np.sum(leaf.bar * direction)


def stores_tangents_in_values(output, leaf, direction):
    tangent = forward_mode(output, leaf, direction)
    for node in topological_order(output):
        node.value = np.zeros_like(node.value)
    return tangent


def accumulating():
    seeds = {}

    def forward(output, leaf, direction):
        seeds[leaf] = seeds.get(leaf, 0.0) + np.asarray(direction, dtype=float)
        return forward_mode(output, leaf, seeds[leaf])
    return forward


MEMO: dict = {}


def memoised(output, leaf, direction):
    """Recursive forward mode whose memory of tangents outlives the call: right on a graph swept
    once, the earlier sweep's tangents on a graph swept again."""
    def tangent(node):
        if node is leaf:
            return np.asarray(direction, dtype=float)
        if node not in MEMO:
            MEMO[node] = sum((tangent_message(node, i, tangent(a)) for i, a in
                              enumerate(node.args) if isinstance(a, Node)),
                             np.zeros_like(node.value))
        return MEMO[node]
    return tangent(output)


def loops(output, leaf, direction):
    nodes = [output]
    while nodes:
        nodes.append(nodes.pop())
    return 0.0


_lecture = regularised_example(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)  # the check's first graph
FIRST_ANSWER = float(forward_mode(_lecture.L_reg, _lecture.w, 1.0))

def by_nudging(output, leaf, direction, eps=1e-6):
    """A central difference along the direction: the tangent's numbers, to about 10 digits."""
    start, ends = leaf.value, []
    for step in (eps, -eps):
        leaf.value = start + step * np.asarray(direction)
        output.forward()
        ends.append(output.value)
    leaf.value = start
    output.forward()
    return (ends[0] - ends[1]) / (2 * eps)


FORWARD_MODE = [  # (the student's forward_mode, status, key words)
    (forward_mode, "correct", ["one sweep per input direction"]),
    (recursive, "correct", []),
    (by_id, "correct", []),
    (lambda o, leaf, d: sweep(o, leaf, d), "correct", []),
    (untouched, "not attempted", ["NotImplementedError"]),
    (lambda o, leaf, d: sweep(o, leaf, d, other_leaves=np.ones_like), "wrong",
     ["other leaves", "tangent of ones", "only `leaf` moves"]),
    (lambda o, leaf, d: sweep(o, leaf, d, combine="last"), "wrong", ["its last argument sends"]),
    (lambda o, leaf, d: sweep(o, leaf, d, which="first"), "wrong", ["its first argument sends"]),
    (lambda o, leaf, d: sweep(o, leaf, d, combine="product"), "wrong",
     ["tangents multiplied", "in which order"]),
    (lambda o, leaf, d: sweep(o, leaf, d, which="parents"), "wrong",
     ["raised ValueError", "node.parents leaves the constants out"]),
    (lambda o, leaf, d: sweep(o, leaf, d, order=lambda o: topological_order(o)[::-1]), "wrong",
     ["raised KeyError", "in which order"]),
    (lambda o, leaf, d: sweep(o, leaf, np.ones_like(leaf.value)), "wrong",
     ["the `direction` you are given"]),
    (lambda o, leaf, d: o.value, "wrong", ["forward pass alone"]),
    (lambda o, leaf, d: np.broadcast_to(np.sum(d), o.shape), "wrong",
     ["the direction itself"]),
    (lambda o, leaf, d: {o: forward_mode(o, leaf, d)}, "wrong",
     ["should be a number or an array, got a dict with the keys"]),
    (lambda o, leaf, d: FIRST_ANSWER, "wrong", ["the lecture's graph, leaf b", "is off"]),
    (with_backward, "wrong", ["ran a backward pass"]),
    (by_nudging, "wrong", ["significant digits only", "no step ε"]),
    (stores_tangents_in_values, "wrong", ["changed its input"]),
    (accumulating(), "wrong", ["called again", "carries something over"]),
    (loops, "wrong", ["did not finish"]),
    (memoised, "wrong", ["swept along w (direction 1) first", "earlier sweep of this graph",
                         "starts afresh"]),
]


@pytest.mark.parametrize("answer, status, words", rows(FORWARD_MODE))
def test_forward_mode(answer, status, words, short_guard):  # noqa: F811
    assert_row(check_forward_mode, answer, status, words)


def test_forward_mode_mistakes_get_messages_of_their_own(short_guard):  # noqa: F811
    assert_messages_differ(check_forward_mode, FORWARD_MODE)

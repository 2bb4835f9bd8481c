"""Notebook 08: forward mode against reverse mode, and the check of the forward-mode exercise.

Forward mode pushes a *tangent* (how much each node moves when one input moves) from that input
through the graph, in topological order: one sweep per input direction. Reverse mode (backprop)
pulls bars from the output: one sweep per output. The same engine graph serves both.
"""
from __future__ import annotations

import numpy as np

from ..engine import Node, add, matmul, mul, sigmoid, tanh, topological_order
from ..lecture import regularised_example
from ._runner import check

__all__ = ["check_forward_mode"]

#: Operations linear in each argument on its own: the tangent goes through the forward
#: function itself (d(a @ b) = da @ b + a @ db). Every other operation is elementwise.
_LINEAR_IN_EACH = {"matmul", "mul", "sum", "mean", "neg"}


def tangent_message(node: Node, i: int, tangent) -> np.ndarray:
    """What `node` receives from its argument i in forward mode: d node / d arg_i times tangent.

    This is a Jacobian-vector product. For an elementwise operation the Jacobian is diagonal
    (entry k of the output depends on entry k of each argument only), so J·v and the backward
    pass's vᵀ·J are the same product, entry by entry: the table's vjp serves both directions.
    """
    op = node.op
    if op is None:
        raise ValueError(f"tangent_message: {node.label} is a leaf; only a computed node "
                         "receives tangents from its arguments.")
    values: list = [a.value if isinstance(a, Node) else a for a in node.args]
    if op.name in _LINEAR_IN_EACH:
        values[i] = np.asarray(tangent, dtype=float)
        return np.broadcast_to(op.forward(*values, **node.params), node.shape)
    spread = np.broadcast_to(np.asarray(tangent, dtype=float), node.shape)
    vjp = op.vjps[i]
    assert vjp is not None, "a constant argument sends no tangent"
    message = vjp(spread, node.value, *values, **node.params)
    return np.broadcast_to(message, node.shape)


def forward_mode(output: Node, leaf: Node, direction) -> np.ndarray:
    """The tangent of `output` when `leaf` moves along `direction`: one forward-mode sweep."""
    return _sweep(output, leaf, direction)


def _sweep(output, leaf, direction, *, seed_all=False, combine="sum", arguments="args"):
    """Forward mode, and (through the keywords) the typical ways of getting it wrong."""
    tangents: dict = {}
    for node in topological_order(output):
        if node is leaf:
            tangents[node] = np.asarray(direction, dtype=float)
        elif node.op is None:
            tangents[node] = (np.ones_like if seed_all else np.zeros_like)(node.value)
        else:
            pairs = (enumerate(node.parents) if arguments == "parents" else
                     [(i, a) for i, a in enumerate(node.args) if isinstance(a, Node)])
            parts = [tangent_message(node, i, tangents[arg]) for i, arg in pairs]
            if arguments == "first":
                parts = parts[:1]
            if combine == "last":
                tangents[node] = parts[-1]
            elif combine == "product":
                tangents[node] = np.prod(parts, axis=0)
            else:
                tangents[node] = sum(parts, np.zeros_like(node.value))
    return tangents[output]


def gradient_by_forward_mode(output: Node, params: list, sweep=forward_mode) -> tuple:
    """Every parameter's bar from forward mode: one sweep per entry (a unit direction each).

    Returns (bars shaped like the params, number of sweeps).
    """
    bars, sweeps = [], 0
    for p in params:
        bar = np.zeros_like(p.value)
        for index in np.ndindex(p.shape):
            unit = np.zeros_like(p.value)
            unit[index] = 1.0
            bar[index] = np.sum(sweep(output, p, unit))
            sweeps += 1
        bars.append(bar)
    return bars, sweeps




# --------------------------------------------------------------------------------------------
# Exercise: forward mode
# --------------------------------------------------------------------------------------------

#: Leaf values of the lecture's graph, different from the notebooks' so none can be memorised.
_VALUES = dict(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)


def _xor_cost(hidden: int, seed: int):
    rng = np.random.default_rng(seed)
    X = np.array([[0, 1], [1, 1], [0, 0], [1, 0]], dtype=float)
    W1, b1 = Node(rng.normal(size=(2, hidden)), name="W1"), Node(np.zeros(hidden), name="b1")
    W2, b2 = Node(rng.normal(size=(hidden, 1)), name="W2"), Node(np.zeros(1), name="b2")
    h = sigmoid(add(matmul(X, W1), b1, name="z1"), name="h")
    y = sigmoid(add(matmul(h, W2), b2, name="z2"), name="y")
    return ((y - np.array([[1], [0], [0], [1]])) ** 2).mean(name="E"), W1


def _vector_layer():
    """out = h·h with h = tanh(2·(x @ W) + b): a vector output, a constant as the first argument
    of a product, and a node used twice."""
    x, W = Node([1.0, -2.0, 0.5], name="x"), Node([[0.5, -0.3], [0.2, 0.8], [-1.0, 0.4]], name="W")
    b = Node([0.1, -0.2], name="b")
    h = tanh(add(mul(2.0, matmul(x, W, name="a"), name="2a"), b, name="z"), name="h")
    return mul(h, h, name="out"), W


def _forward_args(case):
    if case["graph"] == "lecture":
        graph = regularised_example(**_VALUES)
        return graph.L_reg, getattr(graph, case["leaf"]), case["direction"]
    output, leaf = _xor_cost(3, 1) if case["graph"] == "xor" else _vector_layer()
    direction = np.random.default_rng(7).normal(size=leaf.shape)
    return output, leaf, direction


def _no_backward(args, returned):
    ran = [n.name or n.label for n in topological_order(args[0]) if n.bar is not None]
    if ran:
        return (f"{ran[0]}.bar is set: your function ran a backward pass. Forward mode pushes "
                "tangents forward, in topological order, from the leaf; it needs no bars.")
    return None


def _observed(output, leaf, direction) -> dict:
    """What a sweep must leave as it found it: the leaves, the output's value, the direction."""
    leaves = [n.value.ravel() for n in topological_order(output) if n.op is None]
    return {"the values of the leaves": np.concatenate(leaves), "output.value": output.value,
            "direction": np.array(direction, dtype=float)}


@check("08_why_backprop_is_efficient", "forward mode",
       solution=forward_mode,
       configurations=[
           dict(label="the lecture's graph, leaf w, direction 1", graph="lecture", leaf="w",
                direction=1.0),
           dict(label="the lecture's graph, leaf b, direction 2.5", graph="lecture", leaf="b",
                direction=2.5),
           dict(label="the 2-3-1 XOR network's cost E, leaf W1, a random direction",
                graph="xor"),
           dict(label="a vector output out = h·h with h = tanh(2·(x @ W) + b), leaf W, a random "
                "direction", graph="vector")],
       make=_forward_args,
       judge=_no_backward, judged=(),
       observed=_observed,
       returns=("the output's tangent",),
       mistakes=[
           (lambda o, leaf, d: _sweep(o, leaf, d, seed_all=True), "the other leaves got a "
            "tangent of ones; only `leaf` moves, so every other leaf's tangent is zeros."),
           (lambda o, leaf, d: _sweep(o, leaf, d, combine="last"), "a node's tangent is the "
            "sum of what all its arguments send it; yours keeps only the last one (assigned "
            "instead of added?)."),
           (lambda o, leaf, d: _sweep(o, leaf, d, arguments="first"), "a node's tangent is the "
            "sum over all its arguments that are nodes; yours uses only the first."),
           (lambda o, leaf, d: _sweep(o, leaf, d, combine="product"), "the tangents from the "
            "arguments are added (the multivariate chain rule), not multiplied."),
           (lambda o, leaf, d: _sweep(o, leaf, d, arguments="parents"), "the index i of "
            "tangent_message(node, i, ...) is the position in node.args, constants included; "
            "enumerate(node.parents) skips the constants and so gets i wrong."),
           (lambda o, leaf, d: _sweep(o, leaf, np.ones_like(leaf.value)), "the leaf's tangent "
            "is the `direction` you are given, not ones."),
           (lambda o, leaf, d: o.value, "that is the output's value: the forward pass alone. "
            "Return its tangent."),
           (lambda o, leaf, d: np.broadcast_to(np.sum(d), o.shape), "that is the direction "
            "itself: push it through the graph with tangent_message.")],
       crash_hints=[
           ("core dimension", "tangent_message(node, i, tangent) puts the tangent in place of "
            "argument i of node.args; with enumerate(node.parents) i skips the constants (X in "
            "X @ W1) and lands on the wrong argument: enumerate(node.args) and skip the "
            "arguments that are not nodes."),
           ("KeyError", "a node's tangent was asked for before it was computed: go through "
            "topological_order(output) forwards (not reversed), and give every leaf a tangent, "
            "zeros for the leaves other than `leaf`."),
           ("NoneType", "a tangent is None: every node needs an array, leaves included "
                        "(np.zeros_like(node.value)).")],
       success="your forward mode gives the same tangents as the reference on the lecture's "
               "graph, the XOR network and a graph with a vector output: one sweep per input "
               "direction, no backward pass.")
def check_forward_mode(forward_mode):
    """`forward_mode(output, leaf, direction)`: the tangent of output as leaf moves along
    direction."""

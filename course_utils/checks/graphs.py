"""Checks of notebooks 04-06: topological order, the backprop algorithm, modularity and tensors.

The graphs come from lecture.py (slide 13's graph, at other leaf values than the lecture's) and
from the engine; the reference answers are the engine's own passes. Each mistake is the function
a student with that mistake would hand in (see `_runner`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..engine import (
    Node,
    Operation,
    add,
    children_of,
    matmul,
    message,
    mul,
    tanh,
    topological_order,
    value_of,
)
from ..gradcheck import numerical_gradient
from ..lecture import regularised_example
from ..notation import number
from ._runner import Exercise, Mistake, call, check, snapshot, stop

__all__ = ["check_topological_sort", "check_forward_pass", "check_backward_pass",
           "check_new_operation", "check_matmul_bar"]

#: Leaf values the checks use, different from the lecture's, so no answer can be memorised.
_CHECK_VALUES = dict(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)


def _names(nodes) -> str:
    return ", ".join(n.label for n in nodes)


def _diamond() -> Node:
    """a and b both feed c and d, and d also uses c: a shared node reached twice."""
    a, b = Node(1.5, name="a"), Node(-0.5, name="b")
    c = mul(a, b, name="c")
    return mul(add(c, a, name="d"), c, name="e")


def _vectors() -> Node:
    """Matrices and a sum over an axis: H = tanh(X @ W + B), L = Σ (Σ_columns H·H)·v."""
    X = Node([[1.0, -2.0], [0.5, 0.3]], name="X")
    W = Node([[0.5, -0.3], [0.2, 0.8]], name="W")
    B, v = Node([[0.1, 0.0], [-0.2, 0.3]], name="B"), Node([0.7, -1.1], name="v")
    h = tanh(add(matmul(X, W, name="A"), B, name="Z"), name="H")
    s = mul(h, h, name="HH").sum(axis=1, name="s")
    return mul(s, v, name="sv").sum(name="L")


_GRAPHS = [dict(label="the lecture's graph (w = −0.8, x = 1.5, b = 0.4, t = 0, λ = 0.3)",
                graph=lambda: regularised_example(**_CHECK_VALUES).L_reg),
           dict(label="a graph where c is used twice", graph=_diamond),
           dict(label="a graph of matrices with a sum over an axis", graph=_vectors)]


# -- notebook 04: topological order -----------------------------------------------------------

def _order_problem(args, order) -> str | None:
    """None if `order` is a topological order of the graph of args[0]; else what is wrong."""
    if order is None:
        return "your function returned None: did you forget to `return` the list?"
    if isinstance(order, (set, frozenset, dict)):
        return (f"your function returned a {type(order).__name__}, which has no order of its "
                "own; return a list, appending each node after its parents.")
    if isinstance(order, (str, bytes, Node)) or not hasattr(order, "__iter__"):
        return f"expected a list of nodes, got {type(order).__name__}."
    order = list(order)
    strangers = [item for item in order if not isinstance(item, Node)]
    if strangers:
        return (f"the list should hold Node objects, but it holds a {type(strangers[0]).__name__} "
                f"({strangers[0]!r}); put the nodes themselves in the list, not their names.")
    graph = topological_order(args[0])
    outsiders = [n for n in order if n not in set(graph)]
    if outsiders:
        return f"{_names(outsiders)} is not a node of this graph."
    twice = [n for i, n in enumerate(order) if n in order[:i]]
    if twice:
        return (f"{_names(twice)} appears more than once; each node belongs in the order exactly "
                "once (a node with two children is reached twice: remember which you visited).")
    missing = [n for n in graph if n not in order]
    if missing:
        return (f"{_names(missing)} {'is' if len(missing) == 1 else 'are'} missing; the order "
                f"must hold all {len(graph)} nodes of the graph, leaves and output included.")
    for node in order:
        for parent in node.parents:
            if order.index(parent) > order.index(node):
                return (f"{node.label} comes before {parent.label}, but {node.label} is computed "
                        f"from {parent.label}: every node must come after all its parents.")
    return None


@check("04_computational_graphs", "a topological sort",
       solution=topological_order, judge=_order_problem, returns=("the order",),
       configurations=[*_GRAPHS, dict(label="a single leaf", graph=lambda: Node(2.0, name="u"))],
       make=lambda c: (c["graph"](),),
       crash_hints=[("RecursionError", "does your recursion stop? Visit each node once: "
                     "remember the visited ones in a set.")],
       success="a valid topological order on four graphs, one a single leaf. Any order with "
       "every node after its parents is accepted.")
def check_topological_sort(topological_sort):
    """`topological_sort(output)` must return every node of the graph, each after its parents."""


# -- notebook 05: the forward pass ------------------------------------------------------------

def _stale(graph):
    """The graph's order after changing its leaves: every computed value is out of date."""
    order = topological_order(graph())
    for i, leaf in enumerate(n for n in order if n.op is None):
        leaf.value = leaf.value * -1.5 + 0.25 * (i + 1)
    return order


def _forward(params=True, sequence=lambda o: o, store=True):
    """The forward pass, or a mistake in it: without params, in another order, or returning."""
    def forward_pass(order):
        values = []
        for node in sequence(order):
            if node.op is not None:
                args = [value_of(a) for a in node.args]
                value = node.op.forward(*args, **(node.params if params else {}))
                values.append(value)
                if store:
                    node.value = value
        return values
    return forward_pass


@check("05_backprop_algorithm", "the forward pass",
       solution=_forward(), returns=(),
       configurations=_GRAPHS, make=lambda c: (_stale(c["graph"]),),
       mistakes=[
           Mistake("reversed-order", _forward(sequence=lambda o: o[::-1]),
                   "evaluate the nodes in topological order, so that a node's parents are up to "
                   "date before the node itself."),
           Mistake("values-not-stored", _forward(store=False),
                   "your forward pass did not store the values: every node with an operation "
                   "gets node.value = node.op.forward(*values) (returning them is not enough)."),
           Mistake("params-missing", _forward(params=False),
                   "the operation's settings are missing: pass them on with "
                   "node.op.forward(*values, **node.params) (here a sum over an axis).")],
       crash_hints=[
           ("'NoneType' object has no attribute 'forward'", "a leaf has no operation "
            "(node.op is None): skip it, leaves keep their values."),
           ("missing 1 required positional argument", "an operation gets all its arguments, "
            "constants included (λ is not a node): use values_of(node), which reads node.args, "
            "not node.parents."),
           ("got an unexpected keyword", "pass node.params with ** to the operation's forward, "
            "not to values_of."),
           ("'Node' object has no attribute", "a node has .value, .op, .args, .params and "
            ".parents; values_of(node) gives the values of its arguments."),
           ("Node", "give the operation the values of its arguments, values_of(node), not the "
            "nodes themselves.")],
       success="every node's value equals the engine's on three graphs, one with a sum over an "
       "axis (node.params) and one with a constant (λ), evaluated in topological order.")
def check_forward_pass(forward_pass):
    """`forward_pass(order)` must set the value of every computed node, in topological order."""


# -- notebook 05: the backward pass -----------------------------------------------------------

def _backward(combine=sum, message=message, seed=1.0, nodes=lambda o: o[-2::-1]):
    """The backward pass, or a mistake in it: another way to combine the messages, another
    message, another seed, or other nodes in step 4."""
    def backward_pass(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value) * seed
        for node in nodes(order):
            node.bar = combine([message(child, i) for child, i in children[node]])
    return backward_pass


def _one_child(name: str) -> str:
    node = name.removesuffix(".bar")
    return (f"that is the message of one child only: {node} has several children, and its bar "
            "is the sum of their messages. Add each child's message instead of overwriting the "
            "bar.")


def _local_alone(child, i):
    bar, child.bar = child.bar, np.ones_like(child.bar)
    local, child.bar = message(child, i), bar
    return local


def _bars(order) -> dict:
    """The bars from the output back (the order in which they are computed), then the values."""
    return {f"{n.label}.bar": snapshot(n.bar) for n in order[::-1]} | \
        {f"{n.label}.value": n.value.copy() for n in order} | \
        {"order": tuple(n.label for n in order)}


def _fresh(graph):
    order = topological_order(graph())
    for node in order:
        node.bar = None
    return order


def _crash_hint(args) -> str:
    """Why a backward pass crashed, from the state it left the graph in."""
    order = args[0]
    if order[-1].bar is None:
        return ("step 3 comes first: set the seed, the output's bar, to 1; every message "
                "starts from it.")
    odd = [n for n in order if n.bar is not None and np.shape(n.bar) != n.shape]
    if odd:
        return (f"{odd[0].label}.bar has shape {np.shape(odd[0].bar)}, but {odd[0].label} has "
                f"shape {odd[0].shape}: a bar has the shape of its node. np.sum([...]) adds up "
                "every entry of every message: add them with + (or Python's sum).")
    waiting = [n.label for n in order if n.bar is None and n.parents]
    return (f"a message needs its child's bar, and {', '.join(waiting)} still had none. Step 4 "
            "goes in reverse order, `reversed(order[:-1])`, so every child's bar is set before "
            "its parents need its message." if waiting else "")


@check("05_backprop_algorithm", "the backward pass",
       solution=lambda order: order[-1].backward(), returns=(), observed=_bars,
       configurations=_GRAPHS, make=lambda c: (_fresh(c["graph"]),),
       formulas={"L_reg.bar": "dL_reg/dL_reg", "L.bar": "dL/dL"},
       mistakes=[
           Mistake("last-message-only", _backward(combine=lambda ms: ms[-1]),
                   _one_child),
           Mistake("first-message-only", _backward(combine=lambda ms: ms[0]),
                   _one_child),
           Mistake("messages-multiplied", _backward(combine=lambda ms: np.prod(ms, axis=0)),
                   "that is the product of the messages; the bar is their sum (the sum over "
                   "children)."),
           Mistake("np-sum", _backward(combine=np.sum),
                   "np.sum([...]) adds up every entry of every message: add the messages with + "
                   "(or Python's sum), which keeps their shape."),
           Mistake("first-argument-message", _backward(message=lambda child, i: message(child, 0)),
                   "that is the message the child sends its first argument: use the i of each "
                   "(child, i) pair."),
           Mistake("local-derivative-alone", _backward(message=_local_alone),
                   "that is the local derivative alone: each message is the child's bar times "
                   "the local derivative."),
           Mistake("sign-flipped", _backward(message=lambda c, i: -message(c, i)),
                   "the sign is flipped: a message is the child's bar times the local "
                   "derivative."),
           Mistake("seed-overwritten", _backward(nodes=lambda o: o[::-1]),
                   "the seed, the output's bar, is 1. If you set it, step 4 overwrote it: it "
                   "runs over all nodes but the output, whose sum over no children gives 0.")],
       crash_hints=[("for +", "a bar is None until you set it: start the sum at 0, or use "
                     "sum(...) over the children."), ("", _crash_hint)],
       success="every node's bar equals the engine's on three graphs, from the seed back to the "
       "leaves; w̄ sums the messages of both its children, z and R, and vectors keep their shape.")
def check_backward_pass(backward_pass):
    """`backward_pass(order)` must set every node's bar: the seed, then sums over children."""


# -- notebook 06: a new operation -------------------------------------------------------------

def _operation_mistakes(right, name: str) -> list[Mistake]:
    """The typical mistakes of a message function, given the right one and the operation's
    name (the rows the registry holds are softplus's)."""
    return [Mistake("own-value", lambda bar, out, a: bar * out,
                    f"that is bar·{name}(a), the operation's own value; the message is bar times "
                    f"its derivative d{name}(a)/da."),
            Mistake("local-alone", lambda bar, out, a: right(np.ones_like(bar), out, a),
                    "that is the local derivative alone: multiply it by bar, the output's bar."),
            Mistake("sign-flipped", lambda bar, out, a: -right(bar, out, a),
                    "the sign is flipped."),
            Mistake("derivative-at-minus-a", lambda bar, out, a: right(bar, out, -a),
                    "that is the derivative at −a: check the sign inside (d/da e^(−a) = "
                    "−e^(−a)).")]


def _new_operation(rules: Exercise, operation):
    """The rules for the student's operation: messages judged by finite differences of its
    own forward function."""
    if not isinstance(operation, Operation):
        stop(f"expected an engine Operation, e.g. Operation('softplus', forward, (message,), "
             f"...); got {type(operation).__name__}.")
    if len(operation.vjps) != 1 or not callable(operation.vjps[0]):
        stop(f"{operation.name} takes one argument, so its vjps must be a tuple of one "
             f"function, e.g. `(softplus_message,)`; got {operation.vjps!r}.")
    forward, name = operation.forward, operation.name

    def right(bar, out, a):  # bar times the derivative, by finite differences of forward
        return bar * numerical_gradient(lambda v: np.sum(forward(v)), a)

    def make(c):
        a = np.array(c["a"], dtype=float)
        out = np.asarray(call(forward, a, where=c["label"]))
        return np.linspace(0.5, 2.0, a.size).reshape(a.shape), out, a
    return dataclasses.replace(
        rules, make=make, solution=right,
        mistakes=_operation_mistakes(right, name),
        success=f"the message of {name} agrees with finite differences of its forward function "
        "to 6 or more digits, on arrays of three shapes."), (operation.vjps[0],)


def _softplus_message(bar, out, a):
    return bar / (1.0 + np.exp(-a))


@check("06_modularity_and_tensors", "a new operation",
       solution=_softplus_message, make=lambda c: (), prepare=_new_operation,
       mistakes=_operation_mistakes(_softplus_message, "softplus"),
       configurations=[dict(label="a = [−2.3, −0.7, −0.2, 0.4, 1.1, 2.9]",
                            a=[-2.3, -0.7, -0.2, 0.4, 1.1, 2.9]),
                       dict(label="a of shape (2, 3)", a=[[0.3, -1.7, 2.2], [-0.4, 0.9, -3.1]]),
                       dict(label="a single a = 0.65", a=0.65)],
       returns=("message",), rtol=1e-6,
       crash_hints=[("positional argument", "the engine calls a message function with three "
                     "arguments, (bar, out, a): the output's bar, the operation's value and its "
                     "argument.")])
def check_new_operation(operation):
    """`operation` is an engine Operation of one argument whose message the student wrote."""


# -- notebook 06: the bar of W in Y = XW ------------------------------------------------------

def _engine_W_bar(X, Y_bar):
    W = Node(np.zeros((X.shape[1], Y_bar.shape[1])), name="W")
    ((X @ W) * Y_bar).sum().backward()     # a loss whose bar of Y is exactly Y_bar
    return W.bar


def _shapes(n, d, m, seed):
    rng = np.random.default_rng(seed)
    return dict(label=f"X of shape ({n}, {d}), Ȳ of shape ({n}, {m})",
                X=rng.normal(size=(n, d)), Y_bar=rng.normal(size=(n, m)))


@check("06_modularity_and_tensors", "the bar of W",
       solution=_engine_W_bar, configurations=[_shapes(4, 3, 2, 0), _shapes(3, 3, 3, 1),
                                               _shapes(1, 5, 1, 2), _shapes(6, 2, 4, 3)],
       make=lambda c: (c["X"].copy(), c["Y_bar"].copy()),
       returns=("W̄",), formulas={"W̄": "Xᵀ Ȳ"},
       mistakes=[Mistake("transposed", lambda X, Y_bar: Y_bar.T @ X,
                         "you have the transpose of the right answer (Ȳᵀ X instead of Xᵀ Ȳ): a "
                         "bar always has the shape of its node, W."),
                 Mistake("no-Y_bar", lambda X, Y_bar: X.T @ np.ones_like(Y_bar),
                         "W̄ does not depend on Ȳ: each message is the child's bar times the "
                         "local derivative, so Ȳ must appear."),
                 Mistake("sign-flipped", lambda X, Y_bar: -X.T @ Y_bar, "the sign is flipped."),
                 Mistake("X-times-Y_bar-T", lambda X, Y_bar: X @ Y_bar.T,
                         "entry by entry, W̄_ij = Σ_n X_ni Ȳ_nj: which matrix product is that?"),
                 Mistake("mean-over-rows", lambda X, Y_bar: X.T @ Y_bar / len(X),
                         "no mean over the rows: every row n adds its term X_ni Ȳ_nj to W̄_ij.")],
       crash_hints=[("NameError", "W̄ is computed from X and Ȳ alone, the function's inputs."),
                    ("matmul", "match the shapes: W̄ must have W's shape (X's columns × Ȳ's "
                     "columns). Which product of X, Ȳ and transposes gives that?")],
       success=lambda got: f"W̄ = Xᵀ Ȳ, shape like W, equal to the engine's bar of W for four "
       f"shapes; for X of shape (4, 3): W̄[0, 0] = {number(got['W̄'][0, 0])}.")
def check_matmul_bar(W_bar_of):
    """`W_bar_of(X, Y_bar)` must return the bar of W in Y = XW, as the engine computes it."""

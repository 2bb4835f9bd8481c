"""Checks of notebooks 04-06: topological order, the backprop algorithm, modularity and tensors.

The graphs come from lecture.py (slide 13's graph, at other leaf values than the lecture's) and
from the engine; the reference answers are the engine's own passes. Each mistake is the function
a student with that mistake would hand in (see `_runner`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np

from .. import engine, lecture, reference, tensors
from ..debugging import planted_bugs
from ..engine import (
    OPERATIONS,
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
from ._runner import Exercise, Mistake, call, check, same, snapshot, stop

__all__ = ["check_topological_sort", "check_forward_pass", "check_backward_pass",
           "check_new_operation", "check_X_bar_entries", "check_matmul_bar"]

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


def _constants_first() -> Node:
    """Constants as first arguments, as `0.5 * w` and `2 - x` build them, and w used twice:
    L = (0.5·w)·(2 − x) + w."""
    w, x = Node(1.2, name="w"), Node(-0.7, name="x")
    h, d = 0.5 * w, 2 - x
    h.name, d.name = "h", "d"
    return add(mul(h, d, name="m"), w, name="L")


_GRAPHS = [dict(label="the lecture's graph (w = −0.8, x = 1.5, b = 0.4, t = 0, λ = 0.3)",
                graph=lambda: regularised_example(**_CHECK_VALUES).L_reg),
           dict(label="a graph where c is used twice", graph=_diamond),
           dict(label="a graph of matrices with a sum over an axis", graph=_vectors),
           dict(label="a graph with constants as first arguments, h = 0.5·w and d = 2 − x",
                graph=_constants_first)]


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
       refuses=lambda: (topological_order,),
       solution=topological_order, judge=_order_problem, returns=("the order",),
       configurations=[*_GRAPHS, dict(label="a single leaf", graph=lambda: Node(2.0, name="u"))],
       make=lambda c: (c["graph"](),),
       formulas={"in code": "visited.add(node)"},
       crash_hints=[("RecursionError", "does your recursion stop? A node reached along two "
                     "paths is visited again and again unless your function remembers where it "
                     "has been.")],
       success="a valid topological order on five graphs, one a single leaf. Any order with "
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


def _constants_last(node) -> list:
    """The values of a node's arguments, the nodes' first and the constants after them."""
    return [a.value for a in node.parents] + [a for a in node.args if not isinstance(a, Node)]


def _values(node) -> list:
    """The values of a node's arguments, in order, constants included."""
    return [value_of(a) for a in node.args]


def _forward(params=True, sequence=lambda o: o, store=True, arguments=_values):
    """The forward pass, or a mistake in it: without params, in another order, returning, or
    with the arguments gathered another way."""
    def forward_pass(order):
        values = []
        for node in sequence(order):
            if node.op is not None:
                args = arguments(node)
                value = node.op.forward(*args, **(node.params if params else {}))
                values.append(value)
                if store:
                    node.value = value
        return values
    return forward_pass


@check("05_backprop_algorithm", "the forward pass",
       refuses=lambda: (engine.forward, Node.forward, Node._evaluate),
       solution=_forward(), returns=(),
       configurations=_GRAPHS, make=lambda c: (_stale(c["graph"]),),
       formulas={"in code": "node.op.forward(*values_of(node), **node.params)"},
       mistakes=[
           Mistake("reversed-order", _forward(sequence=lambda o: o[::-1]),
                   "evaluate the nodes in topological order, so that a node's parents are up to "
                   "date before the node itself."),
           Mistake("values-not-stored", _forward(store=False),
                   "your forward pass did not store the values in the nodes (returning them is "
                   "not enough): every computed node's value must be set."),
           Mistake("params-missing", _forward(params=False),
                   "the operation's settings are missing (here the axis of a sum): a node keeps "
                   "them in node.params, and its operation needs them too."),
           Mistake("output-skipped", _forward(sequence=lambda o: o[:-1]),
                   "the output's value is out of date: your pass stops before the last node of "
                   "the order."),
           Mistake("constants-last", _forward(arguments=_constants_last),
                   "the arguments are in the wrong order where a constant comes first (d = 2 − x "
                   "became x − 2): an operation takes its arguments in the order of node.args, "
                   "constants in their place.")],
       crash_hints=[
           ("'NoneType' object has no attribute 'forward'", "a leaf has no operation "
            "(node.op is None): skip it, leaves keep their values."),
           ("missing 1 required positional argument", "an operation gets all its arguments, "
            "constants included (λ is not a node), and node.parents holds only the nodes among "
            "them."),
           ("got an unexpected keyword", "node.params belong to the operation's forward, not to "
            "values_of."),
           ("'Node' object has no attribute", "a node has .value, .op, .args, .params and "
            ".parents; values_of(node) gives the values of its arguments."),
           ("Node", "the operation computes with values, not with nodes: give it the values of "
            "its arguments.")],
       success="every node's value equals the engine's on four graphs, one with a sum over an "
       "axis (node.params) and two with constants (λ, and 0.5·w and 2 − x), evaluated in "
       "topological order.")
def check_forward_pass(forward_pass):
    """`forward_pass(order)` must set the value of every computed node, in topological order."""


# -- notebook 05: the backward pass -----------------------------------------------------------

def _backward(combine=sum, message=message, seed=1.0, nodes=lambda o: o[-2::-1]):
    """The backward pass, or a mistake in it: another way to combine the messages, another
    message, another seed, or other nodes in step 4."""
    def backward_pass(order):
        children = children_of(order)
        order[-1].bar = order[-1].value.copy() if seed is None else \
            np.ones_like(order[-1].value) * seed
        for node in nodes(order):
            node.bar = combine([message(child, i) for child, i in children[node]])
    return backward_pass


def _one_child(name: str) -> str:
    node = name.removesuffix(".bar")
    return (f"that is the message of one child only: {node} has several children, and its bar "
            "gathers the messages of all of them (was one overwritten by the next?).")


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
        return ("the output's bar is still None: step 3 comes first, the seed; every message "
                "starts from it.")
    odd = [n for n in order if n.bar is not None and np.shape(n.bar) != n.shape]
    if odd:
        return (f"{odd[0].label}.bar has shape {np.shape(odd[0].bar)}, but {odd[0].label} has "
                f"shape {odd[0].shape}: a bar has the shape of its node. np.sum([...]) adds up "
                "every entry of every message into one number: the messages must be added "
                "entry by entry.")
    waiting = [n.label for n in order if n.bar is None and n.parents]
    return (f"a message needs its child's bar, and {', '.join(waiting)} still had none. Step 4 "
            "must set every child's bar before its parents need its message: in which order "
            "does it visit the nodes?" if waiting else "")


@check("05_backprop_algorithm", "the backward pass",
       refuses=lambda: (engine.backward, Node.backward, reference.backward_pass), exact=True,
       solution=lambda order: order[-1].backward(), returns=(), observed=_bars,
       configurations=_GRAPHS, make=lambda c: (_fresh(c["graph"]),),
       formulas={"L_reg.bar": "dL_reg/dL_reg", "L.bar": "dL/dL",
                 "in code": "sum(message(child, i) for child, i in children[node])",
                 "the order": "reversed(order[:-1])"},
       mistakes=[
           Mistake("last-message-only", _backward(combine=lambda ms: ms[-1]),
                   _one_child),
           Mistake("first-message-only", _backward(combine=lambda ms: ms[0]),
                   _one_child),
           Mistake("messages-multiplied", _backward(combine=lambda ms: np.prod(ms, axis=0)),
                   "that is the product of the messages: how does a node combine the messages "
                   "of its children?"),
           Mistake("np-sum", _backward(combine=np.sum),
                   "np.sum([...]) adds up every entry of every message into one number (or "
                   "fails on an axis): a bar keeps its node's shape, so the messages must be "
                   "added entry by entry."),
           Mistake("first-argument-message", _backward(message=lambda child, i: message(child, 0)),
                   "every message is the one the child sends its first argument: a child sends "
                   "each of its arguments a message of its own."),
           Mistake("local-derivative-alone", _backward(message=_local_alone),
                   "that is the local derivative alone: the child's bar is missing from the "
                   "message."),
           Mistake("sign-flipped", _backward(message=lambda c, i: -message(c, i)),
                   "the sign is flipped: every message enters with a minus."),
           Mistake("seed-is-value", _backward(seed=None),
                   "the seed is the output's value: the seed is how much the output changes when "
                   "the output itself changes."),
           Mistake("seed-overwritten", _backward(nodes=lambda o: o[::-1]),
                   "the output's bar is 0: the seed is missing, or step 4 overwrote it (a sum "
                   "over no children gives 0). Which nodes does step 4 visit?")],
       crash_hints=[("for +", "a bar is None until you set it, and None cannot be added to: "
                     "what does a sum start from?"), ("", _crash_hint)],
       success="every node's bar equals the engine's on four graphs, from the seed back to the "
       "leaves; w̄ sums the messages of both its children, z and R, and vectors keep their shape.")
def check_backward_pass(backward_pass):
    """`backward_pass(order)` must set every node's bar: the seed, then sums over children."""


# -- notebook 06: a new operation -------------------------------------------------------------

def _operation_mistakes(right, name: str) -> list[Mistake]:
    """The typical mistakes of a message function, given the right one and the operation's
    name (the rows the registry holds are softplus's)."""
    return [Mistake("own-value", lambda bar, out, a: bar * out,
                    f"that is bar·{name}(a), the operation's own value, where its local "
                    "derivative belongs."),
            Mistake("local-alone", lambda bar, out, a: right(np.ones_like(bar), out, a),
                    "that is the local derivative alone: the output's bar, bar, is missing from "
                    "the message."),
            Mistake("sign-flipped", lambda bar, out, a: -right(bar, out, a),
                    "the sign is flipped."),
            Mistake("derivative-at-minus-a", lambda bar, out, a: right(bar, out, -a),
                    "that is the derivative at −a: check the sign inside the exponential (the "
                    "chain rule on e^(−a)).")]


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
    # the operation's own forward function: its exact message, which an estimate does not match
    own = rules.solution
    if callable(own) and all(same(own(*make(c)), right(*make(c))) for c in rules.configurations):
        right = own
    exact = right is own
    return dataclasses.replace(
        rules, make=make, solution=right, exact=exact,
        mistakes=_operation_mistakes(right, name),
        success=f"the message of {name} agrees with its derivative to rounding, and so with a "
        "gradient check of its forward function, on arrays of three shapes." if exact else
        f"the message of {name} agrees with finite differences of its forward function to 6 or "
        "more digits, on arrays of three shapes."), (operation.vjps[0],)


def _softplus_message(bar, out, a):
    return bar / (1.0 + np.exp(-a))


@check("06_modularity_and_tensors", "a new operation",
       solution=_softplus_message, make=lambda c: (), prepare=_new_operation,
       refuses=lambda: the_backward(),
       mistakes=_operation_mistakes(_softplus_message, "softplus"),
       configurations=[dict(label="a = [−2.3, −0.7, −0.2, 0.4, 1.1, 2.9]",
                            a=[-2.3, -0.7, -0.2, 0.4, 1.1, 2.9]),
                       dict(label="a of shape (2, 3)", a=[[0.3, -1.7, 2.2], [-0.4, 0.9, -3.1]]),
                       dict(label="a single a = 0.65", a=0.65)],
       returns=("message",), rtol=1e-6,
       formulas={"message": "bar·σ(a)", "in code": "bar / (1.0 + np.exp(-a))"},
       crash_hints=[("positional argument", "the engine calls a message function with three "
                     "arguments, (bar, out, a): the output's bar, the operation's value and its "
                     "argument.")])
def check_new_operation(operation):
    """`operation` is an engine Operation of one argument whose message the student wrote."""


# -- notebook 06: the bar of X in Y = XW, entry by entry on 2×2 --------------------------------

def the_backward() -> tuple:
    """The engine's backward pass, refused where a message is the exercise: a graph built
    around it would compute the message for the student."""
    return Node.backward, engine.backward


def the_messages() -> Iterator:
    """Every operation's messages, the engine's table's and the lecture's (`linear`,
    `half_squared_error`, ...): where a bar or a message is the exercise, they compute it for
    the student, chained by hand or looked up before the check."""
    operations = {id(op): op for op in (*OPERATIONS.values(), *(
        value for value in vars(lecture).values() if isinstance(value, Operation)))}
    for op in operations.values():
        table = f"OPERATIONS[{op.name!r}]" if OPERATIONS.get(op.name) is op else op.name
        for i, vjp in enumerate(op.vjps):
            if vjp is not None:
                yield f"{table}.vjps[{i}]", vjp


def planted_messages() -> Iterator:
    """The messages of notebook 06's planted operations, the buggy and the right ones: a
    message is written, not made by correcting or reusing a planted one."""
    for name, op in planted_bugs().items():
        for i, vjp in enumerate(op.vjps):
            yield f"bugged[{name!r}].vjps[{i}]", vjp


def the_engine() -> tuple:
    """The engine that bars by hand are compared with, refused to the student's code: a Node
    made there, an operation applied there (matmul, sigmoid, ...), a backward pass."""
    return (("engine.Node", Node.__init__),
            ("an engine operation (matmul, add, sigmoid, ...)", Operation.__call__),
            *the_backward())


def _engine_bars(X, W, Y_bar) -> tuple:
    """The engine's bars of X and W in Y = XW, for a loss whose bar of Y is exactly Y_bar."""
    X, W = Node(X, name="X"), Node(W, name="W")
    ((X @ W) * Y_bar).sum().backward()
    return X.bar, W.bar


def _engine_X_bar(Y_bar, W):
    return _engine_bars(np.zeros((Y_bar.shape[0], W.shape[0])), W, Y_bar)[0]


def _two_by_two(label, Y_bar, W):
    return dict(label=label, Y_bar=np.array(Y_bar, dtype=float), W=np.array(W, dtype=float))


_RANDOM_2X2 = np.random.default_rng(6).normal(size=(2, 2, 2)).round(2)


@check("06_modularity_and_tensors", "the bar of X, entry by entry",
       refuses=lambda: (*the_messages(), *planted_messages(), tensors.matmul_message_a,
                        *the_engine()), exact=True,
       solution=_engine_X_bar,
       configurations=[_two_by_two("Ȳ = [[1, 2], [3, 4]], W = [[5, 6], [7, 8]]",
                                   [[1, 2], [3, 4]], [[5, 6], [7, 8]]),
                       _two_by_two("Ȳ and W of random numbers", *_RANDOM_2X2),
                       _two_by_two("Ȳ = [[0, 0], [1, −1]] (the first row's bars zero), "
                                   "W = [[2, −1], [0.5, 3]]", [[0, 0], [1, -1]],
                                   [[2, -1], [0.5, 3]])],
       make=lambda c: (c["Y_bar"].copy(), c["W"].copy()),
       returns=("X̄",),
       formulas={"X̄": "Ȳ Wᵀ", "in code": "Y_bar @ W.T",
                 "X̄₁₂": "Ȳ₁₁W₂₁ + Ȳ₁₂W₂₂", "X̄[0, 1] in code":
                 "Y_bar[0, 0] * W[1, 0] + Y_bar[0, 1] * W[1, 1]"},
       mistakes=[Mistake("weights-in-each-others-places", lambda Y_bar, W: Y_bar @ W,
                         "the weights are in each other's places: in Y₁₁ = X₁₁W₁₁ + X₁₂W₂₁, "
                         "which entry of W multiplies X₁₂? That factor is the local derivative "
                         "∂Y₁₁/∂X₁₂."),
                 Mistake("children-in-a-column", lambda Y_bar, W: Y_bar.T @ W.T,
                         "X_ni is used in row n of Y, so its children are the entries of row n "
                         "of Ȳ; your entries take the bars of a column of Ȳ."),
                 Mistake("one-child", lambda Y_bar, W: np.outer(Y_bar[:, 0], W[:, 0]),
                         "each entry of X is used in two entries of Y, so its bar is the sum of "
                         "two messages, one from each child; yours has one."),
                 Mistake("every-entry-of-Y", lambda Y_bar, W: np.ones((2, 2)) @ Y_bar @ W.T,
                         "a bar sums the messages of the node's own children: X_ni is used in "
                         "row n of Y only, the other row of Y does not depend on it."),
                 Mistake("no-Y_bar", lambda Y_bar, W: np.ones((2, 2)) @ W.T,
                         "X̄ does not depend on Ȳ: each message is the child's bar times the "
                         "local derivative, so the entries of Ȳ must appear."),
                 Mistake("entries-transposed", lambda Y_bar, W: W @ Y_bar.T,
                         "your four numbers are right but stand in transposed places: X̄[0, 1] "
                         "is the bar of X₁₂ (row 1, column 2), X̄[1, 0] that of X₂₁."),
                 Mistake("columns-paired", lambda Y_bar, W: W.T @ Y_bar,
                         "your entries pair a column of W with a column of Ȳ: X_ni's children "
                         "are in row n of Y, and each message is that child's bar times the "
                         "weight X_ni meets in it."),
                 Mistake("sign-flipped", lambda Y_bar, W: -(Y_bar @ W.T),
                         "the sign is flipped: Y grows with X wherever the weight is positive.")],
       crash_hints=[("IndexError", "Ȳ and W are 2×2, so their indices are 0 and 1: Ȳ₁₂ is "
                     "Y_bar[0, 1]."),
                    ("NameError", "X̄ is computed from Ȳ and W alone, the function's inputs: "
                     "X itself is not needed.")],
       success=lambda got: "X̄ has X's shape and equals the engine's bar of X on three pairs of "
       f"Ȳ and W (for the first, X̄[0, 0] = {number(np.asarray(got['X̄'])[0, 0])}): each entry "
       "the sum of the messages of the two entries of Y that use it.")
def check_X_bar_entries(X_bar_2x2):
    """`X_bar_2x2(Y_bar, W)` must return the bar of X in Y = XW, all 2×2, as the engine
    computes it."""


# -- notebook 06: the bar of W in Y = XW ------------------------------------------------------

def _engine_W_bar(X, Y_bar):
    return _engine_bars(X, np.zeros((X.shape[1], Y_bar.shape[1])), Y_bar)[1]


def _shapes(n, d, m, seed):
    rng = np.random.default_rng(seed)
    return dict(label=f"X of shape ({n}, {d}), Ȳ of shape ({n}, {m})",
                X=rng.normal(size=(n, d)), Y_bar=rng.normal(size=(n, m)))


@check("06_modularity_and_tensors", "the bar of W",
       refuses=lambda: (*the_messages(), *planted_messages(), tensors.matmul_message_a,
                        tensors.matmul_message_b, *the_engine()),
       exact=True,
       solution=_engine_W_bar, configurations=[_shapes(4, 3, 2, 0), _shapes(3, 3, 3, 1),
                                               _shapes(1, 5, 1, 2), _shapes(6, 2, 4, 3)],
       make=lambda c: (c["X"].copy(), c["Y_bar"].copy()),
       returns=("W̄",), formulas={"W̄": "Xᵀ Ȳ", "in code": "X.T @ Y_bar"},
       mistakes=[Mistake("transposed", lambda X, Y_bar: Y_bar.T @ X,
                         "the transpose is on the wrong side: check the shapes: W̄ must have W's "
                         "shape."),
                 Mistake("no-Y_bar", lambda X, Y_bar: X.T @ np.ones_like(Y_bar),
                         "W̄ does not depend on Ȳ: each message is the child's bar times the "
                         "local derivative, so Ȳ must appear."),
                 Mistake("sign-flipped", lambda X, Y_bar: -X.T @ Y_bar, "the sign is flipped."),
                 Mistake("X-times-Y_bar-T", lambda X, Y_bar: X @ Y_bar.T,
                         "W̄ must have W's shape (X's columns × Ȳ's columns), and each of its "
                         "entries gathers a term from every row n: which product of X, Ȳ and "
                         "their transposes does that?"),
                 Mistake("mean-over-rows", lambda X, Y_bar: X.T @ Y_bar / len(X),
                         "W̄ is len(X) times too small: no mean over the rows, every row adds its "
                         "own term to W̄.")],
       crash_hints=[("NameError", "W̄ is computed from X and Ȳ alone, the function's inputs."),
                    ("matmul", "match the shapes: W̄ must have W's shape (X's columns × Ȳ's "
                     "columns). Which product of X, Ȳ and transposes gives that?")],
       success=lambda got: f"W̄ = Xᵀ Ȳ, shape like W, equal to the engine's bar of W for four "
       f"shapes; for X of shape (4, 3): W̄[0, 0] = {number(got['W̄'][0, 0])}.")
def check_matmul_bar(W_bar_of):
    """`W_bar_of(X, Y_bar)` must return the bar of W in Y = XW, as the engine computes it."""

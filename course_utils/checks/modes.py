"""Notebook 08: forward mode against reverse mode, and the check of the forward-mode exercise.

Forward mode pushes a *tangent* (how much each node moves when one input moves) from that input
through the graph, in topological order: one sweep per input direction. Reverse mode (backprop)
pulls bars from the output: one sweep per output. The same engine graph serves both.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import engine
from ..engine import Node, add, matmul, mul, sigmoid, tanh, topological_order, value_of
from ..lecture import regularised_example
from ..network import T, X  # the lecture's training set
from ..tangents import tangent_message
from ._runner import Mistake, check, directly, with_what_they_make
from .graphs import the_messages

__all__ = ["check_forward_mode", "check_gradient_by_forward_mode", "check_kept_for_backward"]

def forward_mode(output: Node, leaf: Node, direction) -> np.ndarray:
    """The tangent of `output` when `leaf` moves along `direction`: one forward-mode sweep."""
    return _sweep(output, leaf, direction)


def every_tangent(output: Node, leaf: Node, direction) -> dict:
    """The tangent of every node of the graph in one forward-mode sweep, {node: ṅ} (for
    `draw(output, tangents=...)`, the sweep beside a backward pass)."""
    return _tangents(output, leaf, direction)


def _sweep(output, leaf, direction, **how) -> np.ndarray:
    return _tangents(output, leaf, direction, **how)[output]


def _tangents(output, leaf, direction, *, seed_all=False, combine="sum", arguments="args"):
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
    return tangents


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


def kept_for_backward(output: Node) -> int:
    """How many numbers the backward pass may read from the forward pass: the value of every
    computed node (sigmoid's message reads its output y) and of every argument of one (W̄ = Xᵀ·Z̄
    reads X, a constant), each value counted once however many messages read it."""
    kept: dict = {}
    for node in topological_order(output):
        if node.op is not None:
            kept[id(node)] = node.value.size
            for arg in node.args:
                kept[id(arg)] = np.size(value_of(arg))
    return sum(kept.values())


# --------------------------------------------------------------------------------------------
# Exercise: forward mode
# --------------------------------------------------------------------------------------------

#: Leaf values of the lecture's graph, different from the notebooks' so none can be memorised.
_VALUES = dict(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)


def _xor_cost(hidden: int, seed: int):
    rng = np.random.default_rng(seed)
    W1, b1 = Node(rng.normal(size=(2, hidden)), name="W1"), Node(np.zeros(hidden), name="b1")
    W2, b2 = Node(rng.normal(size=(hidden, 1)), name="W2"), Node(np.zeros(1), name="b2")
    h = sigmoid(add(matmul(X, W1), b1, name="z1"), name="h")
    y = sigmoid(add(matmul(h, W2), b2, name="z2"), name="y")
    return ((y - T) ** 2).mean(name="E"), W1


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
        args = graph.L_reg, getattr(graph, case["leaf"]), case["direction"]
        if "earlier" in case:    # a sweep of the same graph before: (its leaf, its direction)
            return (*args, (getattr(graph, case["earlier"][0]), case["earlier"][1]))
        return args
    output, leaf = _xor_cost(3, 1) if case["graph"] == "xor" else _vector_layer()
    direction = np.random.default_rng(7).normal(size=leaf.shape)
    return output, leaf, direction


def _no_backward(args, returned):
    ran = [n.name or n.label for n in topological_order(args[0]) if n.bar is not None]
    if ran:
        return (f"{ran[0]}.bar is set: your function ran a backward pass. Forward mode pushes "
                "tangents forward, in topological order, from the leaf; it needs no bars.")
    return None


def _observed(output, leaf, direction, earlier=None) -> dict:
    """What a sweep must leave as it found it: the leaves, the output's value, the direction."""
    leaves = [n.value.ravel() for n in topological_order(output) if n.op is None]
    return {"the values of the leaves": np.concatenate(leaves), "output.value": output.value,
            "direction": np.array(direction, dtype=float)}


def _after_an_earlier_sweep(sweep):
    """`sweep` as the check calls it: where the configuration has an earlier sweep, the same
    graph is swept along that one first, so that tangents kept from one call to the next show."""
    @functools.wraps(sweep)
    def swept(output, leaf, direction, earlier=None):
        if earlier is not None:
            sweep(output, *earlier)
        return sweep(output, leaf, direction)
    return swept


def _prepare_sweeps(rules, forward_mode):
    return (dataclasses.replace(rules, solution=_after_an_earlier_sweep(rules.solution),
                                mistakes=[dataclasses.replace(m, computes=_after_an_earlier_sweep(
                                    m.computes)) for m in rules.mistakes]),
            (_after_an_earlier_sweep(forward_mode),))


_KEPT: dict = {}    # the memory of the mistake below, a dict that outlives the call


def _tangents_kept(output, leaf, direction):
    """Forward mode that keeps the tangents it computed in a dict outliving the call, and reuses
    them: right on a graph swept once, wrong on the second sweep of the same graph."""
    if len(_KEPT) > 10_000:
        _KEPT.clear()
    for node in topological_order(output):
        if node is leaf:
            _KEPT[node] = np.asarray(direction, dtype=float)
        elif node not in _KEPT:
            _KEPT[node] = sum((tangent_message(node, i, _KEPT[a]) for i, a in
                               enumerate(node.args) if isinstance(a, Node)),
                              np.zeros_like(node.value))
    return _KEPT[output]


@check("08_why_backprop_is_efficient", "forward mode",
       refuses=lambda: (forward_mode, gradient_by_forward_mode, every_tangent, Node.backward,
                        engine.backward, engine.message, engine.children_of,
                        *with_what_they_make(_sweep, _tangents), *directly(the_messages())),
       solution=forward_mode, exact=True,
       configurations=[
           dict(label="the lecture's graph, leaf w, direction 1", graph="lecture", leaf="w",
                direction=1.0),
           dict(label="the lecture's graph, leaf b, direction 2.5", graph="lecture", leaf="b",
                direction=2.5),
           dict(label="the 2-3-1 XOR network's cost E, leaf W1, a random direction",
                graph="xor"),
           dict(label="a vector output out = h·h with h = tanh(2·(x @ W) + b), leaf W, a random "
                "direction", graph="vector"),
           dict(label="the lecture's graph swept along w (direction 1) first, then along leaf b, "
                "direction 2.5", graph="lecture", leaf="b", direction=2.5, earlier=("w", 1.0))],
       make=_forward_args,
       prepare=_prepare_sweeps,
       judge=_no_backward, judged=(),
       observed=_observed,
       returns=("the output's tangent",),
       formulas={"in code": "sum(tangent_message(node, i, tangents[arg])",
                 "the arguments": "enumerate(node.args)"},
       mistakes=[
           Mistake("other-leaves-ones", lambda o, leaf, d: _sweep(o, leaf, d, seed_all=True),
                   "the other leaves got a tangent of ones, as if they moved too: only `leaf` "
                   "moves."),
           Mistake("last-argument-only", lambda o, leaf, d: _sweep(o, leaf, d, combine="last"),
                   "a node's tangent keeps only what its last argument sends (assigned instead "
                   "of added?): every argument that moves moves the node."),
           Mistake("first-argument-only", lambda o, leaf, d: _sweep(o, leaf, d, arguments="first"),
                   "a node's tangent uses only what its first argument sends: its other "
                   "arguments that are nodes move it too."),
           Mistake("tangents-multiplied", lambda o, leaf, d: _sweep(o, leaf, d, combine="product"),
                   "no tangent reached the output, which moves by 0. Two slips do that: the "
                   "arguments' tangents multiplied (one that does not move makes the product "
                   "0: how does the multivariate chain rule combine the paths?), or a node "
                   "visited before its arguments have their tangents (in which order?)."),
           Mistake("enumerate-parents", lambda o, leaf, d: _sweep(o, leaf, d, arguments="parents"),
                   "the index i given to tangent_message is off where a constant comes before a "
                   "node (2·a): i counts the positions in node.args, constants included, and "
                   "node.parents leaves the constants out."),
           Mistake("ones-direction", lambda o, leaf, d: _sweep(o, leaf, np.ones_like(leaf.value)),
                   "the leaf's tangent is ones, not the `direction` you are given."),
           Mistake("output-value", lambda o, leaf, d: o.value,
                   "that is the output's value: the forward pass alone, not the output's "
                   "tangent."),
           Mistake("direction-itself", lambda o, leaf, d: np.broadcast_to(np.sum(d), o.shape),
                   "that is the direction itself, not pushed through the graph."),
           Mistake("tangents-kept", _tangents_kept,
                   "that is a tangent of the earlier sweep of this graph: your function keeps "
                   "tangents from one call to the next (in a dict that outlives the call, or on "
                   "the nodes) and reuses them. Each sweep starts afresh from its own leaf and "
                   "direction.")],
       crash_hints=[
           ("core dimension", "tangent_message(node, i, tangent) puts the tangent in place of "
            "argument i of node.args; counted in node.parents, i skips the constants (X in "
            "X @ W1) and lands on the wrong argument."),
           ("KeyError", "a node's tangent was asked for before it was computed: in which order "
            "must the sweep visit the nodes, and does every leaf get a tangent?"),
           ("NoneType", "a tangent is None: every node needs an array as its tangent, leaves "
                        "included.")],
       success="your forward mode gives the same tangents as the reference on the lecture's "
               "graph (swept twice), the XOR network and a graph with a vector output: one "
               "sweep per input direction, no backward pass.")
def check_forward_mode(forward_mode):
    """`forward_mode(output, leaf, direction)`: the tangent of output as leaf moves along
    direction."""


# --------------------------------------------------------------------------------------------
# Exercise: every parameter's bar from forward mode, and the number of sweeps
# --------------------------------------------------------------------------------------------

def _xor_graph(hidden: int, seed: int):
    """The 2-H-1 XOR network's cost E and its parameters [W1, b1, W2, b2]."""
    E, W1 = _xor_cost(hidden, seed)
    z1, z2 = (n for n in topological_order(E) if n.name in ("z1", "z2"))
    a2 = z2.args[0]
    return E, [W1, z1.args[1], a2.args[1], z2.args[1]]


def _doubled(output, leaf, direction):
    """A sweep that measures 2·output: the student's function must use the sweep it is given."""
    return 2 * forward_mode(output, leaf, direction)


def _gradient_args(case):
    if case["graph"] == "lecture":
        graph = regularised_example(**_VALUES)
        return graph.L_reg, [getattr(graph, name) for name in case["params"]], forward_mode
    if case["graph"] == "xor":
        E, params = _xor_graph(3, 1)
        return E, params, forward_mode
    out, W = _vector_layer()
    b = next(n for n in topological_order(out) if n.name == "b")
    return out, [b, W], _doubled


def _named_bars(function):
    """`function` with its bars keyed by their parameters' names, so they compare one by one."""
    @functools.wraps(function)
    def named(output, params, sweep):
        result = function(output, params, sweep)
        if isinstance(result, (tuple, list)) and len(result) == 2 and \
                isinstance(result[0], (list, tuple)) and len(result[0]) == len(params):
            return {p.label: bar for p, bar in zip(params, result[0], strict=True)}, result[1]
        return result
    return named


def _form_problem(args, returned) -> str | None:
    """What is wrong with the form of the answer, (a list of bars, the number of sweeps), or None;
    a right form was named by `_named_bars` (a dict)."""
    params = args[1]
    if not isinstance(returned, (tuple, list)) or len(returned) != 2 or \
            isinstance(returned[0], dict):
        return None        # the runner's count message, or a right form
    bars = returned[0]
    got = (f"{len(bars)} of them" if isinstance(bars, (list, tuple)) else
           f"one flat array of shape {np.shape(bars)}, all the bars in one" if
           isinstance(bars, np.ndarray) else type(bars).__name__)
    return (f"the bars should be a list of {len(params)} arrays, one per parameter in the order "
            f"of params, each shaped like its parameter; got {got}.")


def _prepare_bars(rules, gradient_by_forward_mode):
    return (dataclasses.replace(rules, solution=_named_bars(rules.solution)),
            (_named_bars(gradient_by_forward_mode),))


def _per_parameter(output, params, sweep):
    """One sweep per parameter along ones: the sum of its entries' derivatives, not each one."""
    bars = [np.full(p.shape, np.sum(sweep(output, p, np.ones_like(p.value)))) for p in params]
    return bars, len(params)


def _units_kept(output, params, sweep):
    """The unit direction made once per parameter, its ones never reset."""
    bars, sweeps = [], 0
    for p in params:
        bar, unit = np.zeros_like(p.value), np.zeros_like(p.value)
        for index in np.ndindex(p.shape):
            unit[index] = 1.0
            bar[index] = np.sum(sweep(output, p, unit))
            sweeps += 1
        bars.append(bar)
    return bars, sweeps


def _counted(count):
    def counted(output, params, sweep):
        return gradient_by_forward_mode(output, params, sweep)[0], count(params)
    return counted


@check("08_why_backprop_is_efficient", "every bar by forward mode",
       refuses=lambda: (gradient_by_forward_mode, Node.backward, engine.backward),
       solution=gradient_by_forward_mode,
       configurations=[
           dict(label="the lecture's graph, params [w, b]", graph="lecture", params="wb"),
           dict(label="the lecture's graph, params [b, x, w]", graph="lecture", params="bxw"),
           dict(label="the 2-3-1 XOR network's cost E, params [W1, b1, W2, b2]", graph="xor"),
           dict(label="a vector output out = h·h with h = tanh(2·(x @ W) + b), params [b, W], "
                "and a sweep that measures 2·out", graph="vector")],
       make=_gradient_args,
       prepare=_prepare_bars,
       judge=_form_problem, judged=(),
       returns=("bars", "the number of sweeps"),
       formulas={"in code": "unit[index] = 1.0", "the bar": "np.sum(sweep(output, p, unit))"},
       mistakes=[
           Mistake("one-sweep-per-parameter", _named_bars(_per_parameter),
                   "one sweep along ones gives the sum of a parameter's derivatives, the same "
                   "number in every entry: each entry has a derivative of its own."),
           Mistake("units-kept", _named_bars(_units_kept),
                   "the directions keep the 1s of the earlier entries: each entry's direction "
                   "must move that entry alone."),
           Mistake("own-sweep",
                   _named_bars(lambda o, params, s: gradient_by_forward_mode(o, params)),
                   "use the `sweep` you are given, not forward_mode itself: here it measures "
                   "2·out."),
           Mistake("sweeps-per-parameter", _named_bars(_counted(len)),
                   "that counts one sweep per parameter: how many sweeps did W1, of shape "
                   "(2, 3), take?"),
           Mistake("extra-sweep",
                   _named_bars(_counted(lambda ps: sum(p.value.size for p in ps) + 1)),
                   "one sweep too many: count the sweeps your function ran.")],
       crash_hints=[
           ("sequence", "a sweep of a vector output returns an array, one tangent per entry of "
            "out, but an entry of a bar is one number: the derivative of sum(out)."),
           ("not iterable", "a scalar parameter has shape (): one entry, but no axis to loop "
            "over.")],
       success="every bar right on the lecture's graph, the XOR network and a vector output: "
               "one sweep per entry of every parameter.")
def check_gradient_by_forward_mode(gradient_by_forward_mode):
    """`gradient_by_forward_mode(output, params, sweep)`: (the bars shaped like params, the
    number of sweeps)."""


# --------------------------------------------------------------------------------------------
# Exercise: what the backward pass keeps
# --------------------------------------------------------------------------------------------

def _kept_args(case):
    if case["graph"] == "lecture":
        return (regularised_example(**_VALUES).L_reg,)
    if case["graph"] == "xor":
        return (_xor_graph(case["hidden"], 2)[0],)
    return (_vector_layer()[0],)


def _kept(count_constants=True, once=True, own=True, args=True, entries=True):
    """kept_for_backward with the typical slips, for the mistakes table."""
    def kept(output):
        seen: dict = {}
        total = 0
        for node in topological_order(output):
            if node.op is None:
                continue
            read = ([node] if own else []) + [a for a in node.args if args and (
                count_constants or isinstance(a, Node))]
            for value in read:
                size = np.size(value_of(value))
                size = size if entries else 1
                if once:
                    seen[id(value)] = size
                else:
                    total += size
        return total + sum(seen.values())
    return kept


@check("08_why_backprop_is_efficient", "what the backward pass keeps",
       refuses=lambda: (kept_for_backward, *with_what_they_make(_kept)),
       solution=kept_for_backward,
       configurations=[
           dict(label="the lecture's graph", graph="lecture"),
           dict(label="the 2-3-1 XOR network's cost E on its 4 samples", graph="xor", hidden=3),
           dict(label="the 2-16-1 XOR network's cost E", graph="xor", hidden=16),
           dict(label="out = h·h with h = tanh(2·(x @ W) + b), h read twice", graph="vector")],
       make=_kept_args,
       returns=("the number of values kept",),
       formulas={"in code": "kept[id(arg)] = np.size(value_of(arg))"},
       mistakes=[
           Mistake("arguments-missing", _kept(args=False),
                   "the messages read the arguments' values too (W̄ = Xᵀ·Z̄ reads X): your count "
                   "has the computed nodes' own values only."),
           Mistake("own-value-missing", _kept(own=False),
                   "a node's own value is read too (σ's message reads its output y): your count "
                   "has the arguments' values only."),
           Mistake("constants-missing", _kept(count_constants=False),
                   "constants are read too (X in X @ W1, the 2 in 2·a): your count leaves out "
                   "the arguments that are not nodes."),
           Mistake("counted-twice", _kept(once=False),
                   "a value read by several messages is kept once, and your count has it once "
                   "per message."),
           Mistake("values-not-entries", _kept(entries=False),
                   "that counts values, not numbers: a 4×3 matrix keeps 12 numbers."),
           Mistake("leaves-only", lambda output: sum(n.value.size for n in
                                                     topological_order(output) if n.op is None),
                   "that counts the leaves' values alone: the messages read the values of the "
                   "computed nodes, and of their arguments.")],
       crash_hints=[
           ("has no attribute 'value'", "an argument may be a constant (a number or an array) "
            "rather than a node, and a constant has no .value."),
           ("has no attribute 'size'", "a Python number has no .size: np.size(value) counts "
            "the entries of numbers and arrays alike.")],
       success=lambda got: f"{got['the number of values kept']} numbers kept on the lecture's "
                           "graph; right on the XOR networks and a graph with a node read twice.")
def check_kept_for_backward(kept_for_backward):
    """`kept_for_backward(output)`: how many numbers the backward pass may read from the forward
    pass, each value counted once."""

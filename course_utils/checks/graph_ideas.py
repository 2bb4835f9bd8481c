"""Check of notebook 04's second exercise: which nodes a change of one leaf reaches.

A node knows only its parents, so the student's `reached_by(leaf, output)` must follow the
arrows forwards through the graph. The check asks about leaves of five graphs (four never
shown in the notebook) and compares the answer, as a set of nodes, with the engine's graph.
"""
from __future__ import annotations

import dataclasses
import functools

from ..engine import Node, add, mul, sigmoid, topological_order
from ..lecture import regularised_example
from ._runner import Mistake, check

__all__ = ["check_reached_by"]


def _lecture() -> Node:
    return regularised_example().L_reg


def _diamond() -> Node:
    """a feeds c and d, and d also uses c: e is reached from a along three paths."""
    a, b = Node(1.5, name="a"), Node(-0.5, name="b")
    c = mul(a, b, name="c")
    d = add(c, a, name="d")
    return mul(d, c, name="e")


def _side_leaf() -> Node:
    """A chain u -> p -> q -> out, and a leaf k that reaches nothing but the output."""
    u, k = Node(0.3, name="u"), Node(2.0, name="k")
    p = sigmoid(u, name="p")
    q = mul(p, p, name="q")
    return add(q, k, name="out")


def _constants_first() -> Node:
    """Constants as first arguments, as `0.5 * w` and `2 - x` build them: out = (0.5·w)·(2 − x)
    + w, and a leaf v that only the output reads."""
    w, x, v = Node(1.2, name="w"), Node(-0.7, name="x"), Node(0.4, name="v")
    h, d = 0.5 * w, 2 - x
    h.name, d.name = "h", "d"
    return add(add(mul(h, d, name="m"), w, name="n"), v, name="out")


def _zero_factor() -> Node:
    """w times a node z = 0: m = w·z is computed from w, though its value does not move with w
    (a nudge of w shows no change there; the graph does)."""
    w, z = Node(1.5, name="w"), Node(0.0, name="z")
    return add(mul(w, z, name="m"), sigmoid(z, name="s"), name="out")


GRAPHS = {"the lecture's graph": _lecture, "a diamond": _diamond,
          "a chain with a side leaf": _side_leaf,
          "a graph with constants as first arguments, 0.5·w and 2 − x": _constants_first,
          "a graph where w is multiplied by z = 0": _zero_factor}
LEAVES = {"the lecture's graph": "wxbt", "a diamond": "ab", "a chain with a side leaf": "uk",
          "a graph with constants as first arguments, 0.5·w and 2 − x": "xv",
          "a graph where w is multiplied by z = 0": "wz"}


def _make(configuration: dict) -> tuple:
    """(leaf, output): a fresh graph for every call."""
    output = GRAPHS[configuration["graph"]]()
    leaf = next(n for n in topological_order(output) if n.name == configuration["leaf"])
    return leaf, output


def reached(leaf, output):
    """Every node computed from `leaf`, directly or through other nodes (`leaf` not included)."""
    found = set()
    for node in topological_order(output):
        if any(parent is leaf or parent in found for parent in node.parents):
            found.add(node)
    return found


def _children(leaf, output):
    return {node for node in topological_order(output) if leaf in node.parents}


#: Typical mistakes: what the mistaken function returns, and its hint.
MISTAKES = [
    Mistake("leaf-included", lambda leaf, output: reached(leaf, output) | {leaf},
            "you included the leaf itself; the question is which *other* nodes its change "
            "reaches."),
    Mistake("children-only", _children,
            "these are only the leaf's children: the change goes on along the arrows, to the "
            "children's children and beyond. (A loop that asks each node about its parents "
            "gives this when it visits a node before its parents are decided: in which order "
            "must it go?)"),
    Mistake("output-missing", lambda leaf, output: reached(leaf, output) - {output},
            "the output is reached too: every path from the leaf ends there."),
    Mistake("backwards", lambda leaf, output: set(topological_order(leaf)[:-1]),
            "those are the nodes the leaf is computed from (the arrows followed backwards); "
            "follow them forwards, from parents to children."),
    Mistake("every-computed-node",
            lambda leaf, output: {n for n in topological_order(output) if n.op is not None},
            "that is every computed node: some of them do not depend on this leaf at all."),
]


class _Problem(str):
    """What is wrong with the form of an answer (not a set of nodes of this graph)."""


def _as_labels(answer, output: Node):
    """The answer as a tuple of labels in topological order, or a _Problem saying what is wrong."""
    if answer is None:
        return _Problem("your function returned None: did you forget to `return reached`?")
    if isinstance(answer, (str, bytes, dict, Node)) or not hasattr(answer, "__iter__"):
        return _Problem(f"expected a set of nodes, got {type(answer).__name__}.")
    items = list(answer)
    strangers = sorted((item for item in items if not isinstance(item, Node)), key=repr)
    if strangers:
        return _Problem(f"the answer should hold Node objects, but it holds a "
                        f"{type(strangers[0]).__name__} ({strangers[0]!r}); put the nodes "
                        "themselves in the set, not their names.")
    order = topological_order(output)
    outsiders = sorted({node.label for node in items if node not in order})  # sorted: a set's
    if outsiders:                                       # order follows memory addresses
        verb = "is not a node" if len(outsiders) == 1 else "are not nodes"
        return _Problem(f"{', '.join(outsiders)} {verb} of this graph: does your function keep "
                        "nodes from an earlier call (a global set, a default argument "
                        "`reached=set()`)? Each call must start afresh.")
    twice = sorted({node.label for node in items if items.count(node) > 1})
    if twice:
        return _Problem(f"{', '.join(twice)} appears more than once; a node reached along "
                        "several paths belongs in the answer once (a set does that for you).")
    return tuple(node.label for node in order if node in items)


def _labels_of(function):
    """`function` with its answer turned into labels, so that answers compare as data."""
    @functools.wraps(function)
    def labels(leaf, output):
        return _as_labels(function(leaf, output), output)
    return labels


def _observed(leaf, output):
    """What a call could change, named alike on every graph: values and arrows."""
    order = topological_order(output)
    return {"the list of node values": tuple(float(n.value) for n in order),
            "the list of arrows": tuple((p.label, n.label) for n in order
                                             for p in n.parents)}


def _prepare(rules, reached_by):
    return (dataclasses.replace(rules, solution=_labels_of(reached), mistakes=[
        dataclasses.replace(m, computes=_labels_of(m.computes)) for m in rules.mistakes]),
        (_labels_of(reached_by),))


def _judge(args, returned) -> str | None:
    """What is wrong with the answer on this configuration, naming missing and extra nodes."""
    if isinstance(returned, _Problem):
        return str(returned)
    leaf, output = args
    expected = _as_labels(reached(leaf, output), output)
    if returned == expected:
        return None
    missing = [label for label in expected if label not in returned]
    extra = [label for label in returned if label not in expected]
    said = (f"after a change of {leaf.label}, your answer "
            + (f"misses {', '.join(missing)}" if missing else "")
            + (" and " if missing and extra else "")
            + (f"holds {', '.join(extra)}, which the change does not reach" if extra else "")
            + ".")
    return said  # the runner adds the hint of a MISTAKES row that gives the same answer


@check("04_computational_graphs", "which nodes a change of one leaf reaches",
       solution=reached,
       configurations=[dict(label=f"{graph}, leaf {leaf}", graph=graph, leaf=leaf)
                       for graph, leaves in LEAVES.items() for leaf in leaves],
       make=_make,
       prepare=_prepare,
       judge=_judge,
       mistakes=MISTAKES,
       observed=_observed,
       returns=("the reached nodes",),
       formulas={"in code": "parent is leaf or parent in reached"},
       crash_hints=[("has no attribute 'children'",
                     "a node knows only its parents (`node.parents`), not its children: which "
                     "function of the engine lists every node of the graph, parents first?")],
       success=lambda got: f"a change of w reaches ({', '.join(got['the reached nodes'])}); "
                           "right for every leaf of five graphs.")
def check_reached_by(reached_by):
    """`reached_by(leaf, output)`: the nodes a change of `leaf` reaches, `leaf` not included."""

"""The check of notebook 05's last exercise: the student's own scalar engine.

The student hands in a class (`Scalar`): numbers that remember their parents and the local
derivatives towards them, with +, ×, `sigmoid()` and `backward()`. The check builds the graphs
of `scalar_graphs` with the student's class and with the reference engine (`Node`), runs each
one's backward pass and compares the value and the bars of the leaves. `scalar_graphs.bars_with`
(the check's `adapt`, run where the student's code runs) turns the class into the function
tried; it runs `backward()` twice on each graph: bars computed afresh, as the engine's are.

The registered `solution` is a right class, in the student's signature; `prepare` tries each
mistake row's class as the student's is, and compares them all with the engine's pass. A
mistake row's `computes` is the class a student with that mistake would write: the right class
with one method written the mistaken way.
"""
from __future__ import annotations

import dataclasses
import math

from ..engine import Node, sigmoid, topological_order
from ..scalar_graphs import GRAPHS, bars, bars_with
from ._runner import Exercise, Mistake, check
from .graphs import the_messages

__all__ = ["check_scalar_engine"]


CONFIGURATIONS = [
    dict(label="σ(σ(σ(2w + 0.5))) at w = 0.7", graph="chain", values=dict(w=0.7)),
    dict(label="w·w + w at w = -1.5 (w twice in one product)", graph="twice",
         values=dict(w=-1.5)),
    dict(label="σ(xy)·(1 + xy + x)·2 at x = 0.5, y = -2 (x along three paths)",
         graph="diamond",
         values=dict(x=0.5, y=-2.0)),
    dict(label="the lecture's L_reg at w = -0.8, x = 1.5, b = 0.4, t = 0, λ = 0.3",
         graph="lecture", values=dict(w=-0.8, x=1.5, b=0.4, t=0.0)),
]


def _engine(graph: str, values: tuple) -> dict:
    """The reference: the same graph in the engine, and the engine's backward pass."""
    leaves = {name: Node(value, name=name) for name, value in values}
    output = GRAPHS[graph](leaves, sigmoid)
    output.backward()
    return {key: float(bar) for key, bar in bars(output, leaves).items()}


def _prepare(rules: Exercise, tried):
    """The mistake rows' classes tried as the student's is, against the engine's pass."""
    mistakes = [dataclasses.replace(m, computes=bars_with(m.computes)[0])
                for m in rules.mistakes]
    return dataclasses.replace(rules, solution=_engine, mistakes=mistakes), (tried,)


# -- a right class, and the classes of the typical mistakes --------------------------------------

class _Right:
    def __init__(self, value, parents=(), local=()):
        self.value, self.parents, self.local, self.bar = float(value), parents, local, 0.0

    @staticmethod
    def _node(other):
        return other if isinstance(other, _Right) else _Right(other)

    def __add__(self, other):
        other = self._node(other)
        return type(self)(self.value + other.value, (self, other), (1.0, 1.0))

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = self._node(other)
        return type(self)(self.value * other.value, (self, other), (other.value, self.value))

    def __rmul__(self, other):
        return self * other

    def sigmoid(self):
        y = 1.0 / (1.0 + math.exp(-self.value))
        return type(self)(y, (self,), (y * (1.0 - y),))

    def order(self) -> list:
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)
        visit(self)
        return order

    def reset(self, order) -> None:
        for node in order:
            node.bar = 0.0

    #: The seed n̄_N; how each message reaches its parent's bar (added: the sum over children).
    SEED: float | None = 1.0

    @staticmethod
    def send(parent, message) -> None:
        parent.bar += message

    def walk(self, order) -> list:
        """The order of the backward pass: the topological order reversed."""
        return order[::-1]

    def backward(self):
        order = self.order()
        self.reset(order)
        if self.SEED is not None:
            self.bar = self.SEED
        for node in self.walk(order):
            for parent, local in zip(node.parents, node.local, strict=True):
                self.send(parent, node.bar * local)


# Each mistake below is the right class with one part written the mistaken way.

class _Overwrite(_Right):
    @staticmethod
    def send(parent, message) -> None:
        parent.bar = message


class _NoReset(_Right):
    def reset(self, order) -> None:
        pass


class _NoSeed(_Right):
    SEED = None


class _ForwardOrder(_Right):
    def walk(self, order) -> list:
        return order


class _NoSeen(_Right):
    def order(self) -> list:
        order = []

        def visit(node):
            for parent in node.parents:
                visit(parent)
            order.append(node)
        visit(self)
        return order


class _SigmaNotPrime(_Right):
    def sigmoid(self):
        y = 1.0 / (1.0 + math.exp(-self.value))
        return type(self)(y, (self,), (y,))


class _PrimeOfOutput(_Right):
    def sigmoid(self):
        y = 1.0 / (1.0 + math.exp(-self.value))
        s = 1.0 / (1.0 + math.exp(-y))
        return type(self)(y, (self,), (s * (1.0 - s),))


class _PrimeOfInput(_Right):
    def sigmoid(self):
        y = 1.0 / (1.0 + math.exp(-self.value))
        return type(self)(y, (self,), (self.value * (1.0 - self.value),))


class _OwnFactor(_Right):
    def __mul__(self, other):
        other = self._node(other)
        return type(self)(self.value * other.value, (self, other), (self.value, other.value))


MISTAKES = [
    Mistake("no-seed", _NoSeed,
            "every bar is 0: the pass starts from the output's own bar, n̄_N = "
            "∂n_N/∂n_N. What is that number, and is it set before the loop?"),
    Mistake("no-reset", _NoReset,
            "right the first time, off the second: run twice on the same graph, the bars grow. "
            "The engine computes bars afresh on every backward pass: what must every node's "
            "bar be before the seed is set?"),
    Mistake("overwrite", _Overwrite,
            "a node with several children keeps only one message: each child's message must be "
            "added to the parent's bar, not replace it (the missing plus of this notebook)."),
    Mistake("sigma-not-prime", _SigmaNotPrime,
            "the message through a sigmoid is off: its local derivative is σ′(z), not σ(z). "
            "Notebook 03 wrote σ′ in terms of the output y."),
    Mistake("prime-of-output", _PrimeOfOutput,
            "the message through a sigmoid is off: σ′ is taken at the wrong number. Your node "
            "holds y = σ(z): is σ′(z) written in y, or is σ applied to y once more?"),
    Mistake("prime-of-input", _PrimeOfInput,
            "the message through a sigmoid is off: its local derivative is written with the "
            "node's input z; notebook 03 writes σ′ with the output y = σ(z)."),
    Mistake("own-factor", _OwnFactor,
            "the messages of a product are off: ∂(ab)/∂a is the other factor, not a itself."),
    Mistake("forward-order", _ForwardOrder,
            "bars reach a node before all its children have sent theirs: the backward pass "
            "visits the nodes in reverse topological order, the output first."),
    Mistake("visited-twice", _NoSeen,
            "a node reached along two paths sends its messages twice: your topological order "
            "lists it twice. Keep a set of the nodes already visited, as in notebook 04."),
]

CRASH_HINTS = [
    ("unsupported operand type(s) for *: 'float'",
     "`0.5 * w` asks the float first, which does not know your class; Python then calls "
     "your class's `__rmul__(self, other)` with other = 0.5. Define it (and `__radd__`)."),
    ("unsupported operand type(s) for +: 'float'",
     "`2.0 + w` asks the float first; Python then calls your class's `__radd__`. Define it."),
    ("object has no attribute 'value'",
     "a plain number reached a place where a node was expected: in `__add__` and `__mul__`, "
     "turn a number `other` into a node first (`Scalar(other)`)."),
    ("has no attribute 'backward'",
     "the graph's output is not a node of your class: do `+`, `*` and `sigmoid()` each return "
     "a new node (with its parents and local derivatives), not a plain number?"),
    ("has no attribute 'sigmoid'",
     "a plain number is asked for its sigmoid: it is not a node of your class. Do `+` and `*` "
     "each return a new node (with its parents and local derivatives), not a plain number?"),
    ("RecursionError",
     "does your topological sort stop? Visit a node's parents only the first time you reach it."),
]


@check("05_backprop_algorithm.ipynb", "Your own scalar engine",
       refuses=lambda: (topological_order, *the_messages()), exact=True,
       solution=_Right, configurations=CONFIGURATIONS,
       make=lambda c: (c["graph"], tuple(c["values"].items())), mistakes=MISTAKES,
       crash_hints=CRASH_HINTS, returns=("bars",), adapt=bars_with, prepare=_prepare,
       formulas={"the walk": "parent.bar += node.bar * local", "the seed": "self.bar = 1.0",
                 "σ's local derivative": "y * (1.0 - y)",
                 "a product's": "(other.value, self.value)"},
       success="your engine gives the engine's value and bars on every graph tried: a chain "
               "of sigmoids, w twice in one product, a diamond and the lecture's L_reg, "
               "run twice each.")
def check_scalar_engine(Scalar):  # noqa: N803  (the student's class, by its name)
    """Build small graphs with your class, run `backward()` twice, compare with the engine."""

"""The check of notebook 05's own scalar engine, handed classes as students write them."""
from __future__ import annotations

import math

import pytest

from course_utils.checks import check_scalar_engine
from course_utils.checks.own_engine import _Right
from course_utils.engine import Node, sigmoid


class Stub:
    """The student edition's class: every method still raises."""

    def __init__(self, value, parents=(), local=()):
        self.value, self.parents, self.local, self.bar = float(value), parents, local, 0.0

    def __add__(self, other):
        raise NotImplementedError()

    __radd__ = __mul__ = __rmul__ = __add__

    def sigmoid(self):
        raise NotImplementedError()

    def backward(self):
        raise NotImplementedError()


class PullingBars(_Right):
    """Another right way: each node collects its children's messages (notebook 05's pass)."""

    def backward(self):
        order = self.order()
        children = {id(node): [] for node in order}
        for node in order:
            for parent, local in zip(node.parents, node.local, strict=True):
                children[id(parent)].append((node, local))
        self.bar = 1.0
        for node in reversed(order[:-1]):
            node.bar = sum(child.bar * local for child, local in children[id(node)])


class NoRightHand(_Right):
    """No `__rmul__` of its own: for `2.0 * w` Python finds nothing that multiplies."""

    def __rmul__(self, other):
        return NotImplemented    # what Python does when a class has no __rmul__


class NumbersOut(_Right):
    """+ hands back a plain number: no node, no graph."""

    def __add__(self, other):
        return self.value + (other.value if isinstance(other, _Right) else other)


class OnTheEngine(Node):
    """The engine's Node with a sigmoid method: no pass of one's own."""

    def sigmoid(self):
        return sigmoid(self)


class SigmaFromInput(_Right):
    """σ′ from the input z written as z(1 − z): a sigmoid of 03 misremembered."""

    def sigmoid(self):
        y = 1.0 / (1.0 + math.exp(-self.value))
        return type(self)(y, (self,), (self.value * (1.0 - self.value),))


class Copied(_Right):
    """The right engine, as a class of the student's own (the check's own class is refused)."""


@pytest.mark.parametrize("answer, status, words", [
    (Copied, "correct", ["run twice each"]),
    (PullingBars, "correct", ["run twice each"]),
    (Stub, "not attempted", ["NotImplementedError"]),
    (NoRightHand, "wrong", ["`__rmul__(self, other)`", "other = 0.5"]),
    (NumbersOut, "wrong", ["not a node of your class"]),
    (OnTheEngine, "wrong", ["built on the engine's Node"]),
    (SigmaFromInput, "wrong", ["σ(σ(σ(2w + 0.5)))", "w_bar'] is off", "input z"]),
    (3.0, "wrong", ["takes your class itself"]),
])
def test_answers_as_students_write_them(answer, status, words):
    verdict = check_scalar_engine(answer, show=False)
    assert verdict.status == status, repr(verdict)
    for word in words:
        assert word in verdict.message, repr(verdict)
    assert "(y * (1.0 - y)" not in verdict.message and "+=" not in verdict.message


def test_the_registered_right_class_gives_the_engines_bars_on_every_graph():
    """The reference class, which every mistake row changes in one method, is the engine."""
    from course_utils.checks.own_engine import CONFIGURATIONS, _engine
    from course_utils.scalar_graphs import bars_with
    tried = bars_with(_Right)[0]
    for configuration in CONFIGURATIONS:
        values = tuple(configuration["values"].items())
        ours, engine = tried(configuration["graph"], values), _engine(configuration["graph"],
                                                                      values)
        assert ours.keys() == engine.keys()
        assert all(math.isclose(ours[k], engine[k], rel_tol=1e-12, abs_tol=1e-15)
                   for k in ours), (configuration["label"], ours, engine)


class WrapsTheEngine:
    """A class that keeps an engine Node inside and lets the engine do the pass."""

    def __init__(self, value):
        self.node = value if isinstance(value, Node) else Node(value)

    value = property(lambda self: float(self.node.value))
    bar = property(lambda self: float(self.node.bar))

    def __add__(self, other):
        return WrapsTheEngine(self.node + getattr(other, "node", other))

    def __mul__(self, other):
        return WrapsTheEngine(self.node * getattr(other, "node", other))

    __radd__, __rmul__ = __add__, __mul__

    def sigmoid(self):
        return WrapsTheEngine(sigmoid(self.node))

    def backward(self):
        self.node.backward()


def test_a_class_that_lets_the_engine_do_the_pass_is_told_so():
    verdict = check_scalar_engine(WrapsTheEngine, show=False)
    assert verdict.status == "wrong" and ("made nodes of the engine" in verdict.message or
                                          "calls `engine." in verdict.message), repr(verdict)


class NoNumberOnTheLeft(_Right):
    """`__radd__` still the stub: `1 + a` finds no way to add a number on the left."""

    def __radd__(self, other):
        raise NotImplementedError()


def test_a_class_without_a_number_on_the_left_of_a_sum_is_not_done():
    """Every graph holds a number beside a node on one side or the other: a stub left in
    `__radd__` (or a number not turned into a node) does not get a ✔."""
    verdict = check_scalar_engine(NoNumberOnTheLeft, show=False)
    assert verdict.status == "not attempted" and "__radd__" in verdict.message, repr(verdict)

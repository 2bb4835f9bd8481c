"""Notebook 06: patterns in the backward flow (max routes) and debugging with gradient checks.

`planted_bugs()` hands out three rows of a derivative table with one bug each (a sign, a
missing bar, a transpose), as bugs really slip in; `graph_around(op)` puts one operation alone
in a small graph, in the middle (its bar is not 1), so that `check_graph`'s per-leaf report
points at the argument whose message is wrong.
"""
from __future__ import annotations

import numpy as np

from ..engine import Node, Operation, topological_order
from ..gradcheck import numerical_gradient

__all__ = ["check_maximum_message", "check_planted_fixes"]


# --------------------------------------------------------------------------------------------
# Three rows with a planted bug each. Do not read them before the gradient check has spoken.
# --------------------------------------------------------------------------------------------

def _sub_message_a(bar, out, a, b):
    return bar


def _sub_message_b(bar, out, a, b):
    return bar


def _sigmoid_message(bar, out, a):
    return out * (1 - out)


def _matmul_message_a(bar, out, a, b):
    return bar @ b.T


def _matmul_message_b(bar, out, a, b):
    return bar.T @ a


def planted_bugs() -> dict:
    """Three operations, each with one wrong message: {"sub": ..., "sigmoid": ..., "matmul": ...}."""
    return {
        "sub": Operation("sub", np.subtract, (_sub_message_a, _sub_message_b),
                         "{0} − {1}", ("1", "?")),
        "sigmoid": Operation("sigmoid", lambda a: 1 / (1 + np.exp(-a)), (_sigmoid_message,),
                             "σ({0})", ("?",)),
        "matmul": Operation("matmul", np.matmul, (_matmul_message_a, _matmul_message_b),
                            "{0} @ {1}", ("{bar}·{1}ᵀ", "?")),
    }


def graph_around(op: Operation, seed: int = 0, shape: tuple = (3, 3)) -> Node:
    """L = Σ c ⊙ op(a, b) (or op(a)) with random leaves a, b and constant weights c.

    The weights c make the operation's bar differ from 1 and from entry to entry, so a message
    that forgets the bar, or mixes up its entries, shows in the report of its argument's leaf.
    """
    rng = np.random.default_rng(seed)
    leaves = [Node(rng.normal(size=shape), name=name) for name in "ab"[:len(op.vjps)]]
    out = op(*leaves, name="out")
    return (out * rng.uniform(0.5, 2.0, size=out.shape)).sum(name="L")


def bar_and_numerical(output: Node, name: str) -> tuple:
    """The bar of `output`'s leaf called `name` after a backward pass, and finite differences."""
    leaf = next(n for n in topological_order(output) if n.op is None and n.name == name)
    output.backward()
    bar, saved = leaf.bar, leaf.value

    def f(value):
        leaf.value = value
        output.forward()
        return output.value

    numerical = numerical_gradient(f, saved)
    leaf.value = saved
    output.forward()
    return bar, numerical


# --------------------------------------------------------------------------------------------
# The checks (provisional)
# --------------------------------------------------------------------------------------------

from ._verdict import call_student, check, correct, wrong  # noqa: E402


@check
def check_maximum_message(operation):
    a, b = np.array([1.0, -2.0, 3.0, 0.5]), np.array([2.0, -3.0, 3.0, -1.0])
    bar = np.array([1.5, 0.5, 2.0, -1.0])
    out = np.maximum(a, b)
    ga = call_student(operation.vjps[0], bar, out, a, b)
    gb = call_student(operation.vjps[1], bar, out, a, b)
    ok = np.allclose(np.asarray(ga) + np.asarray(gb), bar) and np.allclose(np.asarray(ga)[[0, 1, 3]], (bar * (a > b))[[0, 1, 3]])
    return correct("max routes.") if ok else wrong("max routes the bar.")


@check
def check_planted_fixes(sub_message_b, sigmoid_message, matmul_message_b):
    rng = np.random.default_rng(1)
    a, b, g = rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4))
    y = 1 / (1 + np.exp(-a))
    ok = (np.allclose(call_student(sub_message_b, g, a - a, a, a), -g)
          and np.allclose(call_student(sigmoid_message, g[:, :2], y, a), g[:, :2] * y * (1 - y))
          and np.allclose(call_student(matmul_message_b, g, a @ b, a, b), a.T @ g))
    return correct("all three fixed.") if ok else wrong("not all fixed.")

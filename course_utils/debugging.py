"""Debugging with gradient checks (notebook 06): three operations with a planted bug each.

`planted_bugs()` hands out three rows of a derivative table with one bug each (a sign, a
missing bar, a transpose), as bugs really slip in. Do not read them before the gradient check
has spoken. `graph_around(op)` puts one operation alone in a small graph, in the middle (its
bar is not 1), so that `check_graph`'s per-leaf report points at the argument whose message is
wrong; `bar_and_numerical` puts a leaf's bar beside finite differences.
"""
from __future__ import annotations

import numpy as np

from .engine import Node, Operation, topological_order
from .gradcheck import numerical_bar


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
    """Three operations by name ("sub", "sigmoid", "matmul"), each with one wrong message."""
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
    return leaf.bar, numerical_bar(output, leaf)

"""The graphs notebook 05's own scalar engine is tried on, written once for any kind of node.

Each graph is built from a dict of leaves and a sigmoid (`sigmoid(node)` for the engine,
`node.sigmoid()` for the student's class), so the same code builds it with the engine's `Node`
and with the student's `Scalar`. `bars_with(Scalar)` is how the check tries a class: it runs
where the student's code runs (the notebook's kernel, or the grader's worker), and what it
returns are plain numbers. No answer is here: the reference is the engine's own pass.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def chain(v: dict, sig: Callable):
    """Three sigmoids in a row, after a node plus a number: the order matters, every node has
    one child."""
    return sig(sig(sig(2.0 * v["w"] + 0.5)))


def twice(v: dict, sig: Callable):
    """w · w + w: w is both arguments of one child, and the argument of another."""
    return v["w"] * v["w"] + v["w"]


def diamond(v: dict, sig: Callable):
    """a = x·y feeds σ(a) and 1 + a + x (a number plus a node), their product times 2 (a node
    times a number): x is reached along three paths."""
    a = v["x"] * v["y"]
    return sig(a) * (1.0 + a + v["x"]) * 2.0


def lecture(v: dict, sig: Callable):
    """The lecture's regularised model, constants first as Python writes them:
    L_reg = ½(σ(wx + b) − t)² + λ·½w², with λ = 0.3."""
    d = sig(v["w"] * v["x"] + v["b"]) + -1.0 * v["t"]
    return 0.5 * d * d + 0.3 * (0.5 * v["w"] * v["w"])


GRAPHS = {"chain": chain, "twice": twice, "diamond": diamond, "lecture": lecture}


def bars(output, leaves: dict) -> dict:
    """What is compared: the output's value and each leaf's bar, named as in code (`w_bar`)."""
    return {"value": output.value, **{f"{name}_bar": leaf.bar for name, leaf in leaves.items()}}


def bars_with(Scalar: Any) -> list:  # noqa: N803  (the student's class, by its name)
    """The function the check calls for a student's class: (graph, leaf values) -> the values
    and bars after building the graph and running `backward()` twice (bars are computed
    afresh, as the engine's are). Refuses what is not a class of the student's own."""
    from . import engine
    from .engine import Node
    node: Callable[[float], Any] = Scalar     # a new leaf of the student's class
    if not inspect.isclass(Scalar):
        raise ValueError(f"check_scalar_engine takes your class itself, "
                         f"`check_scalar_engine(Scalar)`, not {type(Scalar).__name__} "
                         f"{Scalar!r}: the check makes its own nodes with it.")
    if issubclass(Scalar, Node):
        raise ValueError(f"{Scalar.__name__} is built on the engine's Node, whose backward "
                         "pass is the engine's: the exercise is to write that pass yourself, "
                         "on plain numbers.")

    def tried(graph: str, values: tuple) -> dict:
        clock = next(engine._clock)       # every engine node's value takes the next tick
        leaves = {name: node(value) for name, value in values}
        output = GRAPHS[graph](leaves, lambda node: node.sigmoid())
        output.backward()
        output.backward()
        if next(engine._clock) != clock + 1:
            raise ValueError(f"{Scalar.__name__} made nodes of the engine: the exercise is to "
                             "write the backward pass yourself, on plain numbers.")
        return bars(output, leaves)
    tried.__name__ = Scalar.__name__
    return [tried]

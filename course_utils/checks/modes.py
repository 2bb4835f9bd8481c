"""Notebook 08: forward mode against reverse mode, and the check of the forward-mode exercise.

Forward mode pushes a *tangent* (how much each node moves when one input moves) from that input
through the graph, in topological order: one sweep per input direction. Reverse mode (backprop)
pulls bars from the output: one sweep per output. The same engine graph serves both.
"""
from __future__ import annotations

import numpy as np

from ..engine import Node, topological_order

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
    values = [a.value if isinstance(a, Node) else a for a in node.args]
    if node.op.name in _LINEAR_IN_EACH:
        values[i] = np.asarray(tangent, dtype=float)
        return np.broadcast_to(node.op.forward(*values, **node.params), node.shape)
    spread = np.broadcast_to(np.asarray(tangent, dtype=float), node.shape)
    message = node.op.vjps[i](spread, node.value, *values, **node.params)
    return np.broadcast_to(message, node.shape)


def forward_mode(output: Node, leaf: Node, direction) -> np.ndarray:
    """The tangent of `output` when `leaf` moves along `direction`: one forward-mode sweep."""
    tangents: dict = {}
    for node in topological_order(output):
        if node is leaf:
            tangents[node] = np.asarray(direction, dtype=float)
        elif node.op is None:
            tangents[node] = np.zeros_like(node.value)
        else:
            tangents[node] = sum((tangent_message(node, i, tangents[arg])
                                  for i, arg in enumerate(node.args) if isinstance(arg, Node)),
                                 np.zeros_like(node.value))
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
# The check (provisional)
# --------------------------------------------------------------------------------------------

from ._verdict import call_student, check, correct, wrong  # noqa: E402


@check
def check_forward_mode(student_forward_mode):
    from ..lecture import regularised_example
    ex = regularised_example(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)
    got = call_student(student_forward_mode, ex.L_reg, ex.w, 1.0)
    want = forward_mode(ex.L_reg, ex.w, 1.0)
    if np.allclose(got, want):
        return correct("forward mode agrees.")
    return wrong("forward mode differs.")

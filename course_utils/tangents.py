"""Forward mode's one message (notebook 08): what a node receives from one argument's tangent.

Forward mode pushes a tangent (how much each node moves when one input moves) through the
graph; `tangent_message` is the step from one argument to the node, from the engine's own
operations: notebook 08's forward-mode exercise builds its sweep on it.
"""
from __future__ import annotations

import numpy as np

from .engine import Node, value_of

#: Operations linear in each argument on its own: the tangent goes through the forward
#: function itself (d(a @ b) = da @ b + a @ db). Every other operation is elementwise.
_LINEAR_IN_EACH = {"matmul", "mul", "sum", "mean", "neg"}


def tangent_message(node: Node, i: int, tangent) -> np.ndarray:
    """What `node` receives from its argument i in forward mode: d node / d arg_i times tangent.

    This is a Jacobian-vector product. For an elementwise operation the Jacobian is diagonal
    (entry k of the output depends on entry k of each argument only), so J·v and the backward
    pass's vᵀ·J are the same product, entry by entry: the table's vjp serves both directions.
    """
    op = node.op
    if op is None:
        raise ValueError(f"tangent_message: {node.label} is a leaf; only a computed node "
                         "receives tangents from its arguments.")
    values: list = [value_of(a) for a in node.args]
    if op.name in _LINEAR_IN_EACH:
        values[i] = np.asarray(tangent, dtype=float)
        return np.broadcast_to(op.forward(*values, **node.params), node.shape)
    spread = np.broadcast_to(np.asarray(tangent, dtype=float), node.shape)
    vjp = op.vjps[i]
    assert vjp is not None, "a constant argument sends no tangent"
    message = vjp(spread, node.value, *values, **node.params)
    return np.broadcast_to(message, node.shape)

"""Gradient checking: compare backprop's bars with finite differences.

Finite differences need nothing but the forward computation, so they are an independent
witness: if backprop and the numerical gradient agree to many digits, the local derivatives
are right (the CS231n habit: always gradient-check a new layer).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import Node, topological_order

#: A relative error below this reads as "right": backprop and finite differences agree to 7 or
#: more digits (central differences with eps = 1e-6 are good to about 1e-10 on smooth functions).
RIGHT_THRESHOLD = 1e-7


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + eps) - f(x - eps)) / 2eps for every entry of the array x.

    `f` maps an array shaped like x to a scalar. x is not changed.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = float(f(x))
        x[i] = saved - eps
        down = float(f(x))
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def rel_error(a, b) -> float:
    """max |a - b| / (|a| + |b|), entry by entry: 0 for equal arrays, 1 for opposite signs."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes {a.shape} and {b.shape} differ; compare arrays "
                         "of the same shape.")
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)), initial=0.0))


def reading(error: float) -> str:
    """The size of a relative error in plain words."""
    if error < RIGHT_THRESHOLD:
        return "right: the two agree to 7 or more digits"
    if error < 1e-4:
        return "probably right, but check a kink (relu) or a tiny value nearby"
    if error < 1e-2:
        return "suspicious: usually a bug, unless the function has a kink nearby"
    return "wrong: the two gradients disagree"


@dataclass(frozen=True)
class GradcheckReport:
    """Relative error of every leaf's bar against finite differences, worst first."""
    errors: dict

    @property
    def worst(self) -> tuple[str, float]:
        return max(self.errors.items(), key=lambda item: item[1])

    @property
    def ok(self) -> bool:
        return self.worst[1] < RIGHT_THRESHOLD

    def __repr__(self) -> str:
        name, error = self.worst
        lines = [f"  {leaf:>8}: {err:.1e}" for leaf, err in self.errors.items()]
        return "\n".join([f"gradient check: worst leaf {name}, relative error {error:.1e}, "
                          f"{reading(error)}"] + lines)


def numerical_bar(output: Node, leaf: Node, eps: float = 1e-6) -> np.ndarray:
    """d output / d leaf by central differences: the leaf nudged one entry at a time and the
    graph re-evaluated with forward(); the leaf's value is restored afterwards."""
    saved = leaf.value

    def f(v):
        leaf.value = v
        output.forward()
        return output.value

    numerical = numerical_gradient(f, saved, eps)
    leaf.value = saved
    output.forward()
    return numerical


def check_graph(output: Node, eps: float = 1e-6) -> GradcheckReport:
    """Run output.backward() and compare every leaf's bar with finite differences.

    Leaves are perturbed one entry at a time and the graph re-evaluated with forward().
    """
    output.forward()
    output.backward()
    leaves = [n for n in topological_order(output) if n.op is None]
    errors: dict[str, float] = {}
    for leaf in leaves:
        bar = leaf.bar
        key = leaf.name if leaf.name and leaf.name not in errors else f"leaf {len(errors) + 1}"
        errors[key] = rel_error(bar, numerical_bar(output, leaf, eps))
    return GradcheckReport(errors)

"""The engine's guards: every input it refuses, with a message that says what was given, what
was expected and what to write instead.

They live apart from `engine.py` so that the engine reads as the algorithm; each guard is called
where the engine would otherwise fail deep inside numpy, or silently compute a wrong bar.
"""
from __future__ import annotations

import numbers

import numpy as np

ACCEPTED = "a number, or a (nested) list / numpy array of numbers"


class ShapeError(ValueError):
    """Shapes, axes or sizes an operation cannot take; the message says what was expected."""


def as_value(value, what: str = "Node") -> np.ndarray:
    """`value` as a new float64 array, or a TypeError saying what was given and what is accepted.

    A float64 array made read-only that owns its memory is kept as it is: it cannot change under
    the graph, so big data costs no copy. Everything else is copied.
    """
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case, made fast
        return value if not value.flags.writeable and value.flags.owndata else value.copy()
    if type(value) in (float, int):
        return np.array(value, dtype=np.float64)
    if isinstance(value, (str, bytes, complex)) or value is None:
        raise TypeError(f"{what}: got {type(value).__name__} {value!r}; expected {ACCEPTED}.")
    try:
        array = np.asarray(value)
    except ValueError:  # numpy's complaint about a ragged list
        raise TypeError(f"{what}: got a ragged list {value!r} (rows of different lengths); "
                        f"expected {ACCEPTED} with a rectangular shape.") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: got {type(value).__name__} with elements of type "
                        f"{array.dtype}; expected {ACCEPTED}.")
    return np.array(array, dtype=np.float64)


def node_as_value(label: str, what: str) -> TypeError:
    """A node given where a value is expected (`Node(w)`, `node.value = w`)."""
    return TypeError(f"{what}: got a Node ({label}); expected {ACCEPTED}. Combine nodes with "
                     "operators instead, e.g. `w * x + b`.")


def constants_only(op, nodes: dict) -> None:
    """Refuse a node (position → node) where `op` takes a constant (no message goes there)."""
    for i, node in nodes.items():
        if i < len(op.vjps) and op.vjps[i] is None:
            raise TypeError(f"{op.name}: argument {i + 1} must be a constant number, not a Node "
                            f"({node.label}); no derivative is defined for it.")


def constant_exponent(k, label: str) -> None:
    """`node ** k` needs a number k: the table has no message for the exponent."""
    if not isinstance(k, numbers.Real):
        raise TypeError(f"pow: the exponent must be a constant number, got {type(k).__name__}; "
                        f"write e.g. `{label} ** 2`.")


def positive_base(k, label: str) -> np.ndarray:
    """The base of `k ** node` as an array, refused unless positive: k^x·ln k needs k > 0."""
    base = as_value(k, "rpow: the base")
    if np.any(base <= 0):
        raise ValueError(f"rpow: the base of `k ** {label}` must be positive, got {k!r}; "
                         "k^x·ln k, its derivative, needs k > 0.")
    return base


def check_axis(name: str, a: np.ndarray, axis) -> None:
    """A reduction's axis: None, an int or a tuple of distinct ints, each an axis of `a`."""
    if axis is None:
        return
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not isinstance(axis, (tuple, numbers.Integral)) or \
            not all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in axes):
        hint = f"; write axis={tuple(axis)}" if isinstance(axis, list) else ""
        raise TypeError(f"{name}: axis must be None, an int or a tuple of ints, got "
                        f"{type(axis).__name__} {axis!r}{hint}.")
    if a.ndim == 0:
        raise ShapeError(f"{name}: a 0-d value (one number) has no axis {axis!r}; leave the "
                         f"axis out, e.g. `.{name}()`.")
    for k in axes:
        if not -a.ndim <= k < a.ndim:
            raise ShapeError(f"{name}: axis {k} is out of range for shape {a.shape}; expected "
                             f"an axis from {-a.ndim} to {a.ndim - 1}.")
    if len({k % a.ndim for k in axes}) < len(axes):
        raise ShapeError(f"{name}: axis {axis!r} names the same axis twice (shape {a.shape}); "
                         "name each axis once.")


_SYMBOLS = {"add": "+", "sub": "−", "mul": "·", "div": "/", "matmul": "@"}


def shape_problem(name: str, values: list) -> ShapeError:
    """Why numpy refused the arguments' shapes, in the words of the lecture."""
    if name == "matmul" and any(v.ndim == 0 for v in values):
        return ShapeError(f"matmul needs at least 1-d operands, got shapes {values[0].shape} @ "
                          f"{values[1].shape}; multiply by a single number with * instead.")
    shapes = f" {_SYMBOLS.get(name, ',')} ".join(str(v.shape) for v in values)
    rule = ("the last dimension on the left must equal the first (of the last two) on the right"
            if name == "matmul" else
            "compared from the right, each pair of dimensions must be equal or contain a 1")
    return ShapeError(f"{name}: shapes {shapes} do not fit together: {rule}.")


def numpy_on_a_node(function: str, node, operations) -> TypeError:
    """numpy's `function` applied to a node: it would compute a number but no graph, so no bar."""
    x = node.name if node.name is not None and node.name.isidentifier() else "x"
    if function in ("sum", "mean"):
        hint = f"write `{x}.{function}()` (or `.{function}(axis=...)`)"
    elif function in ("exp", "log", "tanh"):
        hint = f"write `{function}({x})` with `from course_utils.engine import {function}`"
    elif function in operations:
        hint = f"write `OPERATIONS[{function!r}]({x})` from course_utils.engine"
    else:
        hint = (f"use `{x}.value` for its numbers, or build the node from the engine's "
                f"operations ({', '.join(operations)})")
    return TypeError(f"np.{function} does not take a Node ({node.label}): it would compute a "
                     f"number but no graph, so no bar; {hint}.")


def scalar_output(node) -> None:
    """backward() starts from a loss: the seed n̄_N = 1 is a single number."""
    if node.value.size != 1:
        raise ValueError(f"backward: the output must be a scalar (a loss), but {node.label} "
                         f"has shape {node.shape}; reduce it first, e.g. `.sum()` or `.mean()`.")


def finite(node, array: np.ndarray, what: str) -> None:
    """With check_finite: the first node whose value or bar holds a nan or an inf."""
    if not np.all(np.isfinite(array)):
        kind = "nan" if np.any(np.isnan(array)) else "inf"
        raise FloatingPointError(f"the {what} of node {node.label!r} is not finite (it contains "
                                 f"{kind}); this is the first node where it appears.")


def fresh_values(order: list) -> None:
    """Raise if a node's value is older than one of its parents' (a leaf changed since): its
    bars would mix old and new values. `_stamp` orders every value a node gets."""
    for node in order:
        for parent in node.parents:
            if parent._stamp > node._stamp:
                raise RuntimeError(
                    f"backward: {parent.label} changed after {node.label} was computed from it, "
                    "so the bars would mix old and new values; run forward() on the output "
                    "first, then backward().")


def cycle(stack: list, parent) -> ValueError:
    """A parent still open on the depth-first stack is its own ancestor: a cycle, no order."""
    path = [node for node, _ in stack]
    cycle = path[path.index(parent):] + [parent]
    return ValueError("topological_order: the graph has a cycle, "
                      f"{' → '.join(n.label for n in cycle)} (each computed from the next), so "
                      "no order puts every node after its parents; build the graph anew instead "
                      "of editing .args or .parents.")

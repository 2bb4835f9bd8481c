"""The reference backprop engine: tensor-valued nodes on numpy.

A `Node` is a variable of the computational graph (scalar, vector, matrix, tensor). Every
operation has a single output and knows only its own local derivatives, written in one table
(`OPERATIONS` below): the lecture's "modularity" slide in code. `Node.forward` and
`Node.backward` are the lecture's backpropagation algorithm (Goodfellow Algorithms 6.1, 6.2):

1. a topological ordering of the graph;
2. the forward pass: evaluate every node in that order;
3. the seed: the output's bar is 1;
4. the backward pass: in reverse order, each node's bar is the sum over its children of
   (child's bar x local derivative), i.e. the messages its children send it.

Numbers and numpy arrays mixed into an expression are constants: they are not nodes, so no bar
is computed for them (data as plain arrays costs no backward work). A constant, like a value you
set, is copied when its node is built, whatever its dtype: changing the array afterwards does not
change the graph. The one exception cannot change anyway: a float64 array you made read-only
(`X.setflags(write=False)`) that owns its memory is kept as it is, so big data costs no copy.
"""
from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .notation import fill, plain

# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

def as_value(value, what: str = "Node") -> np.ndarray:
    """`value` as a new float64 array, or a TypeError saying what was given and what is accepted."""
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case, made fast
        # read-only and owning its memory, the array cannot change under the graph: no copy needed
        return value if not value.flags.writeable and value.flags.owndata else value.copy()
    if type(value) in (float, int):
        return np.array(value, dtype=np.float64)
    accepted = "a number, or a (nested) list / numpy array of numbers"
    if isinstance(value, Node):
        raise TypeError(f"{what}: got a Node ({value.label}); expected {accepted}. "
                        "Combine nodes with operators instead, e.g. `w * x + b`.")
    if isinstance(value, (str, bytes, complex)) or value is None:
        raise TypeError(f"{what}: got {type(value).__name__} {value!r}; expected {accepted}.")
    try:
        array = np.asarray(value)
    except ValueError:  # numpy's complaint about a ragged list
        raise TypeError(f"{what}: got a ragged list {value!r} (rows of different lengths); "
                        f"expected {accepted} with a rectangular shape.") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: got {type(value).__name__} with elements of type "
                        f"{array.dtype}; expected {accepted}.")
    return np.array(array, dtype=np.float64)


def unbroadcast(message: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a message back to `shape`: undoes numpy broadcasting, for every operation at once.

    A value that was broadcast (a bias added to every row, say) was used several times, so its
    bar is the sum of the messages of all its copies.
    """
    if message.shape == shape:
        return message
    extra = message.ndim - len(shape)
    message = message.sum(axis=tuple(range(extra))) if extra else message
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and message.shape[i] != 1)
    return message.sum(axis=stretched, keepdims=True) if stretched else message


class ShapeError(ValueError):
    """Shapes, axes or sizes an operation cannot take; the message says what was expected."""


# --------------------------------------------------------------------------------------------
# Operations: the table of local derivatives
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One operation: its forward function and, per argument, its message function.

    `vjps[i](bar, out, a, b, ...)` is the message the output `out` sends its argument i (a, b,
    ... are the argument values): the output's bar times the local derivative d out / d arg_i
    (for tensors: a vector-Jacobian product). None marks an argument that must be a constant.
    `formula` and `local` say the same in text ("{0}" is the first argument), for pictures;
    where a message is not simply bar x local (matrix products), `local` shows the whole
    message, "{bar}" standing for the output's bar, e.g. "{0}ᵀ·{bar}". `symbols` may name
    constant arguments in those texts, e.g. (None, None, "λ"); otherwise their value is shown.
    """
    name: str
    forward: Callable[..., Any]
    vjps: tuple[Callable[..., Any] | None, ...]
    formula: str
    local: tuple[str, ...]
    symbols: tuple[str | None, ...] = ()

    def __call__(self, *args, name: str | None = None, **params) -> Node:
        return Node._apply(self, args, params, name)


def _matmul_shapes(a, b):
    """Shapes of a and b promoted to matrices, and of their product (numpy's 1-d rules)."""
    a2 = (1,) + a.shape if a.ndim == 1 else a.shape
    b2 = b.shape + (1,) if b.ndim == 1 else b.shape
    return a2, b2, np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])


def _matmul_message_a(bar, out, a, b):
    """bar · bᵀ, with numpy's rules for vectors and stacks of matrices."""
    if a.ndim == 2 and b.ndim == 2:
        return bar @ b.T
    a2, b2, out2 = _matmul_shapes(a, b)
    message = bar.reshape(out2) @ np.swapaxes(b.reshape(b2), -1, -2)
    return unbroadcast(message, a2).reshape(a.shape)


def _matmul_message_b(bar, out, a, b):
    """aᵀ · bar, with numpy's rules for vectors and stacks of matrices."""
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ bar
    a2, b2, out2 = _matmul_shapes(a, b)
    message = np.swapaxes(a.reshape(a2), -1, -2) @ bar.reshape(out2)
    return unbroadcast(message, b2).reshape(b.shape)


def _pow_message(bar, out, a, k):
    """bar · k·a^(k−1). Where k = 0 the exponent is kept at 0, not −1: the derivative of a⁰ is
    0 everywhere, also at a = 0 (0·0⁻¹ would give nan)."""
    return bar * k * a ** (k - (k != 0))


def _sigmoid(a):
    """1 / (1 + exp(−a)) as exp(−log(1 + exp(−a))): no overflow for large |a|, and accurate
    far into the left tail (σ(−100) = 3.7e−44, not 0), where log σ is the cross-entropy."""
    return np.exp(-np.logaddexp(0.0, -a))


def _check_axis(name: str, a: np.ndarray, axis) -> None:
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


def _count(a, axis) -> int:
    """How many elements a mean over `axis` averages."""
    return a.size if axis is None else int(np.prod([a.shape[i] for i in np.atleast_1d(axis)]))


def _sum(a, axis=None):
    _check_axis("sum", a, axis)
    return a.sum(axis=axis)


def _mean(a, axis=None):
    _check_axis("mean", a, axis)
    count = _count(a, axis)
    if count == 0:
        raise ShapeError(f"mean: nothing to average, shape {a.shape} has no elements"
                         f"{'' if axis is None else f' along axis {axis!r}'}; the mean of an "
                         "empty array is undefined.")
    return a.sum(axis=axis) / count


def _spread(bar, a, axis):
    """A reduction's bar, copied back to every element that was reduced."""
    if axis is not None:
        bar = np.expand_dims(bar, axis)
    return np.full(a.shape, bar)


OPERATIONS = {op.name: op for op in [
    #         name      forward       messages to each argument: bar x d out / d arg     text
    Operation("add",    np.add,       (lambda bar, out, a, b: bar,
                                       lambda bar, out, a, b: bar),          "{0} + {1}",
                                                                             ("1", "1")),
    Operation("sub",    np.subtract,  (lambda bar, out, a, b: bar,
                                       lambda bar, out, a, b: -bar),         "{0} − {1}",
                                                                             ("1", "−1")),
    Operation("mul",    np.multiply,  (lambda bar, out, a, b: bar * b,
                                       lambda bar, out, a, b: bar * a),      "{0}·{1}",
                                                                             ("{1}", "{0}")),
    Operation("div",    np.divide,    (lambda bar, out, a, b: bar / b,
                                       lambda bar, out, a, b: -bar * out / b),
                                                                             "{0} / {1}",
                                                                   ("1/{1}", "−{0}/{1}²")),
    Operation("matmul", np.matmul,    (_matmul_message_a, _matmul_message_b), "{0} @ {1}",
                                                                  ("{bar}·{1}ᵀ", "{0}ᵀ·{bar}")),
    Operation("neg",    np.negative,  (lambda bar, out, a: -bar,),           "−{0}", ("−1",)),
    Operation("pow",    np.power,     (_pow_message, None),                  "{0}^{1}",
                                                                  ("{1}·{0}^({1}−1)", "")),
    # a constant k raised to the node a, k ** a: d out / d a = k^a·ln k
    Operation("rpow",   np.power,     (None, lambda bar, out, k, a: bar * out * np.log(k)),
                                                                             "{0}^{1}",
                                                                  ("", "{0}^{1}·ln {0}")),
    Operation("sigmoid", _sigmoid,    (lambda bar, out, a: bar * out * (1 - out),),
                                                                   "σ({0})", ("σ'({0})",)),
    Operation("tanh",   np.tanh,      (lambda bar, out, a: bar * (1 - out * out),),
                                                        "tanh({0})", ("1 − tanh²({0})",)),
    Operation("relu",   lambda a: np.maximum(a, 0),
                                      (lambda bar, out, a: bar * (a > 0),),  "relu({0})",
                                                                             ("[{0} > 0]",)),
    Operation("maximum", np.maximum, (lambda bar, out, a, b: bar * ((a > b) + 0.5 * (a == b)),
                                       lambda bar, out, a, b: bar * ((b > a) + 0.5 * (a == b))),
                                                                   "max({0}, {1})",
                                                        ("[{0} > {1}]", "[{1} > {0}]")),
    Operation("exp",    np.exp,       (lambda bar, out, a: bar * out,),      "exp({0})",
                                                                             ("exp({0})",)),
    Operation("log",    np.log,       (lambda bar, out, a: bar / a,),        "log({0})",
                                                                             ("1/{0}",)),
    Operation("sum",    _sum,         (lambda bar, out, a, axis=None: _spread(bar, a, axis),),
                                                                             "Σ{0}", ("1",)),
    Operation("mean",   _mean,        (lambda bar, out, a, axis=None:
                                       _spread(bar, a, axis) / _count(a, axis),),
                                                                       "mean({0})", ("1/n",)),
]}

add, sub, mul, div, matmul, neg, power = (OPERATIONS[n] for n in
                                          ("add", "sub", "mul", "div", "matmul", "neg", "pow"))
sigmoid, tanh, relu, exp, log = (OPERATIONS[n] for n in ("sigmoid", "tanh", "relu", "exp", "log"))
maximum = OPERATIONS["maximum"]  # routes the bar to the larger argument (half each at a tie)


# --------------------------------------------------------------------------------------------
# Recording: what the forward and backward passes did, step by step (for the stepper widget)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ForwardStep:
    """Step 2 of the algorithm for one node: its value, evaluated from its parents."""
    node: Node
    value: np.ndarray


@dataclass(frozen=True)
class Message:
    """What `child` sends its argument number `index`: child_bar x local derivative = product.

    `local` is d child / d parent as a number when both are scalars, else None (for tensors the
    message is a vector-Jacobian product, not a number times a number).
    """
    child: Node
    child_bar: np.ndarray
    local: np.ndarray | None
    product: np.ndarray
    index: int


@dataclass(frozen=True)
class BackwardStep:
    """Step 3 or 4 for one node: its bar, the sum of its children's messages (none for the seed)."""
    node: Node
    bar: np.ndarray
    messages: tuple[Message, ...]


# --------------------------------------------------------------------------------------------
# Nodes and the algorithm
# --------------------------------------------------------------------------------------------

_clock = itertools.count()  # orders every value a node gets, to tell a stale value from a fresh one


class Node:
    """A variable of the computational graph: a leaf (`Node(0.5, name="w")`) or an op's output.

    `.value` is a float64 numpy array; `.bar` is dL/d(node) after `output.backward()`;
    `.parents` are the nodes it is computed from; `.op` is its Operation (None for a leaf).
    """
    __slots__ = ("name", "op", "args", "params", "parents", "bar", "_value", "_stamp",
                 "__weakref__")
    name: str | None
    op: Operation | None
    args: tuple
    params: dict[str, Any]
    parents: tuple[Node, ...]
    bar: np.ndarray | None

    def __init__(self, value, name: str | None = None):
        self.name, self.op, self.args, self.params, self.parents = name, None, (), {}, ()
        self.value = value
        self.bar = None

    @property
    def value(self) -> np.ndarray:
        return self._value

    @value.setter
    def value(self, value):
        self._value = as_value(value, "Node" if self.name is None else f"value of {self.name!r}")
        self._stamp = next(_clock)

    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def label(self) -> str:
        """The node's name, or for an unnamed node its formula, e.g. "w·x".

        Formulas show three levels of unnamed operations and write deeper ones as "…": a label
        stays short however deep the graph, and a sub-expression used twice is not doubled.
        """
        if self.name is not None:
            return self.name
        return "leaf" if self.op is None else _formula(self, LABEL_DEPTH)

    # -- building the graph ------------------------------------------------------------------

    @classmethod
    def _apply(cls, op: Operation, args: tuple, params: dict, name: str | None) -> Node:
        args = tuple([a if isinstance(a, Node) else as_value(a, f"{op.name}: constant")
                      for a in args])
        node = cls.__new__(cls)
        node.name, node.op, node.args, node.params, node.bar = name, op, args, params, None
        node.parents = tuple([a for a in args if isinstance(a, Node)])
        if None in op.vjps:
            for i, vjp in enumerate(op.vjps):
                if vjp is None and isinstance(args[i], Node):
                    raise TypeError(f"{op.name}: argument {i + 1} must be a constant number, "
                                    f"not a Node ({args[i].label}); no derivative is defined "
                                    "for it.")
        node._value = node._evaluate()
        node._stamp = next(_clock)
        return node

    def _evaluate(self) -> np.ndarray:
        """The node's value computed from its arguments' current values."""
        if self.op is None:
            return self._value
        values = [a._value if isinstance(a, Node) else a for a in self.args]
        try:
            return np.asarray(self.op.forward(*values, **self.params))
        except ShapeError:
            raise
        except ValueError:
            raise ShapeError(_shape_problem(self.op.name, values)) from None

    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(other, self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __neg__(self): return neg(self)

    def __pow__(self, k):
        if not isinstance(k, numbers.Real) or isinstance(k, Node):
            raise TypeError(f"pow: the exponent must be a constant number, got "
                            f"{type(k).__name__}; write e.g. `{self.label} ** 2`.")
        return power(self, k)

    def __rpow__(self, k):
        """k ** node, for a positive constant k (2 ** x); its derivative is k^x·ln k."""
        base = as_value(k, "rpow: the base")
        if np.any(base <= 0):
            raise ValueError(f"rpow: the base of `k ** {self.label}` must be positive, got "
                             f"{k!r}; k^x·ln k, its derivative, needs k > 0.")
        return OPERATIONS["rpow"](base, self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy hands `array + node` here: it becomes a node, like `node + array`. Other numpy
        functions (np.exp(node)) are refused with a message saying what to write instead."""
        operator = _OPERATORS.get(ufunc) if method == "__call__" and not kwargs else None
        if operator is None or len(inputs) != 2:
            raise TypeError(_instead(ufunc.__name__, self))
        left, right = operator
        return right(self, inputs[0]) if inputs[1] is self else left(self, inputs[1])

    def __array_function__(self, func, types, args, kwargs):
        """np.sum(node) and the like: refused with a message saying what to write instead."""
        raise TypeError(_instead(func.__name__, self))

    def sum(self, axis=None, name: str | None = None) -> Node:
        return OPERATIONS["sum"](self, axis=axis, name=name)

    def mean(self, axis=None, name: str | None = None) -> Node:
        return OPERATIONS["mean"](self, axis=axis, name=name)

    # -- the algorithm ----------------------------------------------------------------------

    def forward(self, record: list | None = None, check_finite: bool = False) -> None:
        """Step 2: evaluate every node in topological order from the current leaf values.

        Pass a list as `record` to have a ForwardStep appended for every node. With
        `check_finite`, a nan or inf raises FloatingPointError naming the first node it is in.
        """
        for node in topological_order(self):
            if node.op is not None:
                node._value = node._evaluate()
                node._stamp = next(_clock)
            if check_finite:
                _check_finite(node, node._value, "value")
            if record is not None:
                record.append(ForwardStep(node, node._value.copy()))

    def backward(self, record: list | None = None, check_finite: bool = False) -> None:
        """Steps 3 and 4: set `.bar` = d self / d node on every node of the graph.

        The bars are computed from scratch on every call (nothing accumulates across calls),
        each a new array of its own. A leaf changed since the last forward pass is refused:
        the bars would mix old and new values. Pass a list as `record` to have a BackwardStep
        appended for every node.
        """
        if self._value.size != 1:
            raise ValueError(f"backward: the output must be a scalar (a loss), but {self.label} "
                             f"has shape {self.shape}; reduce it first, e.g. `.sum()` or "
                             "`.mean()`.")
        order = topological_order(self)
        _refuse_stale_values(order)
        children = children_of(order)
        self.bar = np.ones_like(self._value)                                 # step 3
        if record is not None:
            record.append(BackwardStep(self, self.bar, ()))
        for node in reversed(order[:-1]):                                    # step 4
            messages = [child._message(i) for child, i in children[node]]
            # the sum over the children (np.asarray: numpy adds 0-d arrays up to a plain number)
            bar = np.asarray(sum(messages[1:], start=messages[0]))
            node.bar = bar
            if check_finite:
                _check_finite(node, bar, "bar")
            if record is not None:
                record.append(BackwardStep(node, bar, tuple(
                    child._recorded(i, product)
                    for (child, i), product in zip(children[node], messages, strict=True))))

    def _message(self, i: int) -> np.ndarray:
        """The message this node sends its argument i: its bar x d self / d arg_i, a new array."""
        assert self.op is not None, "a leaf sends no messages"
        values = [a._value if isinstance(a, Node) else a for a in self.args]
        vjp = self.op.vjps[i]
        assert vjp is not None, "no message goes to a constant"
        message = np.asarray(vjp(self.bar, self._value, *values, **self.params))
        if message.shape != values[i].shape:
            message = unbroadcast(message, values[i].shape)
        # A new array, so that every bar is its node's own: copied when it is the bar passed
        # on unchanged (add's message) or a view of another array.
        return message.copy() if message is self.bar or message.base is not None else message

    def _recorded(self, i: int, product: np.ndarray) -> Message:
        """The Message record of what this node sent its argument i, for the stepper."""
        assert self.op is not None and self.bar is not None, "a recorded message has a child"
        values = [a._value if isinstance(a, Node) else a for a in self.args]
        local = None
        if self._value.ndim == 0 and values[i].ndim == 0:
            vjp = self.op.vjps[i]
            assert vjp is not None, "no message goes to a constant"
            local = np.asarray(vjp(np.ones_like(self.bar), self._value, *values,
                                   **self.params)).reshape(values[i].shape)
        return Message(child=self, child_bar=self.bar, local=local, product=product, index=i)

    # -- printing ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        text = f"Node({self.label}, value={plain(self._value)}"
        return text + (f", bar={plain(self.bar)})" if self.bar is not None else ")")


LABEL_DEPTH = 3  # levels of unnamed operations a label spells out
_SYMBOLS = {"add": "+", "sub": "−", "mul": "·", "div": "/", "matmul": "@"}
#: numpy's operator functions, each with the Node methods for a node on its left and its right
_OPERATORS = {np.add: (Node.__add__, Node.__radd__), np.subtract: (Node.__sub__, Node.__rsub__),
              np.multiply: (Node.__mul__, Node.__rmul__),
              np.divide: (Node.__truediv__, Node.__rtruediv__),
              np.matmul: (Node.__matmul__, Node.__rmatmul__),
              np.power: (Node.__pow__, Node.__rpow__)}


def _formula(node: Node, depth: int) -> str:
    """An unnamed operation's formula, with `depth` levels of unnamed operations spelled out."""
    assert node.op is not None, "a leaf has no formula"
    return fill(node.op.formula, [_label(arg, depth - 1) for arg in node.args])


def _label(arg, depth: int) -> str:
    if not isinstance(arg, Node):
        return plain(arg)
    if arg.name is not None:
        return arg.name
    if arg.op is None:
        return "leaf"
    return f"({_formula(arg, depth)})" if depth > 0 else "…"



def _shape_problem(name: str, values: list) -> str:
    """Why numpy refused the arguments' shapes, in the words of the lecture."""
    if name == "matmul" and any(v.ndim == 0 for v in values):
        return (f"matmul needs at least 1-d operands, got shapes {values[0].shape} @ "
                f"{values[1].shape}; multiply by a single number with * instead.")
    shapes = f" {_SYMBOLS.get(name, ',')} ".join(str(v.shape) for v in values)
    rule = ("the last dimension on the left must equal the first (of the last two) on the right"
            if name == "matmul" else
            "compared from the right, each pair of dimensions must be equal or contain a 1")
    return f"{name}: shapes {shapes} do not fit together: {rule}."


def _instead(function: str, node: Node) -> str:
    """What to write instead of numpy's `function` applied to a node."""
    x = node.name if node.name is not None and node.name.isidentifier() else "x"
    if function in ("sum", "mean"):
        hint = f"write `{x}.{function}()` (or `.{function}(axis=...)`)"
    elif function in ("exp", "log", "tanh"):
        hint = f"write `{function}({x})` with `from course_utils.engine import {function}`"
    elif function in OPERATIONS:
        hint = f"write `OPERATIONS[{function!r}]({x})` from course_utils.engine"
    else:
        hint = (f"use `{x}.value` for its numbers, or build the node from the engine's "
                f"operations ({', '.join(OPERATIONS)})")
    return (f"np.{function} does not take a Node ({node.label}): it would compute a number "
            f"but no graph, so no bar; {hint}.")


def _check_finite(node: Node, array: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(array)):
        kind = "nan" if np.any(np.isnan(array)) else "inf"
        raise FloatingPointError(f"the {what} of node {node.label!r} is not finite (it contains "
                                 f"{kind}); this is the first node where it appears.")


def _refuse_stale_values(order: list[Node]) -> None:
    """Raise if a node's value is older than one of its parents' (a leaf changed since)."""
    for node in order:
        for parent in node.parents:
            if parent._stamp > node._stamp:
                raise RuntimeError(
                    f"backward: {parent.label} changed after {node.label} was computed from it, "
                    "so the bars would mix old and new values; run forward() on the output "
                    "first, then backward().")


def children_of(order: list[Node]) -> dict[Node, list[tuple[Node, int]]]:
    """Children(n_i) for every node of `order`: the (child, i) such that it is the child's arg i.

    A node knows only its parents; the backward pass needs the other direction.
    """
    children: dict[Node, list[tuple[Node, int]]] = {node: [] for node in order}
    for child in order:
        for i, arg in enumerate(child.args):
            if isinstance(arg, Node):
                children[arg].append((child, i))
    return children


def topological_order(output: Node) -> list[Node]:
    """Step 1: all nodes `output` depends on, each after all of its parents (output last).

    Depth-first search with an explicit stack, so a chain of 200,000 nodes needs no recursion.
    A parent still open on the stack is a node's own ancestor: a cycle, which has no order.
    """
    order: list[Node] = []
    open_: dict[Node, bool] = {output: True}  # True while on the stack, False once in order
    stack = [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            seen = open_.get(parent)
            if seen is None:
                open_[parent] = True
                stack.append((parent, iter(parent.parents)))
                break
            if seen:
                path = [n for n, _ in stack]
                cycle = path[path.index(parent):] + [parent]
                raise ValueError("topological_order: the graph has a cycle, "
                                 f"{' → '.join(n.label for n in cycle)} (each computed from the "
                                 "next), so no order puts every node after its parents; build "
                                 "the graph anew instead of editing .args or .parents.")
        else:
            stack.pop()
            open_[node] = False
            order.append(node)
    return order

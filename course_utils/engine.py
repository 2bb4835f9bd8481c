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
is computed for them (data as plain arrays costs no backward work).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .notation import fill, plain


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

def as_value(value, what: str = "Node", copy: bool = True) -> np.ndarray:
    """`value` as a float64 array, or a TypeError saying what was given and what is accepted."""
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case, made fast
        return value.copy() if copy else value
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
    return array.astype(np.float64, copy=copy)


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


# --------------------------------------------------------------------------------------------
# Operations: the table of local derivatives
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One operation: its forward function and, per argument, its local derivative.

    `vjps[i](bar, out, *args)` is the message the output sends to argument i: the output's bar
    times the local derivative d out / d arg_i (for tensors: a vector-Jacobian product).
    `formula` and `local` say the same in text ("{0}" is the first argument), for pictures;
    where a message is not simply bar x local (matrix products), `local` shows the whole
    message, "{bar}" standing for the output's bar, e.g. "{0}ᵀ·{bar}". `symbols` may name
    constant arguments in those texts, e.g. (None, None, "λ"); otherwise their value is shown.
    """
    name: str
    forward: Callable
    vjps: tuple
    formula: str
    local: tuple
    symbols: tuple = ()

    def __call__(self, *args, name: str | None = None, **params) -> "Node":
        return Node._apply(self, args, params, name)


def _matmul_shapes(a, b):
    """Shapes of a and b promoted to matrices, and of their product (numpy's 1-d rules)."""
    a2 = (1,) + a.shape if a.ndim == 1 else a.shape
    b2 = b.shape + (1,) if b.ndim == 1 else b.shape
    return a2, b2, np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])


def _matmul_vjp_a(g, y, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return g @ b.T
    a2, b2, y2 = _matmul_shapes(a, b)
    message = g.reshape(y2) @ np.swapaxes(b.reshape(b2), -1, -2)
    return unbroadcast(message, a2).reshape(a.shape)


def _matmul_vjp_b(g, y, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    a2, b2, y2 = _matmul_shapes(a, b)
    message = np.swapaxes(a.reshape(a2), -1, -2) @ g.reshape(y2)
    return unbroadcast(message, b2).reshape(b.shape)


def _spread(g, a, axis):
    """A reduction's bar, copied back to every element that was reduced."""
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, a.shape)


def _count(a, axis):
    return a.size if axis is None else np.prod([a.shape[i] for i in np.atleast_1d(axis)])


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1 / (1 + exp(-a)), without overflow warnings


O = Operation
OPERATIONS = {op.name: op for op in [
    #  name      forward       messages to each argument: bar x d out / d arg       text
    O("add",     np.add,       (lambda g, y, a, b: g,
                                lambda g, y, a, b: g),                 "{0} + {1}", ("1", "1")),
    O("sub",     np.subtract,  (lambda g, y, a, b: g,
                                lambda g, y, a, b: -g),                "{0} − {1}", ("1", "−1")),
    O("mul",     np.multiply,  (lambda g, y, a, b: g * b,
                                lambda g, y, a, b: g * a),             "{0}·{1}", ("{1}", "{0}")),
    O("div",     np.divide,    (lambda g, y, a, b: g / b,
                                lambda g, y, a, b: -g * y / b),        "{0} / {1}",
                                                                       ("1/{1}", "−{0}/{1}²")),
    O("matmul",  np.matmul,    (_matmul_vjp_a, _matmul_vjp_b),         "{0} @ {1}",
                                                                  ("{bar}·{1}ᵀ", "{0}ᵀ·{bar}")),
    O("neg",     np.negative,  (lambda g, y, a: -g,),                  "−{0}", ("−1",)),
    O("pow",     np.power,     (lambda g, y, a, k: g * k * a ** (k - 1),
                                None),                                 "{0}^{1}",
                                                                       ("{1}·{0}^({1}−1)", "")),
    O("sigmoid", _sigmoid,     (lambda g, y, a: g * y * (1 - y),),     "σ({0})", ("σ'({0})",)),
    O("tanh",    np.tanh,      (lambda g, y, a: g * (1 - y * y),),     "tanh({0})",
                                                                       ("1 − tanh²({0})",)),
    O("relu",    lambda a: np.maximum(a, 0),
                               (lambda g, y, a: g * (a > 0),),         "relu({0})",
                                                                       ("[{0} > 0]",)),
    O("maximum", np.maximum,   (lambda g, y, a, b: g * ((a > b) + 0.5 * (a == b)),
                                lambda g, y, a, b: g * ((b > a) + 0.5 * (a == b))),
                                                           "max({0}, {1})", ("[{0} > {1}]",
                                                                             "[{1} > {0}]")),
    O("exp",     np.exp,       (lambda g, y, a: g * y,),               "exp({0})", ("exp({0})",)),
    O("log",     np.log,       (lambda g, y, a: g / a,),               "log({0})", ("1/{0}",)),
    O("sum",     lambda a, axis=None: np.sum(a, axis=axis),
                               (lambda g, y, a, axis=None: _spread(g, a, axis),),
                                                                       "Σ{0}", ("1",)),
    O("mean",    lambda a, axis=None: np.mean(a, axis=axis),
                               (lambda g, y, a, axis=None: _spread(g, a, axis) / _count(a, axis),),
                                                                       "mean({0})", ("1/n",)),
]}
del O

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
    node: "Node"
    value: np.ndarray


@dataclass(frozen=True)
class Message:
    """What `child` sends one of its parents: child_bar x local derivative = product.

    `local` is d child / d parent as a number when both are scalars, else None (for tensors the
    message is a vector-Jacobian product, not a number times a number).
    """
    child: "Node"
    index: int            # the parent is child.args[index]
    child_bar: np.ndarray
    local: np.ndarray | None
    product: np.ndarray


@dataclass(frozen=True)
class BackwardStep:
    """Step 3 or 4 for one node: its bar, the sum of its children's messages (none for the seed)."""
    node: "Node"
    bar: np.ndarray
    messages: tuple


# --------------------------------------------------------------------------------------------
# Nodes and the algorithm
# --------------------------------------------------------------------------------------------

class Node:
    """A variable of the computational graph: a leaf (`Node(0.5, name="w")`) or an op's output.

    `.value` is a float64 numpy array; `.bar` is dL/d(node) after `output.backward()`;
    `.parents` are the nodes it is computed from; `.op` is its Operation (None for a leaf).
    """
    __array_ufunc__ = None  # so `np.ones(3) + node` and `X @ W` call Node's operators
    __slots__ = ("name", "op", "args", "params", "parents", "bar", "_value", "__weakref__")

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

    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def label(self) -> str:
        """The node's name, or for an unnamed node its formula, e.g. "w·x"."""
        if self.name is not None:
            return self.name
        if self.op is None:
            return "leaf"
        return fill(self.op.formula, [_label(a) for a in self.args])

    # -- building the graph ------------------------------------------------------------------

    @classmethod
    def _apply(cls, op: Operation, args: tuple, params: dict, name: str | None) -> "Node":
        args = tuple([a if isinstance(a, Node) else as_value(a, f"{op.name}: constant", copy=False)
                      for a in args])
        node = cls.__new__(cls)
        node.name, node.op, node.args, node.params, node.bar = name, op, args, params, None
        node.parents = tuple(a for a in args if isinstance(a, Node))
        for i, vjp in enumerate(op.vjps if None in op.vjps else ()):
            if vjp is None and isinstance(args[i], Node):
                raise TypeError(f"{op.name}: argument {i + 1} must be a constant number, not a "
                                f"Node ({args[i].label}); no derivative is defined for it.")
        node._value = node._evaluate()
        return node

    def _evaluate(self) -> np.ndarray:
        values = [a._value if isinstance(a, Node) else a for a in self.args]
        try:
            return np.asarray(self.op.forward(*values, **self.params))
        except ValueError:
            shapes = f" {_SYMBOLS.get(self.op.name, ',')} ".join(str(v.shape) for v in values)
            rule = ("the last dimension on the left must equal the first (of the last two) on "
                    "the right" if self.op.name == "matmul" else
                    "compared from the right, each pair of dimensions must be equal or contain a 1")
            raise ValueError(f"{self.op.name}: shapes {shapes} do not fit together: {rule}.") \
                from None

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

    def sum(self, axis=None, name: str | None = None) -> "Node":
        return OPERATIONS["sum"](self, axis=axis, name=name)

    def mean(self, axis=None, name: str | None = None) -> "Node":
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
            if check_finite:
                _check_finite(node, node._value, "value")
            if record is not None:
                record.append(ForwardStep(node, node._value.copy()))

    def backward(self, record: list | None = None, check_finite: bool = False) -> None:
        """Steps 3 and 4: set `.bar` = d self / d node on every node of the graph.

        The bars are computed from scratch on every call (nothing accumulates across calls).
        Pass a list as `record` to have a BackwardStep appended for every node.
        """
        if self._value.size != 1:
            raise ValueError(f"backward: the output must be a scalar (a loss), but {self.label} "
                             f"has shape {self.shape}; reduce it first, e.g. `.sum()` or "
                             "`.mean()`.")
        order = topological_order(self)
        children = children_of(order)
        self.bar = np.ones_like(self._value)                                # step 3
        if record is not None:
            record.append(BackwardStep(self, self.bar, ()))
        for node in reversed(order[:-1]):                                   # step 4
            messages = [child._message_to(i, record is not None) for child, i in children[node]]
            bar = messages[0][-1]
            for message in messages[1:]:
                bar = bar + message[-1]
            node.bar = bar
            if check_finite:
                _check_finite(node, node.bar, "bar")
            if record is not None:
                record.append(BackwardStep(node, node.bar,
                                           tuple(Message(*m) for m in messages)))

    def _message_to(self, i: int, with_local: bool) -> tuple:
        """The message this node sends its argument i: its bar x d self / d arg_i."""
        values = [a._value if isinstance(a, Node) else a for a in self.args]
        vjp = self.op.vjps[i]
        product = unbroadcast(np.asarray(vjp(self.bar, self._value, *values, **self.params)),
                              values[i].shape)
        if not with_local:
            return (product,)
        local = None
        if self._value.ndim == 0 and values[i].ndim == 0:
            local = np.asarray(vjp(np.ones_like(self.bar), self._value, *values,
                                   **self.params)).reshape(values[i].shape)
        return (self, i, self.bar, local, product)

    # -- printing ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        text = f"Node({self.label}, value={plain(self._value)}"
        return text + (f", bar={plain(self.bar)})" if self.bar is not None else ")")


_SYMBOLS = {"add": "+", "sub": "−", "mul": "·", "div": "/", "matmul": "@"}


def _label(arg) -> str:
    if isinstance(arg, Node):
        return arg.label if arg.name is not None or arg.op is None else f"({arg.label})"
    return plain(arg)


def _check_finite(node: Node, array: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(array)):
        kind = "nan" if np.any(np.isnan(array)) else "inf"
        raise FloatingPointError(f"the {what} of node {node.label!r} is not finite (it contains "
                                 f"{kind}); this is the first node where it appears.")


def children_of(order: list[Node]) -> dict:
    """Children(n_i) for every node of `order`: the (child, i) such that it is the child's arg i.

    A node knows only its parents; the backward pass needs the other direction.
    """
    children = {node: [] for node in order}
    for child in order:
        for i, arg in enumerate(child.args):
            if isinstance(arg, Node):
                children[arg].append((child, i))
    return children


def topological_order(output: Node) -> list[Node]:
    """Step 1: all nodes `output` depends on, each after all of its parents (output last).

    Depth-first search with an explicit stack, so a chain of 200,000 nodes needs no recursion.
    """
    order, visited = [], set()
    stack = [(output, iter(output.parents))]
    visited.add(output)
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order

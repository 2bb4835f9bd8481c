"""The reference backprop engine: tensor-valued nodes on numpy, in the lecture's reading order.

1. `Node`: a variable of the computational graph, a leaf or the output of an operation;
2. `OPERATIONS`: the table of local derivatives, one row per operation. Each operation has a
   single output and knows only its own local derivatives: the lecture's "modularity" slide;
3. `topological_order`: step 1 of the algorithm (Goodfellow Algorithms 6.1 and 6.2);
4. `forward`: step 2, every node evaluated in that order;
5. `backward`: step 3, the seed n̄_N = 1, and step 4, in reverse order each node's bar as the
   sum of the messages its children send it (child's bar × local derivative).

Numbers and numpy arrays mixed into an expression are constants: not nodes, so no bar is
computed for them (data as plain arrays costs no backward work). A constant, like a value you
set, is copied when its node is built: changing the array afterwards does not change the graph.
What the engine refuses, and how it says so, is in `guards.py`; what tensors add (broadcasting,
matrix products, reductions) is in `tensors.py`; the stepper records the passes through the
hooks of `forward` and `backward` (`widgets/recording.py`).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import guards, tensors
from .notation import label, plain
from .tensors import unbroadcast  # every message summed back to its argument's shape

#: One clock for every value any node gets: a value older than its parent's is stale.
_clock = itertools.count()


# -- 1. Nodes --------------------------------------------------------------------------------------

class Node:
    """A variable of the computational graph: a leaf (`Node(0.5, name="w")`) or the output of an
    operation (`w * x`: a row of the table applied to its arguments).

    `.value` is a float64 numpy array; `.bar` is d output / d node after `output.backward()`.
    `.args` are the operation's arguments in order (nodes and constants), `.parents` the nodes
    among them, `.params` its keyword parameters (a reduction's axis), `.op` its row of the table
    (None for a leaf). `_stamp` is the clock's time of the node's value.
    """
    # no dictionary per node: a graph of many nodes stays small
    __slots__ = ("name", "op", "args", "params", "parents", "bar", "_value", "_stamp")
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

    @classmethod
    def _output(cls, op: Operation, args: tuple, params: dict, name: str | None) -> Node:
        """The node `op(*args, **params)`, its value computed now. Built without `__init__`,
        the constructor of leaves: an output's value comes from its arguments, not from you."""
        args = tuple([a if isinstance(a, Node) else guards.as_value(a, f"{op.name}: constant")
                      for a in args])
        guards.constants_only(op, {i: a for i, a in enumerate(args) if isinstance(a, Node)})
        node = cls.__new__(cls)
        node.name, node.op, node.args, node.params, node.bar = name, op, args, params, None
        node.parents = tuple([a for a in args if isinstance(a, Node)])
        node._evaluate()
        return node

    @property
    def value(self) -> np.ndarray:
        return self._value

    @value.setter
    def value(self, value):
        what = "Node" if self.name is None else f"value of {self.name!r}"
        if isinstance(value, Node):
            raise guards.node_as_value(value.label, what)
        self._value, self._stamp = guards.as_value(value, what), next(_clock)

    def _evaluate(self) -> None:
        """The node's value computed from its arguments' current values (a leaf keeps its own)."""
        if self.op is None:
            return
        values = [value_of(a) for a in self.args]
        try:
            self._value = np.asarray(self.op.forward(*values, **self.params))
        except guards.ShapeError:
            raise
        except ValueError:
            raise guards.shape_problem(self.op.name, values) from None
        self._stamp = next(_clock)

    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def label(self) -> str:
        """The node's name, or for an unnamed node its formula, e.g. "w·x", three levels deep."""
        return label(self, depth=3)

    # Python's operators build the graph: `w * x + b` applies the table's mul and add.
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
        guards.constant_exponent(k, self.label)
        return power(self, k)

    def __rpow__(self, k):
        """k ** node, for a positive constant k (2 ** x); its derivative is k^x·ln k."""
        return OPERATIONS["rpow"](guards.positive_base(k, self.label), self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy hands `array + node` here: it becomes a node, like `node + array`. Other numpy
        functions (np.exp(node)) are refused with a message saying what to write instead."""
        operator = _OPERATORS.get(ufunc) if method == "__call__" and not kwargs else None
        if operator is None or len(inputs) != 2:
            raise guards.numpy_on_a_node(ufunc.__name__, self, OPERATIONS)
        left, right = operator
        return right(self, inputs[0]) if inputs[1] is self else left(self, inputs[1])

    def __array_function__(self, func, types, args, kwargs):
        """np.sum(node) and the like: refused with a message saying what to write instead."""
        raise guards.numpy_on_a_node(func.__name__, self, OPERATIONS)

    def sum(self, axis=None, name: str | None = None) -> Node:
        return OPERATIONS["sum"](self, axis=axis, name=name)

    def mean(self, axis=None, name: str | None = None) -> Node:
        return OPERATIONS["mean"](self, axis=axis, name=name)

    def forward(self, on_value=None, check_finite: bool = False) -> None:
        """Step 2 on the graph of this output: see `forward` below."""
        forward(self, on_value, check_finite)

    def backward(self, on_bar=None, check_finite: bool = False) -> None:
        """Steps 3 and 4, this node as the output: see `backward` below."""
        backward(self, on_bar, check_finite)

    def __repr__(self) -> str:
        text = f"Node({self.label}, value={plain(self._value)}"
        return text + (f", bar={plain(self.bar)})" if self.bar is not None else ")")


def value_of(arg) -> np.ndarray:
    """The value of an operation's argument: a node's value, or the constant itself."""
    return arg._value if isinstance(arg, Node) else arg


#: numpy's operator functions, each with the Node methods for a node on its left and its right
_OPERATORS = {np.add: (Node.__add__, Node.__radd__), np.subtract: (Node.__sub__, Node.__rsub__),
              np.multiply: (Node.__mul__, Node.__rmul__),
              np.divide: (Node.__truediv__, Node.__rtruediv__),
              np.matmul: (Node.__matmul__, Node.__rmatmul__),
              np.power: (Node.__pow__, Node.__rpow__)}


# -- 2. The table of local derivatives -------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One operation: its forward function and, per argument, its message function.

    `vjps[i](bar, out, a, b, ...)` is the message the output `out` sends its argument i (a, b,
    ... are the argument values): the output's bar times the local derivative d out / d arg_i
    (for tensors: a vector-Jacobian product). None marks an argument that must be a constant.
    `formula` and `local` say the same in text ("{0}" is the first argument), for pictures;
    where a message is not simply bar × local (matrix products), `local` shows the whole
    message, "{bar}" standing for the output's bar. `symbols` may name
    constant arguments in those texts, e.g. (None, None, "λ"); otherwise their value is shown.
    """
    name: str
    forward: Callable[..., Any]
    vjps: tuple[Callable[..., Any] | None, ...]
    formula: str
    local: tuple[str, ...]
    symbols: tuple[str | None, ...] = ()

    def __call__(self, *args, name: str | None = None, **params) -> Node:
        """The node of this operation on `args` (nodes or constants), e.g. `sigmoid(z)`."""
        return Node._output(self, args, params, name)

    def __repr__(self) -> str:
        """Its name and formula: the local derivatives are for the pictures and the table, not
        for printing an operation (notebook 03 asks for them)."""
        return f"<operation {self.name}: {self.formula.format(*'abcdefgh')}>"


OPERATIONS = {op.name: op for op in [
    Operation(name="add", forward=np.add, formula="{0} + {1}", local=("1", "1"),
              vjps=(lambda bar, out, a, b: bar, lambda bar, out, a, b: bar)),
    Operation(name="sub", forward=np.subtract, formula="{0} − {1}", local=("1", "−1"),
              vjps=(lambda bar, out, a, b: bar, lambda bar, out, a, b: -bar)),
    Operation(name="mul", forward=np.multiply, formula="{0}·{1}", local=("{1}", "{0}"),
              vjps=(lambda bar, out, a, b: bar * b, lambda bar, out, a, b: bar * a)),
    Operation(name="div", forward=np.divide, formula="{0} / {1}", local=("1/{1}", "−{0}/{1}²"),
              vjps=(lambda bar, out, a, b: bar / b, lambda bar, out, a, b: -bar * out / b)),
    Operation(name="matmul", forward=np.matmul, formula="{0} @ {1}",
              local=("{bar}·{1}ᵀ", "{0}ᵀ·{bar}"),
              vjps=(tensors.matmul_message_a, tensors.matmul_message_b)),
    Operation(name="neg", forward=np.negative, formula="−{0}", local=("−1",),
              vjps=(lambda bar, out, a: -bar,)),
    Operation(name="pow", forward=np.power, formula="{0}^{1}", local=("{1}·{0}^({1}−1)", ""),
              vjps=(tensors.pow_message, None)),                    # the exponent: a constant
    Operation(name="rpow", forward=np.power, formula="{0}^{1}", local=("", "{0}^{1}·ln {0}"),
              vjps=(None, lambda bar, out, k, a: bar * out * np.log(k))),  # k ** a, k constant
    Operation(name="sigmoid", forward=tensors.sigma, formula="σ({0})", local=("σ'({0})",),
              vjps=(lambda bar, out, a: bar * out * (1 - out),)),
    Operation(name="tanh", forward=np.tanh, formula="tanh({0})", local=("1 − tanh²({0})",),
              vjps=(lambda bar, out, a: bar * (1 - out * out),)),
    Operation(name="relu", forward=lambda a: np.maximum(a, 0), formula="relu({0})",
              local=("[{0} > 0]",), vjps=(lambda bar, out, a: bar * (a > 0),)),
    Operation(name="maximum", forward=np.maximum, formula="max({0}, {1})",  # a tie: half each
              local=("[{0} > {1}]", "[{1} > {0}]"),
              vjps=(lambda bar, out, a, b: bar * ((a > b) + 0.5 * (a == b)),
                    lambda bar, out, a, b: bar * ((b > a) + 0.5 * (a == b)))),
    Operation(name="exp", forward=np.exp, formula="exp({0})", local=("exp({0})",),
              vjps=(lambda bar, out, a: bar * out,)),
    Operation(name="log", forward=np.log, formula="log({0})", local=("1/{0}",),
              vjps=(lambda bar, out, a: bar / a,)),
    Operation(name="log_softmax", forward=tensors.log_softmax, formula="log softmax({0})",
              local=("{bar} − softmax({0})·Σ{bar}",),          # Σ along the axis, per row
              vjps=(lambda bar, out, a, axis=-1:
                    bar - np.exp(out) * bar.sum(axis=axis, keepdims=True),)),
    Operation(name="sum", forward=tensors.total, formula="Σ{0}", local=("1",),
              vjps=(lambda bar, out, a, axis=None: tensors.spread(bar, a, axis),)),
    Operation(name="mean", forward=tensors.mean, formula="mean({0})", local=("1/n",),
              vjps=(lambda bar, out, a, axis=None:
                    tensors.spread(bar, a, axis) / tensors.count(a, axis),)),
]}

add, sub, mul, div, matmul, neg, power = (OPERATIONS[n] for n in
                                          ("add", "sub", "mul", "div", "matmul", "neg", "pow"))
sigmoid, tanh, relu, exp, log = (OPERATIONS[n] for n in ("sigmoid", "tanh", "relu", "exp", "log"))
maximum = OPERATIONS["maximum"]


def table(masked: tuple = (), left_out: tuple = ()) -> str:
    """The table as text, one row per operation: its formula and its local derivatives (or its
    messages where they are not bar × a local derivative). Rows `masked` show question marks
    and rows `left_out` are not shown: notebook 06 prints it before the exercises on them."""
    rows = []
    for op in (op for op in OPERATIONS.values() if op.name not in left_out):
        kind = "messages" if "{bar}" in op.local[0] else "local derivatives"
        texts = ", ".join("?" if op.name in masked else text.format("a", "b", bar="ȳ")
                          for text in op.local if text)
        constant = [(arg, other) for arg, other, text in zip("ab", "ba", op.local, strict=False)
                    if not text]
        note = (f"   (to {constant[0][1]} only: {constant[0][0]} is a constant)" if constant
                else "   (yours to find, below)" if op.name in masked else "")
        rows.append(f"{op.name:>8}   {op.formula.format('a', 'b'):<10}  {kind}: {texts}{note}")
    return "\n".join(rows)


# -- 3. Step 1: a topological order ----------------------------------------------------------------

def topological_order(output: Node) -> list[Node]:
    """Step 1: all nodes `output` depends on, each after all of its parents (output last).

    Depth-first search with an explicit stack of (node, its parents not yet visited), so that a
    graph of any depth needs no recursion. A parent still open on the stack is a node's own
    ancestor: a cycle, which has no order.
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
                raise guards.cycle(stack, parent)
        else:
            stack.pop()
            open_[node] = False
            order.append(node)
    return order


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


# -- 4. Step 2: the forward pass -------------------------------------------------------------------

def forward(output: Node, on_value: Callable[[Node], None] | None = None,
            check_finite: bool = False) -> None:
    """Step 2: evaluate every node in topological order from the current leaf values.

    `on_value(node)` is called once a node has its value (the stepper records it so). With
    `check_finite`, a nan or inf raises FloatingPointError naming the first node it is in.
    """
    for node in topological_order(output):
        node._evaluate()
        if check_finite:
            guards.finite(node, node._value, "value")
        if on_value is not None:
            on_value(node)


# -- 5. Steps 3 and 4: the backward pass -----------------------------------------------------------

def backward(output: Node, on_bar: Callable[[Node, list], None] | None = None,
             check_finite: bool = False) -> None:
    """Steps 3 and 4: set `.bar` = d output / d node on every node of the graph.

    The bars are computed from scratch on every call (nothing accumulates across calls), each a
    new array of its own. A leaf changed since the last forward pass is refused: the bars would
    mix old and new values. `on_bar(node, received)` is called once a node has its bar, with
    the (child, i, message) it was summed from (none for the seed).
    """
    guards.scalar_output(output)
    order = topological_order(output)
    guards.fresh_values(order)
    children = children_of(order)
    output.bar = np.ones_like(output._value)                                 # step 3
    if on_bar is not None:
        on_bar(output, [])
    for node in reversed(order[:-1]):                                        # step 4
        received = [(child, i, message(child, i)) for child, i in children[node]]
        # the sum over the children (np.asarray: numpy adds 0-d arrays up to a plain number)
        node.bar = np.asarray(sum(m for _, _, m in received))
        if check_finite:
            guards.finite(node, node.bar, "bar")
        if on_bar is not None:
            on_bar(node, received)


def message(child: Node, i: int, bar: np.ndarray | None = None) -> np.ndarray:
    """What `child` sends its argument i: child's bar × d child / d arg_i, a new array of the
    argument's shape. `bar` stands in for the child's bar (ones give the local derivative)."""
    assert child.op is not None, "a leaf sends no messages"
    vjp = child.op.vjps[i]
    assert vjp is not None, "no message goes to a constant"
    values = [value_of(a) for a in child.args]
    sent = np.asarray(vjp(child.bar if bar is None else bar, child._value, *values,
                          **child.params))
    if sent.shape != values[i].shape:
        sent = unbroadcast(sent, values[i].shape)
    # A new array, so that every bar is its node's own: add's message is the bar itself, and
    # a message may be a view of another array.
    return sent.copy() if sent is child.bar or sent.base is not None else sent

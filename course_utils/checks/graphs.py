"""Checks of notebooks 04-06: topological order, the backprop algorithm, modularity and tensors.

Each check builds its own graphs with the reference engine and compares the student's answer
with what the engine computes on them: never with numbers written down in advance.
"""
from __future__ import annotations

import numpy as np

from ..engine import Node, Operation, add, children_of, matmul, mul, tanh, topological_order
from ..gradcheck import numerical_gradient, reading, rel_error
from ..lecture import regularised_example
from ._verdict import _Stop, call_student, check, compare, correct, fmt, stop, wrong

__all__ = ["check_topological_sort", "check_forward_pass", "check_backward_pass",
           "check_new_operation", "check_matmul_bar"]

#: Leaf values the checks use, different from the lecture's, so no answer can be memorised.
_CHECK_VALUES = dict(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)


def _names(nodes) -> str:
    return ", ".join(n.label for n in nodes)


def _bar(name: str) -> str:
    """z -> z̄ as on the slides; a longer name -> L_reg_bar as in the notebooks' code."""
    return name + "\u0304" if len(name) == 1 else f"{name}_bar"


def _formula(node: Node) -> str:
    """The node's formula with its arguments' names, e.g. "w·x + b"; λ for the constant."""
    return node.op.formula.format(*(a.label if isinstance(a, Node) else "λ" for a in node.args))


# --------------------------------------------------------------------------------------------
# Notebook 04: topological order
# --------------------------------------------------------------------------------------------

def _diamond():
    """A second graph: a and b both feed c and d, and d also uses c (a shared node twice)."""
    a, b = Node(1.5, name="a"), Node(-0.5, name="b")
    c = mul(a, b, name="c")
    d = add(c, a, name="d")
    return mul(d, c, name="e")


def _order_problem(order, output: Node) -> str | None:
    """None if `order` is a topological order of the graph of `output`; else what is wrong."""
    if order is None:
        return "your function returned None: did you forget to `return` the list?"
    if isinstance(order, (str, bytes, Node)) or not hasattr(order, "__iter__"):
        return f"expected a list of nodes, got {type(order).__name__}."
    if isinstance(order, (set, frozenset, dict)):
        return (f"your function returned a {type(order).__name__}, which has no order of its "
                "own; return a list, appending each node after its parents (a set of visited "
                "nodes is only there to remember which you have seen).")
    order = list(order)
    strangers = [item for item in order if not isinstance(item, Node)]
    if strangers:
        return (f"the list should hold Node objects, but it holds a {type(strangers[0]).__name__} "
                f"({strangers[0]!r}); put the nodes themselves in the list, not their names.")
    graph = topological_order(output)
    members = set(graph)
    outsiders = [n for n in order if n not in members]
    if outsiders:
        return f"{_names(outsiders)} is not a node of this graph."
    seen, twice = set(), []
    for node in order:
        if node in seen and node not in twice:
            twice.append(node)
        seen.add(node)
    if twice:
        return (f"{_names(twice)} appears more than once; each node belongs in the order exactly "
                "once (a node with two children is reached twice: remember which you visited).")
    missing = [n for n in graph if n not in seen]
    if missing:
        return (f"{_names(missing)} {'is' if len(missing) == 1 else 'are'} missing; the order "
                f"must hold all {len(graph)} nodes of the graph, leaves and output included.")
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if position[parent] > position[node]:
                return (f"{node.label} comes before {parent.label}, but {node.label} is computed "
                        f"from {parent.label}: every node must come after all its parents.")
    return None


@check
def check_topological_sort(topological_sort):
    """`topological_sort(output)` must return every node of the graph, each after its parents."""
    graphs = [("the lecture's graph", regularised_example(**_CHECK_VALUES).L_reg),
              ("a second graph, where c is used twice", _diamond())]
    orders = []
    for where, output in graphs:
        orders.append(call_student(topological_sort, output))
        problem = _order_problem(orders[-1], output)
        if problem:
            return wrong(f"on {where}: {problem}")
    return correct(f"a valid topological order: ({_names(orders[0])}). Any order with every "
                   "node after its parents is accepted.")


# --------------------------------------------------------------------------------------------
# Notebook 05: the forward and the backward pass
# --------------------------------------------------------------------------------------------

def _values(node: Node) -> list:
    return [a.value if isinstance(a, Node) else a for a in node.args]


def _stale_graph():
    """The lecture's graph built with its default values, then its leaves changed: every
    computed node still holds its old value until a forward pass runs."""
    graph = regularised_example(lam=_CHECK_VALUES["lam"])
    for leaf in ("w", "x", "b", "t"):
        getattr(graph, leaf).value = _CHECK_VALUES[leaf]
    return graph


def _forward_crash_hint(said: str) -> str:
    """A hint for the usual ways a forward pass crashes, from the one-line report of the error."""
    if "NoneType' object has no attribute 'forward'" in said:
        return (" Hint: a leaf has no operation (node.op is None): skip it, leaves keep "
                "their values.")
    if "missing 1 required positional argument" in said:
        return (" Hint: an operation gets all its arguments, constants included (λ in "
                "L_reg = L + λ·R is not a node): use values_of(node), which reads node.args, "
                "not node.parents.")
    if "'Node' object has no attribute" in said:
        return (" Hint: a node has .value, .op, .args, .params and .parents; values_of(node) "
                "gives the values of its arguments.")
    if "got a Node" in said:
        return (" Hint: give the operation the values of its arguments, values_of(node), "
                "not the nodes themselves.")
    return ""


@check
def check_forward_pass(forward_pass):
    """`forward_pass(order)` must set the value of every computed node, in topological order."""
    graph, reference = _stale_graph(), regularised_example(**_CHECK_VALUES)
    order = topological_order(graph.L_reg)
    old = {node: node.value.copy() for node in order}
    try:
        returned = call_student(forward_pass, list(order))
    except _Stop as stopped:
        stopped.verdict.message += _forward_crash_hint(stopped.verdict.message)
        raise
    for node in order:
        want = getattr(reference, node.name).value
        got = node.value
        if node.op is None:
            if not np.allclose(got, want):
                return wrong(f"the leaf {node.name} changed from {fmt(want)} to {fmt(got)}. A "
                             "forward pass only evaluates the nodes that have an operation; "
                             "leaves keep their values.")
            continue
        formula = _formula(node)
        problem = compare(f"the value of {node.name}", want, got, formula,
                          f"{node.name} = node.op.forward(*values), with the values of its "
                          f"arguments {_names(node.parents)} (and the constants among them).",
                          rtol=1e-9)
        if problem is None:
            continue
        stale = [old[a] if isinstance(a, Node) else a for a in node.args]
        updated_later = [a for a in node.parents
                         if a.op is not None and not np.allclose(a.value, old[a])]
        if updated_later and np.allclose(got, node.op.forward(*stale, **node.params)):
            return wrong(f"{node.name} = {fmt(got)} was computed from the old value of "
                         f"{_names(updated_later)}; expected {node.name} = {formula} = {fmt(want)}. Evaluate "
                         "the nodes in topological order, so that a node's parents are up to "
                         "date before the node itself.")
        if np.allclose(got, old[node]):
            returned_instead = (" Your function returned its values instead: set them "
                                "with `node.value = ...`." if returned is not None else "")
            return wrong(f"{node.name} still holds its old value {fmt(got)}; expected "
                         f"{node.name} = {formula} = {fmt(want)}. Your forward pass did not "
                         f"evaluate {node.name}: every node with an operation gets "
                         f"node.value = node.op.forward(*its argument values).{returned_instead}")
        return wrong(problem)
    return correct("every node's value equals the reference engine's, evaluated in topological "
                   f"order ({_names(order)}).")


def _messages(node: Node, children: dict) -> list:
    """The messages node receives, as (child, child_bar x local, local) from the engine."""
    found = []
    for child, i in children[node]:
        values, vjp = _values(child), child.op.vjps[i]
        found.append((child, vjp(child.bar, child.value, *values, **child.params),
                      vjp(np.ones_like(child.bar), child.value, *values, **child.params)))
    return found


def _children_pairs(node: Node, child: Node) -> list:
    """The (child, i) pairs for which `node` is argument i of `child`."""
    return [(child, i) for i, arg in enumerate(child.args) if arg is node]


def _label(arg) -> str:
    return arg.label if isinstance(arg, Node) else "λ"


def _bar_hint(node: Node, got, messages) -> str:
    """Why a bar is wrong when it matches a classic mistake; else how it is computed."""
    products = [m for _, m, _ in messages]
    total, locals_ = sum(products), sum(local for _, _, local in messages)
    terms = " + ".join(f"{_bar(c.name)}·∂{c.name}/∂{node.name}" for c, _, _ in messages)
    numbers = " + ".join(fmt(m) if np.all(np.asarray(m) >= 0) else f"({fmt(m)})"
                         for m in products)
    if len(messages) > 1:
        for child, message, _ in messages:
            if np.allclose(got, message):
                lost = " and ".join(f"{c.name} ({_bar(c.name)}·∂{c.name}/∂{node.name} = "
                                    f"{fmt(m)})" for c, m, _ in messages if c is not child)
                return (f"that is only the message from {child.name}; the message from "
                        f"{lost} is lost. {node.name} has {len(messages)} children "
                        f"({_names(c for c, _, _ in messages)}) and its bar is the sum of their "
                        f"messages: {_bar(node.name)} = {terms} = {numbers}. Add each child's "
                        f"message to {node.name}'s bar instead of overwriting it.")
        if np.allclose(got, np.prod(products, axis=0)):
            return (f"that is the product of the messages; the bar is their sum (the sum over "
                    f"children): {_bar(node.name)} = {terms} = {numbers}.")
    for child, i in (pair for c, _, _ in messages for pair in _children_pairs(node, c)):
        values = _values(child)
        for j, arg in enumerate(child.args):
            vjp = child.op.vjps[j] if j < len(child.op.vjps) else None
            if j == i or vjp is None or np.shape(values[j]) != np.shape(values[i]):
                continue
            other = vjp(child.bar, child.value, *values, **child.params)
            if len(messages) == 1 and np.allclose(got, other) and not np.allclose(got, total):
                return (f"that is the message {child.name} sends its argument {j} "
                        f"({_label(arg)}), not {node.name}, which is its argument {i}: use the "
                        "i of each (child, i) pair, message(child, i).")
    if np.allclose(got, locals_) and not np.allclose(total, locals_):
        return ("that is the local derivative alone: each message is the child's bar times the "
                "local derivative, child.op.vjps[i](child.bar, child.value, *values).")
    if np.allclose(got, -total):
        return f"the sign is flipped: {_bar(node.name)} = {terms} = {numbers}."
    return f"{_bar(node.name)} = {terms} = {numbers}."


def _is_number(bar) -> bool:
    try:
        np.asarray(bar, dtype=float)
    except (TypeError, ValueError):
        return False
    return not isinstance(bar, (list, tuple))


def _backward_crash_hint(said: str, order: list, children: dict) -> str:
    """A hint for the usual ways a backward pass crashes, from the state it left the graph in."""
    output = order[-1]
    if output.bar is None:
        return (" Hint: step 3 comes first: set the seed, the output's bar, to 1; every "
                "message starts from it.")
    odd = [n for n in order if n.bar is not None and not _is_number(n.bar)]
    if odd:
        return (f" Hint: {odd[0].name}.bar is a {type(odd[0].bar).__name__}; a bar is one "
                "number (or array): the sum of the messages, e.g. sum(...) over the children.")
    if "NoneType" not in said:
        return ""
    if "for +" in said:
        return (" Hint: a bar is None until you set it, so `+=` on it fails: start the sum at 0 "
                "(or use sum(...) over the children).")
    waiting = [n.name for n in order if n.bar is None and n.parents]  # children of others
    return (f" Hint: a message needs its child's bar, and {', '.join(waiting)} still had none. "
            "Step 4 goes in reverse order, `reversed(order[:-1])`, so that every child's bar is "
            "set before its parents need its message; a node's bar comes from `children[node]`.")


@check
def check_backward_pass(backward_pass):
    """`backward_pass(order)` must set every node's bar: the seed, then sums over children."""
    graph, reference = regularised_example(**_CHECK_VALUES), regularised_example(**_CHECK_VALUES)
    reference.L_reg.backward()
    order = topological_order(graph.L_reg)
    for node in order:
        node.bar = None
    children = children_of(order)
    try:
        call_student(backward_pass, list(order))
    except _Stop as stopped:
        stopped.verdict.message += _backward_crash_hint(stopped.verdict.message, order, children)
        raise
    ref_order = topological_order(reference.L_reg)
    ref_children, ref = children_of(ref_order), {n.name: n for n in ref_order}
    output = order[-1]
    for node in reversed(order):
        want, got = ref[node.name].bar, node.bar
        if got is None:
            if node is output:
                return wrong(f"{node.name}.bar is None: step 3, the seed, sets the output's bar "
                             f"to 1 (d{node.name}/d{node.name} = 1).")
            return wrong(f"{node.name}.bar is None: your backward pass never set it. Every node "
                         "before the output, leaves included, gets the sum of the messages of "
                         f"its children ({_names(c for c, _ in children[node])}).")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return wrong(f"{node.name}.bar should be a number, got {type(got).__name__}.")
        if got.size == want.size:
            got = got.reshape(want.shape)
        if got.shape == want.shape and np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        if node is output:
            looped = (" Step 4 runs over all nodes but the output (i = N−1, ..., 1); the output "
                      "has no children, so a sum over them gives 0 and overwrites the seed."
                      if got.shape == want.shape and np.allclose(got, 0) else "")
            return wrong(f"the seed: {node.name}.bar should be 1 (d{node.name}/d{node.name} = 1), "
                         f"got {fmt(got)}.{looped}")
        if got.shape != want.shape:
            return wrong(f"{node.name}.bar has shape {got.shape}; expected {want.shape}, the "
                         f"shape of {node.name} itself.")
        # the nodes after this one in the order were right, so the engine's messages apply
        hint = _bar_hint(ref[node.name], got, _messages(ref[node.name], ref_children))
        return wrong(f"{node.name}.bar is off: expected {fmt(want)}, got {fmt(got)}; {hint}")
    problem = _vector_graph_problem(backward_pass)
    if problem:
        return wrong(problem)
    return correct(f"every node's bar equals the reference engine's, from the seed "
                   f"{_bar(output.name)} = 1 back to the leaves; w̄ sums the messages of both "
                   "its children, z and R. It works on a graph of vectors too.")


def _vector_graph() -> Node:
    """A second graph, of vectors and a matrix: h = tanh(x @ W + b), L = Σ h·h (h used twice)."""
    x = Node([1.0, -2.0], name="x")
    W = Node([[0.5, -0.3], [0.2, 0.8]], name="W")
    b = Node([0.1, 0.0], name="b")
    h = tanh(add(matmul(x, W, name="a"), b, name="z"), name="h")
    return mul(h, h, name="hh").sum(name="L")


def _vector_graph_problem(backward_pass) -> str | None:
    """What goes wrong when the student's backward pass runs on vectors, or None."""
    reference = _vector_graph()
    reference.backward()
    want = {n.name: n.bar for n in topological_order(reference)}
    order = topological_order(_vector_graph())
    where = "right on the lecture's graph, but on a graph of vectors (h = tanh(x @ W + b), " \
            "L = Σ h·h)"
    crash = ""
    try:
        call_student(backward_pass, list(order))
    except _Stop as stopped:
        crash = f" {stopped.verdict.message}"
    for node in reversed(order):
        expected = want[node.name]
        if node.bar is None and crash:
            break
        try:
            got = np.asarray(node.bar, dtype=float)
        except (TypeError, ValueError):
            return f"{where} {node.name}.bar is {node.bar!r}; expected an array.{crash}"
        if got.shape != expected.shape:
            return (f"{where} {node.name}.bar has shape {got.shape}; expected {expected.shape}, "
                    f"the shape of {node.name}. np.sum([...]) adds up every entry of every "
                    "message: add the messages with + (or Python's sum), which keeps their "
                    f"shape.{crash}")
        if not np.allclose(got, expected):
            return f"{where} {node.name}.bar is off: expected {fmt(expected)}, got {fmt(got)}."
    return f"{where}:{crash}" if crash else None


# --------------------------------------------------------------------------------------------
# Notebook 06: a new operation; the bar of W in Y = XW
# --------------------------------------------------------------------------------------------

#: Points where the new operation is tested: no kink at 0 for leaky ReLU.
_POINTS = np.array([-2.3, -0.7, -0.2, 0.4, 1.1, 2.9])


def _power_of_ten(error: float) -> str:
    """"below 1e-08": the power of ten just above `error`, stable where the digits are noise."""
    if error == 0:
        return "of 0"
    return f"below 1e{int(np.floor(np.log10(error))) + 1:03d}"


@check
def check_new_operation(operation):
    """`operation` is an engine Operation of one argument whose message the student wrote."""
    if not isinstance(operation, Operation):
        stop(wrong(f"expected an engine Operation, e.g. Operation('softplus', forward, "
                   f"(message,), ...); got {type(operation).__name__}."))
    if len(operation.vjps) != 1 or not callable(operation.vjps[0]):
        stop(wrong(f"{operation.name} takes one argument, so its vjps must be a tuple of one "
                   f"function, e.g. `(softplus_message,)`; got {operation.vjps!r}."))
    a = _POINTS.copy()
    bar = np.linspace(0.5, 2.0, a.size)          # different bars, so forgetting `bar` shows
    out = np.asarray(operation.forward(a))
    try:
        message = call_student(operation.vjps[0], bar.copy(), out.copy(), a.copy())
    except _Stop as stopped:
        if "positional argument" in stopped.verdict.message:
            stopped.verdict.message += (" Hint: the engine calls a message function with three "
                                        "arguments, (bar, out, a): the output's bar, the "
                                        "operation's value and its argument.")
        raise
    numerical = numerical_gradient(lambda v: np.sum(operation.forward(v)), a)  # d out/d a
    expected = bar * numerical
    name = operation.name
    if message is None:
        return wrong(f"the message of {name} is None: did you forget to `return` it?")
    try:
        message = np.asarray(message, dtype=float)
    except (TypeError, ValueError):
        return wrong(f"the message should be an array of numbers, got {type(message).__name__}.")
    if message.shape != a.shape:
        return wrong(f"the message has shape {message.shape}, but the argument has shape "
                     f"{a.shape}: a message has the shape of the argument it goes to "
                     "(one number per entry; do not sum).")
    error = rel_error(message, expected)
    if error < 1e-7:
        node = Node(a, name="a")
        loss = (operation(node) * bar).sum()
        loss.backward()
        engine_error = rel_error(node.bar, expected)
        worst = max(error, engine_error)
        if worst >= 1e-7:
            return wrong(f"your message agrees with finite differences, but the engine's bar "
                         f"of a through {name} does not (relative error {engine_error:.1e}): "
                         "does the message keep the shape of its argument?")
        return correct(f"gradient check of {name}: relative error {_power_of_ten(error)}, "
                       f"{reading(error)}; the engine's bars through {name} agree too.")
    said = f"gradient check of {name}: relative error {error:.1e}, {reading(error)}."
    points = ", ".join(f"{v:g}" for v in a)
    if np.allclose(message, bar * out):
        return wrong(f"{said} Your message is bar·{name}(a), the operation's own value; it "
                     f"should be bar times its derivative d{name}(a)/da.")
    if np.allclose(message, numerical) and not np.allclose(numerical, expected):
        return wrong(f"{said} You returned the local derivative alone: multiply it by bar, the "
                     "output's bar (the message is bar × d out/d a).")
    if np.allclose(message, -expected):
        return wrong(f"{said} The sign is flipped.")
    mirrored = bar * numerical_gradient(lambda v: np.sum(operation.forward(v)), -a)
    if np.allclose(message, mirrored, rtol=1e-5):
        return wrong(f"{said} Your message is bar times the derivative at −a instead of at a: "
                     "check the sign inside (d/da e^a = e^a, d/da e^(−a) = −e^(−a)).")
    first = int(np.argmax(np.abs(message - expected) / np.maximum(1e-12, np.abs(message)
                                                                   + np.abs(expected))))
    return wrong(f"{said} At a = {a[first]:g} (bar = {bar[first]:g}) the message should be "
                 f"{fmt(expected[first])} (finite differences), got {fmt(message[first])}; "
                 f"tested at a = {points}.")


@check
def check_matmul_bar(W_bar_of):
    """`W_bar_of(X, Y_bar)` must return the bar of W in Y = XW, as the engine computes it."""
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    Y_bar = rng.normal(size=(4, 2))
    node = Node(W, name="W")
    ((X @ node) * Y_bar).sum().backward()     # a loss whose bar of Y is exactly Y_bar
    want = node.bar
    shapes = f"X is {X.shape}, W is {W.shape}, Y = XW and Ȳ are {Y_bar.shape}"
    try:
        got = call_student(W_bar_of, X.copy(), Y_bar.copy())
    except _Stop as stopped:
        verdict = stopped.verdict
        if "NameError" in verdict.message:
            verdict.message += " Hint: W̄ is computed from X and Ȳ alone, the function's inputs."
        elif "ValueError" in verdict.message or "matmul" in verdict.message:
            verdict.message += (f" Match the shapes: {shapes}; W̄ must have W's shape "
                                f"{W.shape}. Which product of X, Ȳ and transposes gives that?")
        raise
    if got is None:
        return wrong("W_bar_of returned None: did you forget to `return` W̄?")
    got = np.asarray(got, dtype=float)
    if got.shape != want.shape:
        if got.shape == want.T.shape and np.allclose(got, want.T):
            return wrong(f"W̄ has shape {got.shape}, but W has shape {W.shape}: you have the "
                         "transpose of the right answer (Ȳᵀ X instead of Xᵀ Ȳ).")
        return wrong(f"W̄ has shape {got.shape}, but W has shape {W.shape}: a bar always has "
                     f"the shape of its node ({shapes}).")
    if np.allclose(got, want):
        return correct(f"W̄ = Xᵀ Ȳ, shape {want.shape} like W, equal to the engine's bar of W.")
    if np.allclose(got, X.T @ np.ones_like(Y_bar)):
        return wrong("W̄ does not depend on Ȳ: each message is the child's bar times the "
                     "local derivative, so Ȳ must appear in W̄.")
    if np.allclose(got, -want):
        return wrong("W̄ has the right size but the wrong sign.")
    return wrong(compare("W̄", want, got, "Xᵀ Ȳ",
                         "entry by entry, W̄_ij = Σ_n Ȳ_nj X_ni: which matrix product is that?"))

"""The checks of notebooks 04-06 on tables of answers: right ones written differently pass, each
typical mistake (hard-coded, mutating, stateful, looping, mathematical) gets its own message."""
# ruff: noqa: B905  (the answers are written the way students write them)
import numpy as np
import pytest
from verdicts import references_allowed, short_guard, table_tests  # noqa: F401

from course_utils.checks.graphs import (
    check_backward_pass,
    check_forward_pass,
    check_matmul_bar,
    check_new_operation,
    check_topological_sort,
    check_X_bar_entries,
)
from course_utils.engine import Node, Operation, children_of

#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


# -- topological sort (notebook 04) -----------------------------------------------------------


def depth_first(output):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(output)
    return order


def with_a_stack(output):
    order, done, stack = [], set(), [(output, False)]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            done.add(node)
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if p not in done)
    return order


def by_depth(output):
    """Kahn-like: longest distance from the leaves first, as a tuple."""
    depth = {}

    def d(node):
        if node not in depth:
            depth[node] = 1 + max((d(p) for p in node.parents), default=0)
        return depth[node]
    d(output)
    return tuple(sorted(depth, key=lambda n: (depth[n], n.label)))


def reversed_breadth_first(output):
    seen, queue = [output], [output]
    while queue:
        node = queue.pop(0)
        for parent in node.parents:
            if parent not in seen:
                seen.append(parent)
                queue.append(parent)
    return seen[::-1]


def without_visited(output):
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)
    visit(output)
    return order


def preorder(output):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            order.append(node)
            for parent in node.parents:
                visit(parent)
    visit(output)
    return order


def stack_never_pops(output):
    order, stack = [], [output]
    while stack:
        node = stack[-1]
        if node not in order:
            order.append(node)
        stack.extend(node.parents)
    return order


def without_base_case(output):
    order = []

    def visit(node):
        visit(node)
        order.append(node)
    visit(output)
    return order


VISITED = set()


def global_visited(output):
    order = []

    def visit(node):
        if node not in VISITED:
            VISITED.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(output)
    return order


def detaching(output):
    order = depth_first(output)
    for node in order:
        node.parents = ()
    return order


def returns_the_set(output):
    visited = set()

    def visit(node):
        visited.add(node)
        for parent in node.parents:
            visit(parent)
    visit(output)
    return visited


TOPOLOGICAL_SORT = [
    (depth_first, "correct", ["valid topological order"]),
    (with_a_stack, "correct", []),
    (by_depth, "correct", []),
    (reversed_breadth_first, "wrong", ["comes before", "computed from"]),
    (without_visited, "wrong", ["more than once"]),
    (preorder, "wrong", ["comes before"]),
    (lambda output: [output], "wrong", ["missing", "leaves and output included"]),
    (lambda output: [n.label for n in depth_first(output)], "wrong", ["not their names"]),
    (lambda output: None, "wrong", ["returned None"]),
    (returns_the_set, "wrong", ["returned a set"]),
    (lambda output: depth_first(output)[:-1], "wrong", ["is missing"]),
    (lambda output: [p for p in depth_first(output) if p.parents], "wrong", ["are missing"]),
    (stack_never_pops, "wrong", ["did not finish"]),
    (without_base_case, "wrong", ["RecursionError", "does your recursion stop"]),
    (global_visited, "wrong", ["called again"]),
    (detaching, "wrong", ["changed its input", "no longer reached"]),
    (lambda output: depth_first(output) + [Node(1.0, name="q")], "wrong", ["not a node"]),
    (lambda output: output.parents, "wrong", []),
]


# -- forward pass (notebook 05) ---------------------------------------------------------------

def values_of(node):
    return [a.value if isinstance(a, Node) else a for a in node.args]


def forward_with_helper(order):
    for node in order:
        if node.op is not None:
            node.value = node.op.forward(*values_of(node), **node.params)


def forward_with_while(order):
    i = 0
    while i < len(order):
        node = order[i]
        if node.op:
            args = [a.value if isinstance(a, Node) else a for a in node.args]
            node.value = node.op.forward(*args, **node.params)
        i += 1
    return order


def forward_by_index(order):
    for i in range(len(order)):
        if order[i].op is None:
            continue
        order[i].value = order[i].op.forward(*values_of(order[i]), **order[i].params)


def forward_without_params(order):
    for node in order:
        if node.op is not None:
            node.value = node.op.forward(*values_of(node))


def forward_reversed(order):
    for node in reversed(order):
        if node.op is not None:
            node.value = node.op.forward(*values_of(node), **node.params)


def forward_returning(order):
    return [node.op.forward(*values_of(node), **node.params) for node in order if node.op]


def forward_with_parents(order):
    for node in order:
        if node.op is not None:
            node.value = node.op.forward(*[p.value for p in node.parents], **node.params)


def forward_with_leaves(order):
    for node in order:
        node.value = node.op.forward(*values_of(node), **node.params)


def forward_with_nodes(order):
    for node in order:
        if node.op is not None:
            node.value = node.op.forward(*node.args, **node.params)


def forward_forever(order):
    i = 0
    while i < len(order):
        node = order[i]
        if node.op is not None:
            node.value = node.op.forward(*values_of(node), **node.params)
            i += 1


def forward_popping(order):
    while order:
        node = order.pop(0)
        if node.op is not None:
            node.value = node.op.forward(*values_of(node), **node.params)


def forward_zeroing_leaves(order):
    for node in order:
        if node.op is None:
            node.value = np.zeros_like(node.value)
    forward_with_helper(order)


def forward_but_the_last(order):
    for i in range(len(order) - 1):
        if order[i].op is not None:
            order[i].value = order[i].op.forward(*values_of(order[i]), **order[i].params)


def forward_params_to_helper(order):
    for node in order:
        if node.op is not None:
            node.value = node.op.forward(*values_of(node, **node.params))


def forward_constants_last(order):
    """The nodes' values first, the constants after them: right while a constant comes last (λ
    in L + λR), wrong for 2 − x."""
    for node in order:
        if node.op is not None:
            constants = [a for a in node.args if not isinstance(a, Node)]
            node.value = node.op.forward(*[p.value for p in node.parents], *constants,
                                         **node.params)


cache = {}


def forward_with_cache(order):
    for node in order:
        if node.op is not None:
            if node.label not in cache:
                cache[node.label] = node.op.forward(*values_of(node), **node.params)
            node.value = cache[node.label]


FORWARD_PASS = [
    (forward_with_helper, "correct", ["sum over an axis"]),
    (forward_with_while, "correct", []),
    (forward_by_index, "correct", []),
    (forward_without_params, "wrong", ["node.params", "axis of a sum"]),
    (forward_reversed, "wrong", ["topological order"]),
    (forward_returning, "wrong", ["did not store"]),
    (forward_with_parents, "wrong", ["missing 1 required positional", "holds only the nodes"]),
    (forward_with_leaves, "wrong", ["leaf has no operation"]),
    (forward_with_nodes, "wrong", ["TypeError"]),
    (forward_forever, "wrong", ["did not finish"]),
    (forward_popping, "wrong", ["changed its input", "order was"]),
    (forward_zeroing_leaves, "wrong", ["changed its input", ".value"]),
    (forward_but_the_last, "wrong", ["L_reg.value is off"]),
    (forward_with_cache, "wrong", ["matrices", "L.value is off"]),
    (forward_params_to_helper, "wrong", ["values_of", "not to values_of"]),
    (forward_constants_last, "wrong", ["constants as first arguments", "d.value is off",
                                       "a constant comes first"]),
]


# -- backward pass (notebook 05) --------------------------------------------------------------

def message(child, i):
    return child.op.vjps[i](child.bar, child.value, *values_of(child), **child.params)


def backward_with(combine=sum, send=message, seed=1.0, nodes=lambda order: order[-2::-1]):
    def backward_pass(order):
        children = children_of(order)
        order[-1].bar = np.full_like(order[-1].value, seed)
        for node in nodes(order):
            node.bar = combine([send(child, i) for child, i in children[node]])
    return backward_pass


def backward_seeded_with_the_value(order):
    children = children_of(order)
    order[-1].bar = order[-1].value.copy()
    for node in reversed(order[:-1]):
        node.bar = sum(message(child, i) for child, i in children[node])


def backward_with_plus(order):
    children = children_of(order)
    order[-1].bar = np.ones_like(order[-1].value)
    for node in reversed(order[:-1]):
        bar = 0
        for child, i in children[node]:
            bar = bar + message(child, i)
        node.bar = bar


def backward_from_parents(order):
    """Pushes each child's messages to its parents (another valid order of additions)."""
    for node in order:
        node.bar = np.zeros_like(node.value)
    order[-1].bar = np.ones_like(order[-1].value)
    for child in reversed(order):
        for i, arg in enumerate(child.args):
            if isinstance(arg, Node):
                arg.bar = arg.bar + message(child, i)


def backward_accumulating(order):
    children = children_of(order)
    order[-1].bar = np.ones_like(order[-1].value)
    for node in reversed(order[:-1]):
        if node.bar is None:
            node.bar = np.zeros_like(node.value)
        for child, i in children[node]:
            node.bar = node.bar + message(child, i)


def backward_forward_order(order):
    children = children_of(order)
    order[-1].bar = np.ones_like(order[-1].value)
    for node in order[:-1]:
        node.bar = sum(message(child, i) for child, i in children[node])


def backward_without_seed(order):
    children = children_of(order)
    for node in reversed(order[:-1]):
        node.bar = sum(message(child, i) for child, i in children[node])


def backward_plus_equals(order):
    children = children_of(order)
    order[-1].bar = np.ones_like(order[-1].value)
    for node in reversed(order[:-1]):
        for child, i in children[node]:
            node.bar += message(child, i)


def backward_forever(order):
    children = children_of(order)
    order[-1].bar = np.ones_like(order[-1].value)
    todo = list(reversed(order[:-1]))
    while todo:
        node = todo[0]
        node.bar = sum(message(child, i) for child, i in children[node])


def backward_reversing(order):
    order.reverse()
    children = children_of(order[::-1])
    order[0].bar = np.ones_like(order[0].value)
    for node in order[1:]:
        node.bar = sum(message(child, i) for child, i in children[node])


def local_only(child, i):
    return child.op.vjps[i](np.ones_like(child.bar), child.value, *values_of(child),
                            **child.params)


BACKWARD_PASS = [
    (backward_with(), "correct", ["sums the messages"]),
    (backward_with_plus, "correct", []),
    (backward_from_parents, "correct", []),
    (backward_with(combine=lambda ms: ms[-1]), "wrong", ["message of one child only"]),
    (backward_with(combine=lambda ms: np.prod(ms, axis=0)), "wrong", ["product of the messages"]),
    (backward_with(combine=np.sum), "wrong", ["raised AxisError", "np.sum([...])",
                                              "entry by entry"]),
    (backward_with(send=local_only), "wrong", ["local derivative alone"]),
    (backward_with(send=lambda c, i: -message(c, i)), "wrong", ["sign is flipped"]),
    (backward_with(send=lambda c, i: message(c, 0)), "wrong", ["first argument"]),
    (backward_with(seed=2.0), "wrong", ["L_reg.bar", "expected", "got 2"]),
    (backward_with(nodes=lambda order: order[::-1]), "wrong", ["overwrote"]),
    (backward_seeded_with_the_value, "wrong", ["L_reg.bar", "the seed is the output's value"]),
    (backward_accumulating, "wrong", ["called again", "keeps growing"]),
    (backward_forward_order, "wrong", ["NoneType", "in which order"]),
    (backward_without_seed, "wrong", ["step 3 comes first, the seed"]),
    (backward_plus_equals, "wrong", ["for +", "what does a sum start from"]),
    (backward_forever, "wrong", ["did not finish"]),
    (backward_reversing, "wrong", ["changed its input", "order"]),
]


# -- a new operation (notebook 06) ------------------------------------------------------------

def softplus_with(message):
    return Operation("softplus", lambda a: np.logaddexp(0.0, a), (message,), "softplus({0})",
                     ("σ({0})",))


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def softplus_looping(bar, out, a):
    result = np.zeros_like(a)
    i = 0
    while i < a.size:
        result.flat[i] = bar.flat[i] * sigmoid(a.flat[i])
    return result


def softplus_in_place(bar, out, a):
    bar *= sigmoid(a)
    return bar


def softplus_entrywise(bar, out, a):
    result = np.empty_like(a)
    for i in np.ndindex(a.shape):
        result[i] = bar[i] * np.exp(a[i]) / (1 + np.exp(a[i]))
    return result


calls = []


def softplus_counting(bar, out, a):
    calls.append(1)
    return bar * sigmoid(a) * (1 if len(calls) < 4 else 2)


NEW_OPERATION = [
    (softplus_with(lambda bar, out, a: bar * sigmoid(a)), "correct", ["to rounding"]),
    (softplus_with(lambda bar, out, a: bar * (np.logaddexp(0, a + 1e-6) - np.logaddexp(0, a - 1e-6))
                   / 2e-6), "wrong", ["significant digits only", "a finite difference"]),
    (softplus_with(lambda bar, out, a: bar * (1 - np.exp(-out))), "correct", []),
    (softplus_with(softplus_entrywise), "correct", []),
    (softplus_with(lambda bar, out, a: bar * out), "wrong", ["own value"]),
    (softplus_with(lambda bar, out, a: sigmoid(a)), "wrong", ["derivative alone"]),
    (softplus_with(lambda bar, out, a: -bar * sigmoid(a)), "wrong", ["sign is flipped"]),
    (softplus_with(lambda bar, out, a: bar * sigmoid(-a)), "wrong", ["at −a"]),
    (softplus_with(lambda bar, out, a: bar * sigmoid(a) * (1 - sigmoid(a))), "wrong",
     ["expected", "got"]),
    (softplus_with(lambda bar, out, a: np.sum(bar * sigmoid(a))), "wrong", ["shape"]),
    (softplus_with(lambda bar, a: bar * sigmoid(a)), "wrong", ["three arguments"]),
    (softplus_with(softplus_looping), "wrong", ["did not finish"]),
    (softplus_with(softplus_in_place), "wrong", ["changed its input", "bar"]),
    (softplus_with(softplus_counting), "wrong", ["called again"]),
    (softplus_with(lambda bar, out, a: bar * sigmoid(a[:6])), "wrong", ["a of shape (2, 3)"]),
    (lambda bar, out, a: bar * sigmoid(a), "wrong", ["expected an engine Operation"]),
    (Operation("softplus", lambda a: np.logaddexp(0.0, a), (), "s", ()), "wrong",
     ["tuple of one function"]),
    (Operation("softplus", lambda a: np.log(1 + np.exp(a)) + undefined,  # noqa: F821
               (lambda bar, out, a: bar * sigmoid(a),), "s", ()), "wrong", ["NameError"]),
]


# -- the bar of W (notebook 06) ---------------------------------------------------------------

def W_bar_by_sums(X, Y_bar):
    W_bar = np.zeros((X.shape[1], Y_bar.shape[1]))
    for n in range(len(X)):
        W_bar += np.outer(X[n], Y_bar[n])
    return W_bar


def W_bar_in_place(X, Y_bar):
    X -= 0
    X *= 1.0 + 1e-3
    return X.T @ Y_bar / (1.0 + 1e-3)


def W_bar_forever(X, Y_bar):
    W_bar, n = np.zeros((X.shape[1], Y_bar.shape[1])), 0
    while n < len(X):
        W_bar += np.outer(X[n], Y_bar[n])
    return W_bar


CACHE = {}


def W_bar_counting(X, Y_bar):
    CACHE["calls"] = CACHE.get("calls", 0) + 1
    return X.T @ Y_bar * (1.0 if CACHE["calls"] <= 4 else 2.0)


MATMUL_BAR = [
    (lambda X, Y_bar: X.T @ Y_bar, "correct", ["four shapes"]),
    (W_bar_by_sums, "correct", []),
    (lambda X, Y_bar: np.einsum("ni,nj->ij", X, Y_bar), "correct", []),
    (lambda X, Y_bar: Y_bar.T @ X, "wrong", ["transpose"]),
    (lambda X, Y_bar: X.T @ np.ones_like(Y_bar), "wrong", ["does not depend on Ȳ"]),
    (lambda X, Y_bar: -X.T @ Y_bar, "wrong", ["sign is flipped"]),
    (lambda X, Y_bar: X @ Y_bar.T, "wrong", ["matmul", "match the shapes"]),
    (lambda X, Y_bar: X.T @ Y_bar / len(X), "wrong", ["no mean"]),
    (lambda X, Y_bar: X.T @ Y_bar[:, :1], "wrong", ["shape (3, 1)"]),
    (lambda X, Y_bar: W @ Y_bar, "wrong", ["NameError", "X and Ȳ alone"]),  # noqa: F821
    (lambda X, Y_bar: X[:4, :3].T @ Y_bar[:4, :2], "wrong", ["X of shape (3, 3)"]),
    (W_bar_in_place, "wrong", ["changed its input", "X"]),
    (W_bar_forever, "wrong", ["did not finish"]),
    (W_bar_counting, "wrong", ["called again"]),
    (lambda X, Y_bar: X.T * Y_bar.sum(), "wrong", []),
]

def X_bar_by_entries(Y_bar, W):
    """Each entry of X: the sum over the two entries of Y in its row, bar times weight."""
    return np.array([[Y_bar[n, 0] * W[i, 0] + Y_bar[n, 1] * W[i, 1] for i in range(2)]
                     for n in range(2)])


def X_bar_in_place(Y_bar, W):
    W *= -1.0
    return -(Y_bar @ W.T)


X_BAR = [
    (lambda Y_bar, W: Y_bar @ W.T, "correct", ["two entries of Y", "three pairs"]),
    (X_bar_by_entries, "correct", []),
    (lambda Y_bar, W: (Y_bar @ W.T).tolist(), "correct", []),
    (lambda Y_bar, W: np.einsum("nj,ij->ni", Y_bar, W), "correct", []),
    (lambda Y_bar, W: Y_bar @ W, "wrong", ["X̄[0, 0] is off", "each other's places"]),
    (lambda Y_bar, W: Y_bar.T @ W.T, "wrong", ["row n of Ȳ"]),
    (lambda Y_bar, W: np.outer(Y_bar[:, 0], W[:, 0]), "wrong", ["two messages"]),
    (lambda Y_bar, W: Y_bar.sum(axis=0) @ W.T + 0 * Y_bar, "wrong", ["own children"]),
    (lambda Y_bar, W: np.ones((2, 2)) @ W.T, "wrong", ["does not depend on Ȳ"]),
    (lambda Y_bar, W: W @ Y_bar.T, "wrong", ["transposed places"]),
    (lambda Y_bar, W: -(Y_bar @ W.T), "wrong", ["sign is flipped"]),
    (lambda Y_bar, W: W.T @ Y_bar, "wrong", ["a column of W with a column of Ȳ"]),
    (lambda Y_bar, W: np.outer(Y_bar[:, 1], W[:, 1]), "wrong", ["X̄[0, 0] is off"]),
    (lambda Y_bar, W: Y_bar[2, 0] * W[0, 0], "wrong", ["IndexError", "indices are 0 and 1"]),
    (lambda Y_bar, W: X @ W, "wrong", ["NameError", "Ȳ and W alone"]),  # noqa: F821
    (lambda Y_bar, W: Y_bar @ W.T[:, :1], "wrong", ["shape (2, 1)"]),
    (lambda Y_bar, W: np.array([[17.0, 23.0], [39.0, 53.0]]), "wrong", ["random numbers"]),
    (X_bar_in_place, "wrong", ["changed its input", "W"]),
    (lambda Y_bar, W: f"{(Y_bar @ W.T)[0, 0]}", "wrong", ["text"]),
]

TABLES = [(check_topological_sort, TOPOLOGICAL_SORT), (check_forward_pass, FORWARD_PASS),
          (check_backward_pass, BACKWARD_PASS), (check_new_operation, NEW_OPERATION),
          (check_X_bar_entries, X_BAR), (check_matmul_bar, MATMUL_BAR)]


def fresh_state():
    VISITED.clear()
    calls.clear()
    CACHE.clear()
    cache.clear()


test_each_answer_gets_its_verdict, test_different_mistakes_get_different_messages = \
    table_tests(TABLES, fresh_state)

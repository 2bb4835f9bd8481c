"""Notebook 08: every bar by forward-mode sweeps, and what the backward pass keeps; the checks
and their tables of answers."""
import numpy as np
import pytest
from verdicts import (  # noqa: F401
    assert_messages_differ,
    assert_row,
    references_allowed,
    rows,
    short_guard,
    untouched,
)

from course_utils.checks.modes import (
    check_gradient_by_forward_mode,
    check_kept_for_backward,
    forward_mode,
    gradient_by_forward_mode,
    kept_for_backward,
)
from course_utils.engine import Node, matmul, sigmoid, topological_order
from course_utils.lecture import regularised_example

#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


# -- the references -------------------------------------------------------------------------


def test_kept_counts_each_value_once_constants_included():
    X = np.ones((5, 2))
    W = Node(np.ones((2, 3)), name="W")
    h = sigmoid(matmul(X, W, name="a"), name="h")
    out = (h * h).sum()
    # X (10), W (6), a (15), h (15), h·h (15), the sum (1); h is read twice, kept once
    assert kept_for_backward(out) == 10 + 6 + 15 + 15 + 15 + 1


def test_kept_values_grow_with_the_batch_and_not_the_parameters():
    def network(N):
        W = Node(np.ones((2, 4)), name="W")
        return sigmoid(matmul(np.ones((N, 2)), W)).mean()
    assert kept_for_backward(network(64)) - kept_for_backward(network(32)) == 32 * (2 + 4 + 4)


# -- every bar by forward mode: right answers -----------------------------------------------

def flat_index(output, params, sweep):
    bars, sweeps = [], 0
    for p in params:
        flat = np.zeros(p.value.size)
        for k in range(p.value.size):
            unit = np.zeros(p.value.size)
            unit[k] = 1.0
            flat[k] = np.sum(sweep(output, p, unit.reshape(p.shape)))
            sweeps += 1
        bars.append(flat.reshape(p.shape))
    return bars, sweeps


def with_eye(output, params, sweep):
    bars = []
    for p in params:
        units = np.eye(p.value.size)
        bars.append(np.array([np.sum(sweep(output, p, u.reshape(p.shape)))
                              for u in units]).reshape(p.shape))
    return bars, sum(p.value.size for p in params)


# -- wrong answers --------------------------------------------------------------------------

def sweeps_of(output, params, sweep, unit=lambda p, i: np.eye(p.value.size)[i].reshape(p.shape),
              total=np.sum, count=lambda params, ran: ran):
    bars, ran = [], 0
    for p in params:
        bar = np.zeros(p.value.size)
        for i in range(p.value.size):
            bar[i] = total(sweep(output, p, unit(p, i)))
            ran += 1
        bars.append(bar.reshape(p.shape))
    return bars, count(params, ran)


def kept_units(output, params, sweep):
    bars, ran = [], 0
    for p in params:
        bar, unit = np.zeros(p.value.size), np.zeros(p.value.size)
        for i in range(p.value.size):
            unit[i] = 1.0
            bar[i] = np.sum(sweep(output, p, unit.reshape(p.shape)))
            ran += 1
        bars.append(bar.reshape(p.shape))
    return bars, ran


def by_backward(output, params, sweep):
    output.backward()
    return [p.bar for p in params], sum(p.value.size for p in params)


def moves_the_params(output, params, sweep):
    for p in params:
        p.value = p.value + 1e-3
    return gradient_by_forward_mode(output, params, sweep)


COUNT = {"sweeps": 0}


def counts_on(output, params, sweep):
    bars, ran = gradient_by_forward_mode(output, params, sweep)
    COUNT["sweeps"] += ran
    return bars, COUNT["sweeps"]


def forever(output, params, sweep):
    index = 0
    while index < len(params):
        sweep(output, params[index], np.ones_like(params[index].value))
    return [], 0


_lecture = regularised_example(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)
FIRST = gradient_by_forward_mode(_lecture.L_reg, [_lecture.w, _lecture.b])

GRADIENT = [  # (the student's gradient_by_forward_mode, status, key words)
    (gradient_by_forward_mode, "correct", ["one sweep per entry"]),
    (flat_index, "correct", []),
    (with_eye, "correct", []),
    (sweeps_of, "correct", []),
    (untouched, "not attempted", ["NotImplementedError"]),
    (lambda o, ps, s: (np.concatenate([np.ravel(b) for b in gradient_by_forward_mode(o, ps, s)[0]]),
                       sum(p.value.size for p in ps)), "wrong",
     ["one flat array of shape (2,)", "a list of 2 arrays"]),
    (lambda o, ps, s: ([np.full(p.shape, np.sum(s(o, p, np.ones_like(p.value)))) for p in ps],
                       len(ps)), "wrong", ["the same number in every entry"]),
    (kept_units, "wrong", ["keep the 1s of the earlier entries"]),
    (lambda o, ps, s: gradient_by_forward_mode(o, ps, forward_mode), "wrong",
     ["use the `sweep` you are given"]),
    (lambda o, ps, s: sweeps_of(o, ps, s, count=lambda params, ran: len(params)), "wrong",
     ["one sweep per parameter"]),
    (lambda o, ps, s: sweeps_of(o, ps, s, count=lambda params, ran: ran + 1), "wrong",
     ["one sweep too many"]),
    (lambda o, ps, s: sweeps_of(o, ps, s, total=lambda t: t), "wrong",
     ["raised ValueError", "the derivative of sum(out)"]),
    (lambda o, ps, s: sweeps_of(o, ps, s, total=np.max), "wrong", ["is off"]),
    (lambda o, ps, s: FIRST, "wrong", ["params [b, x, w]"]),
    (lambda o, ps, s: (gradient_by_forward_mode(o, ps, s)[0], None), "wrong",
     ["the number of sweeps is None"]),
    (by_backward, "wrong", ["changed its input", ".bar"]),
    (moves_the_params, "wrong", ["changed its input"]),
    (counts_on, "wrong", ["called again"]),
    (forever, "wrong", ["did not finish"]),
]


@pytest.mark.parametrize("answer, status, words", rows(GRADIENT))
def test_gradient_by_forward_mode(answer, status, words, short_guard):  # noqa: F811
    COUNT["sweeps"] = 0
    assert_row(check_gradient_by_forward_mode, answer, status, words)


def test_gradient_mistakes_get_messages_of_their_own(short_guard):  # noqa: F811
    COUNT["sweeps"] = 0
    assert_messages_differ(check_gradient_by_forward_mode, GRADIENT)


# -- what the backward pass keeps: right answers --------------------------------------------

def with_a_set(output):
    seen, total = set(), 0
    for node in topological_order(output):
        for value in ([node, *node.args] if node.op is not None else []):
            if id(value) not in seen:
                seen.add(id(value))
                total += np.size(value.value if isinstance(value, Node) else value)
    return total


def by_recursion(output):
    sizes, visited = {}, set()

    def visit(node):
        if node.op is not None and id(node) not in visited:
            visited.add(id(node))
            sizes[id(node)] = node.value.size
            for arg in node.args:
                sizes[id(arg)] = np.size(arg.value if isinstance(arg, Node) else arg)
                if isinstance(arg, Node):
                    visit(arg)
    visit(output)
    return sum(sizes.values())


def read_values(output):
    """Every value a message reads, as a list of (id, size); then the distinct ones."""
    read = [(id(v), np.size(v.value if isinstance(v, Node) else v))
            for n in topological_order(output) if n.op is not None for v in (n, *n.args)]
    return sum(dict(read).values())


# -- wrong answers --------------------------------------------------------------------------

def counted(output, own=True, args=True, constants=True, once=True, entries=True, leaves=False):
    sizes, total = {}, 0
    for node in topological_order(output):
        if node.op is None and not leaves:
            continue
        read = ([node] if own or node.op is None else []) + \
            [a for a in (node.args if args else ()) if constants or isinstance(a, Node)]
        for value in read:
            size = np.size(value.value if isinstance(value, Node) else value) if entries else 1
            if once:
                sizes[id(value)] = size
            else:
                total += size
    return total + sum(sizes.values())


def zeroes_values(output):
    total = kept_for_backward(output)
    for node in topological_order(output):
        node.value = np.zeros_like(node.value)
    return total


KEPT = {"total": 0}


def keeps_a_total(output):
    KEPT["total"] += kept_for_backward(output)
    return KEPT["total"]


def forever_kept(output):
    nodes = [output]
    while nodes:
        nodes.append(nodes[-1])
    return 0


FIRST_KEPT = kept_for_backward(_lecture.L_reg)

KEEPS = [  # (the student's kept_for_backward, status, key words)
    (kept_for_backward, "correct", ["10 numbers kept"]),
    (with_a_set, "correct", []),
    (by_recursion, "correct", []),
    (read_values, "correct", []),
    (untouched, "not attempted", ["NotImplementedError"]),
    (lambda o: counted(o, args=False), "wrong", ["arguments' values too"]),
    (lambda o: counted(o, own=False), "wrong", ["own value is read too"]),
    (lambda o: counted(o, constants=False), "wrong", ["constants are read too"]),
    (lambda o: counted(o, once=False), "wrong", ["kept once"]),
    (lambda o: counted(o, entries=False), "wrong", ["counts values, not numbers"]),
    (lambda o: counted(o, own=False, once=False), "wrong", ["XOR network", "is off"]),
    (lambda o: sum(n.value.size for n in topological_order(o) if n.op is None), "wrong",
     ["is off", "the leaves' values alone"]),
    (lambda o: FIRST_KEPT, "wrong", ["XOR network", "expected 83, got 10"]),
    (lambda o: sum(a.value.size for n in topological_order(o) if n.op for a in n.args), "wrong",
     ["raised AttributeError", "a constant has no .value"]),
    (lambda o: [kept_for_backward(o)], "wrong", ["has shape (1,)"]),
    (zeroes_values, "wrong", ["changed its input"]),
    (keeps_a_total, "wrong", ["called again"]),
    (forever_kept, "wrong", ["did not finish"]),
]


@pytest.mark.parametrize("answer, status, words", rows(KEEPS))
def test_kept_for_backward(answer, status, words, short_guard):  # noqa: F811
    KEPT["total"] = 0
    assert_row(check_kept_for_backward, answer, status, words)


def test_kept_mistakes_get_messages_of_their_own(short_guard):  # noqa: F811
    KEPT["total"] = 0
    assert_messages_differ(check_kept_for_backward, KEEPS)

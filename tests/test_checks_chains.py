"""The derivative of a chain of sigmoids (notebook 01): the check and its table of answers."""
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

from course_utils.checks.basics import check_sigmoid_chain_derivative, sigmoid_chain_derivative

#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


def sigma(a):
    return 1 / (1 + np.exp(-a))


def central(x, depth, eps=1e-6):
    def chain(v):
        for _ in range(depth):
            v = sigma(v)
        return v
    return (chain(x + eps) - chain(x - eps)) / (2 * eps)


def test_the_reference_agrees_with_central_differences():
    for x, depth in [(0.7, 3), (-2.5, 1), (1.9, 8), (0.4, 0)]:
        assert sigmoid_chain_derivative(x, depth) == pytest.approx(central(x, depth), rel=1e-6)


def test_the_derivative_never_exceeds_the_bound():
    x = np.linspace(-5, 5, 41)
    for depth in range(1, 12):
        assert np.all(sigmoid_chain_derivative(x, depth) <= 0.25 ** depth)


# -- right answers, written differently -----------------------------------------------------

def by_output(x, depth):
    """σ' from the layer's output: y(1 − y)."""
    product = 1.0
    for _ in range(depth):
        x = sigma(x)
        product = product * x * (1 - x)
    return product


def recursive(x, depth):
    if depth == 0:
        return 1.0 + 0 * np.asarray(x, dtype=float)
    return sigma(x) * (1 - sigma(x)) * recursive(sigma(x), depth - 1)


def with_a_list(x, depth):
    inputs = [x]
    for _ in range(depth):
        inputs.append(sigma(inputs[-1]))
    return np.prod([sigma(a) * (1 - sigma(a)) for a in inputs[:-1]], axis=0)


# -- wrong answers --------------------------------------------------------------------------

def loop(x, depth, slope=lambda a: sigma(a) * (1 - sigma(a)), move=True, first=False, steps=None,
         start=1.0):
    product, a = start, x
    for _ in range(depth if steps is None else steps(depth)):
        if first:
            a = sigma(a)
        product = product * slope(a)
        if move and not first:
            a = sigma(a)
    return product


def chain_value(x, depth):
    """σ(σ(…σ(x))): differenced, an estimate of the derivative, not its formula."""
    for _ in range(depth):
        x = sigma(x)
    return x


def in_place(x, depth):
    if isinstance(x, np.ndarray):
        x *= 1.0
        x += 0.5
    return sigmoid_chain_derivative(x, depth)


CALLS = []


def remembers(x, depth):
    CALLS.append(depth)
    return sigmoid_chain_derivative(x, depth) * len(CALLS) ** 0 * (1 + (len(CALLS) > 5))


def forever(x, depth):
    product = 1.0
    while depth > 0:
        product = product * 0.25
    return product


def over_depth(x, depth):
    product = 1.0
    for _ in depth:
        product = product * 0.25
    return product


FIRST = sigmoid_chain_derivative(0.7, 3)

CHAIN = [  # (the student's sigmoid_chain_derivative, status, key words)
    (sigmoid_chain_derivative, "correct", ["depths 0 to 8"]),
    (by_output, "correct", []),
    (recursive, "correct", []),
    (with_a_list, "correct", []),
    (untouched, "not attempted", ["NotImplementedError"]),
    (lambda x, d: loop(x, d, move=False), "wrong", ["σ'(x)^depth", "that layer's own input"]),
    (lambda x, d: loop(x, d, first=True), "wrong", ["one layer late"]),
    (lambda x, d: loop(x, d, slope=sigma), "wrong", ["each factor is σ(a)"]),
    (lambda x, d: loop(x, d, slope=lambda a: a * (1 - a)), "wrong", ["*output*"]),
    (lambda x, d: loop(x, d, steps=lambda d: d - 1), "wrong", ["one factor too few"]),
    (lambda x, d: loop(x, d, slope=lambda a: sigma(a) * (1 - sigma(a)), start=0.0), "wrong",
     ["df/dx is off", "what must a product start from"]),
    (lambda x, d: 0.25 ** d + 0 * np.asarray(x), "wrong", ["only the bound"]),
    (lambda x, d: FIRST, "wrong", ["x = −2.5, depth 1", "is off"]),
    (in_place, "wrong", ["changed its input"]),
    (remembers, "wrong", ["called again"]),
    (forever, "wrong", ["did not finish"]),
    (over_depth, "wrong", ["not iterable", "depth is a number"]),
    (lambda x, d: [loop(x, d)], "wrong", ["has shape (1,)"]),
    (lambda x, d: (chain_value(x + 1e-5, d) - chain_value(x - 1e-5, d)) / 2e-5, "wrong",
     ["depth 3", "significant digits only"]),
]


@pytest.mark.parametrize("answer, status, words", rows(CHAIN))
def test_sigmoid_chain_derivative(answer, status, words, short_guard):  # noqa: F811
    CALLS.clear()
    assert_row(check_sigmoid_chain_derivative, answer, status, words)


def test_sigmoid_chain_mistakes_get_messages_of_their_own(short_guard):  # noqa: F811
    CALLS.clear()
    assert_messages_differ(check_sigmoid_chain_derivative, CHAIN)

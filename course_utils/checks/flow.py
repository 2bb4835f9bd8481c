"""Notebook 06's checks: the messages of max (max routes) and the fixes of the three bugs
that `course_utils.debugging` plants."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..engine import Operation
from ._runner import Mistake, _tuple, call, check, same, stop
from .graphs import planted_messages, the_backward, the_messages

__all__ = ["check_maximum_message", "check_planted_fixes"]


# --------------------------------------------------------------------------------------------
# Exercise: the messages of maximum
# --------------------------------------------------------------------------------------------

def _to_a(bar, out, a, b):
    return bar * ((a > b) + 0.5 * (a == b))


def _to_b(bar, out, a, b):
    return bar * ((b > a) + 0.5 * (a == b))


#: The ways to share the bar at a tie a = b, all valid: half each, all to a, all to b.
_TIES = {"half each": (_to_a, _to_b),
         "all to a": (lambda bar, out, a, b: bar * (a >= b), lambda bar, out, a, b: bar * (b > a)),
         "all to b": (lambda bar, out, a, b: bar * (a > b), lambda bar, out, a, b: bar * (b >= a))}


def _max_case(label, a, b, bar):
    return dict(label=label, a=a, b=b, bar=bar)


def _max_args(case):
    a, b = np.array(case["a"], dtype=float), np.array(case["b"], dtype=float)
    return np.array(case["bar"], dtype=float), np.maximum(a, b), a, b


def _prepare_maximum(rules, operation):
    """The student's two message functions; the reference shares a tie as the student does."""
    if not isinstance(operation, Operation):
        stop(f"expected an engine Operation, e.g. Operation('my_maximum', np.maximum, "
             f"(maximum_message_a, maximum_message_b), ...); got {type(operation).__name__}.")
    if len(operation.vjps) != 2 or not all(callable(v) for v in operation.vjps):
        stop(f"max(a, b) has two arguments, so its vjps must be a tuple of two functions, "
             f"(maximum_message_a, maximum_message_b); got {operation.vjps!r}.")
    student = operation.vjps
    tie = _max_args(_max_case("a tie", [1.0], [1.0], [2.0]))
    got = [call(f, *tie) for f in student]
    solution = next((s for s in _TIES.values()
                     if all(same(g, f(*tie)) for g, f in zip(got, s, strict=True))),
                    _TIES["half each"])

    def away_from_ties(mistake: Mistake) -> Mistake:
        """A routing mistake away from ties; at a tie whatever the student does there (any
        valid sharing is accepted, so the mistake is recognised whatever the student's choice)."""
        wrong = _tuple(mistake.computes)
        return replace(mistake, computes=tuple(
            lambda bar, out, a, b, k=k: np.where(a == b, student[k](bar, out, a, b),
                                                 wrong[k](bar, out, a, b)) for k in (0, 1)))
    mistakes = [*_TIE_MISTAKES, *map(away_from_ties, _ROUTING_MISTAKES)]
    return replace(rules, solution=solution, mistakes=mistakes), student


#: Mistakes away from ties, as (message to a, message to b).
_ROUTING_MISTAKES = [
    Mistake("add-distributes", (lambda bar, out, a, b: bar, lambda bar, out, a, b: bar),
            "both arguments get the whole bar, as add's messages do (add distributes): does the "
            "smaller argument move max(a, b)?"),
    Mistake("multiply-swaps", (lambda bar, out, a, b: bar * b, lambda bar, out, a, b: bar * a),
            "that is multiply's message (multiply swaps), but max(a, b) is no product: how much "
            "does it move when a moves, where a is the larger, and where it is the smaller?"),
    Mistake("smaller-argument",
            (lambda bar, out, a, b: bar * (b > a), lambda bar, out, a, b: bar * (a > b)),
            "the bar goes to the smaller argument: which of the two does max(a, b) pass "
            "on?"),
    Mistake("local-alone",
            (lambda bar, out, a, b: 1.0 * (a > b), lambda bar, out, a, b: 1.0 * (b > a)),
            "that is the local derivative alone: the bar is missing from the message."),
    Mistake("compared-with-0",
            (lambda bar, out, a, b: bar * (a > 0), lambda bar, out, a, b: bar * (b > 0)),
            "that compares each argument with 0, as relu does; max(a, b) compares a with b."),
    Mistake("sign-flipped",
            (lambda bar, out, a, b: -bar * (a > b), lambda bar, out, a, b: -bar * (b > a)),
            "the sign is flipped: when the larger argument grows, does max(a, b) grow or "
            "shrink?"),
    Mistake("times-out", (lambda bar, out, a, b: bar * out * (a > b),
                          lambda bar, out, a, b: bar * out * (b > a)),
            "that multiplies by the max's value, out, where max's local derivative "
            "belongs."),
    Mistake("b-never", (lambda bar, out, a, b: bar * (a > b), lambda bar, out, a, b: 0 * bar),
            "b never receives anything, not even where b is the larger argument."),
]

#: Mistakes at a tie.
_TIE_MISTAKES = [
    Mistake("tie-bar-lost",
            (lambda bar, out, a, b: bar * (a > b), lambda bar, out, a, b: bar * (b > a)),
            "at a tie, a = b, both messages are 0 and the bar is lost: however you share it "
            "there, the two messages must add up to bar."),
    Mistake("tie-counted-twice",
            (lambda bar, out, a, b: bar * (a >= b), lambda bar, out, a, b: bar * (b >= a)),
            "at a tie, a = b, both get the whole bar, so it is counted twice: however you share "
            "it there, the two messages must add up to bar."),
]


@check("06_modularity_and_tensors", "the messages of maximum",
       refuses=lambda: (*the_messages(), *the_backward()), exact=True, shows_expected=False,
       solution=_TIES["half each"],
       configurations=[
           _max_case("a = [0.5, −1, 2, 3], b = [1.5, −2, 0, −1]", [0.5, -1.0, 2.0, 3.0],
                     [1.5, -2.0, 0.0, -1.0], [1.5, 0.5, 2.0, -1.0]),
           _max_case("2×3 matrices a and b with a tie in two entries",
                     [[0.2, -1.0, 4.0], [1.0, 1.0, -3.0]], [[0.7, -1.0, 2.5], [-1.0, 1.0, 0.0]],
                     [[2.0, 3.0, -0.5], [1.0, -2.0, 0.25]]),
           _max_case("scalars a = 0.3 > b = −1.2", 0.3, -1.2, 2.5),
           _max_case("scalars a = −2 < b = 0.4", -2.0, 0.4, -1.5),
           # no tie, but closer than any step a difference quotient can take
           _max_case("a and b less than 1e-12 apart (no tie)", [1.0 + 1e-13, -0.3],
                     [1.0, -0.3 + 2e-13], [2.0, -1.0])],
       make=_max_args,
       prepare=_prepare_maximum,
       mistakes=[*_TIE_MISTAKES, *_ROUTING_MISTAKES],
       returns=("the message to a", "the message to b"),
       formulas={"the message to a": "bar·∂max/∂a", "the message to b": "bar·∂max/∂b",
                 "in code": "bar * (a > b)", "at a tie": "bar * (a >= b)"},
       success="max routes: the whole bar to the larger argument, nothing to the other, on "
               "vectors, matrices and scalars; at a tie your two messages add up to the bar.")
def check_maximum_message(operation):
    """`operation`: an engine Operation of two arguments whose messages the student wrote."""


# --------------------------------------------------------------------------------------------
# Exercise: fix the three planted bugs
# --------------------------------------------------------------------------------------------

def _fixes_args(case):
    rng = np.random.default_rng(case["seed"])
    n, d, m = case["shape"]
    a = rng.normal(size=(n, d))
    if case["which"] == "sub":
        b = rng.normal(size=(n, d))
        return "sub", rng.normal(size=(n, d)), a - b, a, b
    if case["which"] == "sigmoid":
        return "sigmoid", rng.normal(size=(n, d)), 1 / (1 + np.exp(-a)), a, np.empty(0)
    b = rng.normal(size=(d, m))
    return "matmul", rng.normal(size=(n, m)), a @ b, a, b


def _dispatch(sub, sigmoid, matmul):
    """One function of (which, bar, out, a, b) calling the message of operation `which`."""
    def message(which, bar, out, a, b):
        if which == "sub":
            return sub(bar, out, a, b)
        if which == "sigmoid":
            return sigmoid(bar, out, a)
        return matmul(bar, out, a, b)
    message.__name__ = "your messages"
    return message


_FIXED = _SUB, _SIGMOID, _MATMUL = (
    lambda bar, out, a, b: -bar, lambda bar, out, a: bar * out * (1 - out),
    lambda bar, out, a, b: a.T @ bar)


def _prepare_fixes(rules, sub_message_b, sigmoid_message, matmul_message_b):
    """The three messages take different arguments: one function of (which, ...) calls them."""
    return (replace(rules, solution=_dispatch(*rules.solution), mistakes=[
                replace(m, computes=_dispatch(*m.computes)) for m in rules.mistakes]),
            (_dispatch(sub_message_b, sigmoid_message, matmul_message_b),))


def _fix_case(which, seed, shape, what):
    return dict(label=f"{which}'s message, {what}", which=which, seed=seed, shape=shape)


@check("06_modularity_and_tensors", "fix the three planted bugs",
       refuses=lambda: (*the_messages(), *planted_messages(), *the_backward()), exact=True,
       solution=_FIXED,
       configurations=[
           _fix_case("sub", 2, (1, 4, 0), "a and b of shape (1, 4)"),
           _fix_case("sub", 1, (3, 2, 0), "a and b of shape (3, 2)"),
           _fix_case("sigmoid", 3, (3, 2, 0), "a of shape (3, 2)"),
           _fix_case("sigmoid", 4, (2, 5, 0), "a of shape (2, 5)"),
           _fix_case("matmul", 5, (3, 2, 4), "a (3×2) @ b (2×4)"),
           _fix_case("matmul", 6, (2, 3, 3), "a (2×3) @ b (3×3)")],
       make=_fixes_args,
       prepare=_prepare_fixes,
       returns=("message",),
       formulas={"sub's message": "−bar", "sigmoid's message": "bar·out·(1 − out)",
                 "matmul's message": "aᵀ @ bar", "in code": "a.T @ bar",
                 "sigmoid's in code": "bar * out * (1 - out)"},
       mistakes=[
           Mistake("sub-still-planted", (lambda bar, out, a, b: bar, _SIGMOID, _MATMUL),
                   "that is still the planted bug: y = a − b falls when b grows, so which sign "
                   "does b's message carry?"),
           Mistake("sub-local-alone", (lambda bar, out, a, b: -1 + 0 * bar, _SIGMOID, _MATMUL),
                   "that is the local derivative −1 alone: the bar is missing from the "
                   "message."),
           Mistake("sigmoid-still-planted", (_SUB, lambda bar, out, a: out * (1 - out), _MATMUL),
                   "that is still the planted bug: σ's local derivative alone, the bar is "
                   "missing from the message."),
           Mistake("sigmoid-slope-of-input", (_SUB, lambda bar, out, a: bar * a * (1 - a), _MATMUL),
                   "the slope written as s(1 − s) takes the sigmoid's output, but a is its "
                   "input: which argument of the message holds the output?"),
           Mistake("sigmoid-one-minus-missing", (_SUB, lambda bar, out, a: bar * out, _MATMUL),
                   "σ' has lost a factor: only out is left of the sigmoid's slope."),
           Mistake("sigmoid-out-missing", (_SUB, lambda bar, out, a: bar * (1 - out), _MATMUL),
                   "σ' has lost a factor: only (1 − out) is left of the sigmoid's slope."),
           Mistake("matmul-still-planted", (_SUB, _SIGMOID, lambda bar, out, a, b: (bar.T @ a)),
                   "that is still the planted bug, the transpose of b's bar: b̄ must have b's "
                   "shape; check the shapes of your product."),
           Mistake("matmul-message-to-a", (_SUB, _SIGMOID, lambda bar, out, a, b: bar @ b.T),
                   "that is the message to a, shaped like a: b's message must have b's "
                   "shape."),
           Mistake("matmul-bar-missing",
                   (_SUB, _SIGMOID, lambda bar, out, a, b: a.T @ np.ones_like(bar)),
                   "the bar is missing from the message: yours depends on a alone.")],
       crash_hints=[("matmul", "match the shapes: a is N×D, bar is N×M and b̄ must be D×M like "
                     "b; which product of a, bar and their transposes is D×M?"),
                    ("shapes", "match the shapes: a is N×D, bar is N×M and b̄ must be D×M like "
                     "b; which product of a, bar and their transposes is D×M?")],
       success="all three messages fixed: the gradient check agrees on every shape tried "
               "(−bar for a − b's b, bar·out·(1 − out) for σ, aᵀ @ bar for a @ b's b).")
def check_planted_fixes(sub_message_b, sigmoid_message, matmul_message_b):
    """The three repaired messages: a − b to b, σ(a) to a, a @ b to b."""

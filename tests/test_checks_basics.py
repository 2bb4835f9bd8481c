"""The checks of notebooks 01-03: right answers pass, typical mistakes get their own hint."""
# ruff: noqa: B905  (the answers are written the way students write them)
import math

import numpy as np
import pytest
from verdicts import references_allowed, short_guard, table_tests  # noqa: F401

from course_utils.checks.basics import (
    check_bar_notation,
    check_bar_notation_regularised,
    check_brute_force_gradients,
    check_chain_rule,
    check_cost_gradient,
    check_gradient_descent_step,
    check_multivariate_chain_rule,
    check_numerical_derivative,
    check_parameter_count,
)
from course_utils.engine import Node
from course_utils.engine import sigmoid as sigmoid_op
from course_utils.lecture import regularised_example

#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


def sigma(z):
    return 1 / (1 + np.exp(-z))


def sigma_prime(z):
    return sigma(z) * (1 - sigma(z))


# -- the tables: wrong answers as students write them, and right ones written differently -----

def central_in_two_steps(f, x, eps):
    up, down = f(x + eps), f(x - eps)
    return (up - down) / eps / 2


def averaged_one_sided(f, x, eps=1e-5):
    return 0.5 * (f(x + eps) - f(x)) / eps + 0.5 * (f(x) - f(x - eps)) / eps


def halving_forever(f, x, eps):
    while eps > 0:
        eps = eps / 2 + 1e-300      # never reaches 0
    return (f(x + eps) - f(x - eps)) / (2 * eps)


calls = []


def counts_its_calls(f, x, eps):
    calls.append(1)
    return (f(x + eps) - f(x - eps)) / (2 * eps) * (1 if len(calls) < 3 else 1.01)


NUMERICAL_DERIVATIVE = [
    (lambda f, x, eps: (f(x + eps) - f(x - eps)) / (2 * eps), "correct", ["x³", "sin", "exp"]),
    (central_in_two_steps, "correct", []),
    (averaged_one_sided, "correct", []),
    (lambda f, x, eps: np.diff([f(x - eps), f(x + eps)])[0] / (eps + eps), "correct", []),
    (lambda f, x, eps: (f(x + eps) - f(x)) / eps, "wrong", ["(forward) difference"]),
    (lambda f, x, eps: (f(x) - f(x - eps)) / eps, "wrong", ["(backward) difference"]),
    (lambda f, x, eps: (f(x + eps) - f(x - eps)) / eps, "wrong", ["How far apart"]),
    (lambda f, x, eps: (f(x + eps) - f(x - eps)) / 2 * eps, "wrong", ["precedence", "(a / 2)·eps"]),
    (lambda f, x, eps: (f(x - eps) - f(x + eps)) / (2 * eps), "wrong", ["sign is flipped"]),
    (lambda f, x, eps: ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps), "wrong",
     ["sin x", "call the"]),
    (lambda f, x, eps: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "wrong", ["ε = 0.1", "step `eps`"]),
    (lambda f, x, eps: (f(1 + eps) - f(1 - eps)) / (2 * eps), "wrong", ["argument `x`"]),
    (lambda f, x, eps: abs(f(x + eps) - f(x - eps)) / (2 * eps), "wrong", ["x = 2.2", "abs()"]),
    (lambda f, x, eps: f(x + eps) - f(x - eps) / (2 * eps), "wrong",
     ["precedence", "only one term is divided"]),
    (lambda f, x, eps: None, "wrong", ["is None", "return"]),
    (lambda f, x, eps: "3", "wrong", ["should be a number, got text ('3')"]),
    (lambda f, x, eps: (f(x, eps) - f(x)) / eps, "wrong", ["TypeError"]),
    (halving_forever, "wrong", ["did not finish"]),
    (counts_its_calls, "wrong", ["called again", "carries something over"]),
    (lambda f, x, eps: (-f(x + 2 * eps) + 8 * f(x + eps) - 8 * f(x - eps) + f(x - 2 * eps))
     / (12 * eps), "wrong", ["higher-order stencil"]),
    (lambda f, x, eps: f"{(f(x + eps) - f(x - eps)) / (2 * eps):.17g}", "wrong",
     ["should be a number, got text ('3.01", "not a formatted string"]),
]


def chain_rule_in_steps(x):
    y = x * x
    return math.cos(y) * (x + x)


def chain_rule_counting(x):
    calls.append(x)
    return np.cos(x ** 2) * 2 * x * (1.5 if len(calls) > 4 else 1.0)


CHAIN_RULE = [
    (lambda x: 2 * x * np.cos(x ** 2), "correct", ["cos(x²)·2x"]),
    (chain_rule_in_steps, "correct", []),
    (lambda x: np.cos(np.square(x)) * (x + x), "correct", []),
    (lambda x: (np.sin((x + 1e-6) ** 2) - np.sin((x - 1e-6) ** 2)) / 2e-6, "wrong",
     ["x = 0.8", "significant digits only", "no step ε"]),
    (lambda x: np.cos(x) * 2 * x, "wrong", ["outer derivative is evaluated at the wrong point"]),
    (lambda x: np.sin(x ** 2) * 2 * x, "wrong", ["f = sin itself"]),
    (lambda x: np.sin(x ** 2), "wrong", ["z = sin(x²) itself"]),
    (lambda x: np.cos(x ** 2), "wrong", ["a factor of the chain rule is missing"]),
    (lambda x: np.cos(x ** 2) * x, "wrong", ["inner factor is half"]),
    (lambda x: np.cos(x ** 2) + 2 * x, "wrong", ["multiplies"]),
    (lambda x: -np.cos(x ** 2) * 2 * x, "wrong", ["sign is flipped"]),
    (lambda x: abs(np.cos(x ** 2) * 2 * x), "wrong", ["x = 2.1", "abs()"]),
    (lambda x: np.cos(np.radians(x ** 2)) * 2 * x, "wrong", ["radians"]),
    (lambda x: 1.2833, "wrong", ["x = 0.8", "expected", "1.2834", "got 1.2833."]),
    (lambda x: undefined_name, "wrong", ["NameError"]),  # noqa: F821
    (chain_rule_counting, "wrong", ["called again"]),
    (lambda x: repr(float(np.cos(x ** 2) * 2 * x)), "wrong",
     ["dz_dx(x) should be a number, got text", "not a formatted string"]),
]


def df_dt_by_paths(t):
    total = 0.0
    for df_dv, dv_dt in ((2 * np.cos(t), -np.sin(t)), (2 * 2 * np.sin(t), 2 * np.cos(t))):
        total += df_dv * dv_dt
    return total


def climbs_forever(t):
    total, step = 0.0, 0
    while step < 2:
        total += 3 * np.sin(2 * t)
    return total


def df_dt_counting(t):
    calls.append(t)
    return 3 * np.sin(2 * t) * len(calls)


MULTIVARIATE = [
    (lambda t: 3 * np.sin(2 * t), "correct", ["both paths"]),
    (df_dt_by_paths, "correct", []),
    (lambda t: 6 * np.sin(t) * np.cos(t), "correct", []),
    (lambda t: (np.cos(t + 1e-6) ** 2 + 4 * np.sin(t + 1e-6) ** 2
                - np.cos(t - 1e-6) ** 2 - 4 * np.sin(t - 1e-6) ** 2) / 2e-6, "wrong",
     ["t = 0.7", "significant digits only"]),
    (lambda t: -2 * np.cos(t) * np.sin(t), "wrong", ["only the path through x"]),
    (lambda t: 8 * np.sin(t) * np.cos(t), "wrong", ["only the path through y"]),
    (lambda t: -2 * np.cos(t) * np.sin(t) * 8 * np.sin(t) * np.cos(t), "wrong",
     ["added, not multiplied"]),
    (lambda t: 2 * np.cos(t) * np.sin(t) + 8 * np.sin(t) * np.cos(t), "wrong",
     ["path through x has the wrong sign"]),
    (lambda t: -2 * np.cos(t) * np.sin(t) - 8 * np.sin(t) * np.cos(t), "wrong",
     ["contributions are added"]),
    (lambda t: -2 * np.cos(t) * np.sin(t) + 4 * np.sin(t) * np.cos(t), "wrong",
     ["path through y is half"]),
    (lambda t: 1.5 * np.sin(2 * t), "wrong", ["half the right value"]),
    (lambda t: np.cos(t) ** 2 + 4 * np.sin(t) ** 2, "wrong", ["f(x(t), y(t)) itself"]),
    (lambda t: 2 * np.cos(t) + 4 * np.sin(t), "wrong", ["∂f/∂x + ∂f/∂y"]),
    (lambda t: 3 * np.sin(2 * 0.7), "wrong", ["t = 2.0", "expected"]),
    (lambda t: 3 * np.sin(2 * t) if t > 0 else 0.0, "wrong", ["t = -1.1"]),
    (climbs_forever, "wrong", ["did not finish"]),
    (lambda t: [3 * np.sin(2 * t)], "wrong", ["shape (1,)"]),
    (df_dt_counting, "wrong", ["called again"]),
]


def step_by_copy(w, grad, rate):
    new = np.array(w, dtype=float)
    new -= rate * grad
    return new


def step_in_place(w, grad, rate):
    w -= rate * grad
    return w


velocity = {}


def step_with_momentum(w, grad, rate):
    key = np.shape(w)
    velocity[key] = 0.9 * velocity.get(key, 0.0) + rate * grad
    return w - velocity[key]


def step_until_small(w, grad, rate):
    while np.any(np.abs(grad) > 0):
        w = w - rate * grad
    return w


GRADIENT_DESCENT_STEP = [
    (lambda w, grad, rate: np.subtract(w, np.multiply(rate, grad)), "correct", ["single weight"]),
    (step_by_copy, "correct", []),
    (lambda w, grad, rate: w + (-rate) * grad, "correct", []),
    (lambda w, grad, rate: w + rate * grad, "wrong", ["steps uphill"]),
    (lambda w, grad, rate: w - grad, "wrong", ["learning rate is missing"]),
    (lambda w, grad, rate: w - grad / rate, "wrong", ["divided by the rate"]),
    (lambda w, grad, rate: -rate * grad, "wrong", ["only the step"]),
    (lambda w, grad, rate: w - rate * grad ** 2, "wrong", ["square"]),
    (lambda w, grad, rate: w - 0.1 * grad, "wrong", ["single weight", "use the argument"]),
    (lambda w, grad, rate: w - rate * w, "wrong", ["built from the weights"]),
    (step_in_place, "wrong", ["changed its input", "w was"]),
    (step_with_momentum, "wrong", ["called again"]),
    (step_until_small, "wrong", ["did not finish"]),
    (lambda w, grad, rate: np.array([a - rate * g for a, g in zip(w, grad)]),  # noqa: B905
     "wrong",
     ["TypeError", "single weight"]),
    (lambda w, grad, rate: w[0] - rate * grad[0], "wrong", ["shape"]),
]

def count_by_loop(sizes):
    total = 0
    for i in range(1, len(sizes)):
        total += sizes[i - 1] * sizes[i] + sizes[i]
    return total


def count_by_popping(sizes):
    total = 0
    while len(sizes) > 1:
        b = sizes.pop()
        total += sizes[-1] * b + b
    return total


def count_forever(sizes):
    total, i = 0, 1
    while i < len(sizes):
        total += sizes[i - 1] * sizes[i] + sizes[i]
    return total


so_far = []


def count_adding_up(sizes):
    so_far.append(sum(a * b + b for a, b in zip(sizes, sizes[1:])))
    return sum(so_far)


PARAMETER_COUNT = [
    (lambda sizes: sum(a * b + b for a, b in zip(sizes, sizes[1:])), "correct", ["203,530"]),
    (count_by_loop, "correct", []),
    (lambda sizes: int(np.dot(sizes[:-1], sizes[1:]) + np.sum(sizes[1:])), "correct", []),
    (lambda sizes: sum(a * b for a, b in zip(sizes, sizes[1:])), "wrong", ["weights only"]),
    (lambda sizes: sum(sizes[1:]), "wrong", ["biases only"]),
    (lambda sizes: sum(sizes), "wrong", ["counts neurons"]),
    (lambda sizes: sum(a * b for a, b in zip(sizes, sizes[1:])) + sum(sizes), "wrong",
     ["input layer has no biases"]),
    (lambda sizes: sum(a * b + a for a, b in zip(sizes, sizes[1:])), "wrong",
     ["input side"]),
    (lambda sizes: sum(a * b + b for a, b in zip(sizes[:-2], sizes[1:-1])), "wrong",
     ["last layer"]),
    (lambda sizes: sum(a * b + b for a, b in zip(sizes[1:-1], sizes[2:])), "wrong",
     ["first layer"]),
    (lambda sizes: 9, "wrong", ["sizes = [2, 3, 3, 1]", "9 is too small."]),
    (lambda sizes: {3: 9, 4: 25}.get(len(sizes), 0), "wrong", ["784", "9 is too small."]),
    (count_by_popping, "wrong", ["changed its input", "sizes"]),
    (count_forever, "wrong", ["did not finish"]),
    (lambda sizes: sum(a * b + b for a, b in zip(sizes, sizes)), "wrong",
     ["paired with itself"]),
    (lambda sizes: sizes.append(0) or 9, "wrong", ["changed its input"]),
    (count_adding_up, "wrong", ["called again"]),
    (lambda sizes: f"{sum(a * b + b for a, b in zip(sizes, sizes[1:]))}", "wrong",
     ["should be a number, got text ('9')"]),
]


def sample_gradient(w, b, x, t):
    """The notebook's helper: one sample's (dL/dw, dL/db)."""
    y = sigma(w @ x + b)
    z_bar = (y - t) * y * (1 - y)
    return z_bar * x, z_bar


def cost_gradient_by_sums(w, b, X, T):
    dw, db = np.zeros_like(w), 0.0
    for x, t in zip(X, T):
        gw, gb = sample_gradient(w, b, x, t)
        dw, db = dw + gw, db + gb
    return dw / len(X), db / len(X)


def cost_gradient_vectorised(w, b, X, T):
    y = sigma(X @ w + b)
    z_bar = (y - T) * y * (1 - y)
    return X.T @ z_bar / len(T), [z_bar.mean()][0]


def cost_gradient_in_place(w, b, X, T):
    total = np.zeros_like(w)
    for x, t in zip(X, T):
        x *= sample_gradient(w, b, x, t)[1]      # reuses the row as scratch
        total = total + x
    return total / len(X), np.mean([sample_gradient(w, b, x, t)[1] for x, t in zip(X, T)])


def cost_gradient_forever(w, b, X, T):
    i, dw, db = 0, 0, 0
    while i < len(X):
        gw, gb = sample_gradient(w, b, X[i], T[i])
        dw, db = dw + gw, db + gb
    return dw / len(X), db / len(X)


def cost_gradient_wrong_loop(w, b, X, T):
    for x, t in zip(X, T):
        dw, db = sample_gradient(w, b, x, t)
    return dw / len(X), db / len(X)


running = {}


def cost_gradient_running_sum(w, b, X, T):
    sums = running.setdefault(X.shape, [0.0, 0.0])
    for x, t in zip(X, T):
        gw, gb = sample_gradient(w, b, x, t)
        sums[0], sums[1] = sums[0] + gw, sums[1] + gb
    return sums[0] / len(X), sums[1] / len(X)


def grads(w, b, X, T):
    return [sample_gradient(w, b, x, t) for x, t in zip(X, T)]


def cost_gradient_by_nudging(w, b, X, T, eps=1e-6):
    """Central differences of the cost E: its gradient's numbers, to about 10 digits."""
    def cost(w, b):
        return np.mean(0.5 * (sigma(X @ w + b) - T) ** 2)
    dE_dw = [(cost(w + eps * e, b) - cost(w - eps * e, b)) / (2 * eps) for e in np.eye(len(w))]
    return np.array(dE_dw), (cost(w, b + eps) - cost(w, b - eps)) / (2 * eps)


COST_GRADIENT = [
    (cost_gradient_by_sums, "correct", ["four samples"]),
    (cost_gradient_by_nudging, "wrong", ["right to about", "significant digits only"]),
    (cost_gradient_vectorised, "correct", []),
    (lambda w, b, X, T: [np.mean([g[i] for g in grads(w, b, X, T)], axis=0) for i in (0, 1)],
     "correct", []),
    (lambda w, b, X, T: (np.mean([g[1] for g in grads(w, b, X, T)]),
                         np.mean([g[0] for g in grads(w, b, X, T)], axis=0)), "wrong",
     ["swapped"]),
    (lambda w, b, X, T: (np.mean([g[0] for g in grads(w, b, X, T)]),
                         np.mean([g[1] for g in grads(w, b, X, T)])), "wrong",
     ["dE_dw is one number", "over the samples only"]),
    (lambda w, b, X, T: ([g[0] for g in grads(w, b, X, T)],
                         np.mean([g[1] for g in grads(w, b, X, T)])), "wrong",
     ["one gradient per sample"]),
    (lambda w, b, X, T: tuple(np.sum([g[i] for g in grads(w, b, X, T)], axis=0)
                              for i in (0, 1)), "wrong", ["sum over the samples"]),
    (lambda w, b, X, T: tuple(np.sum([g[i] for g in grads(w, b, X, T)], axis=0) / 4
                              for i in (0, 1)), "wrong", ["3 samples", "divides by 4"]),
    (lambda w, b, X, T: sample_gradient(w, b, X[0], T[0]), "wrong", ["first sample"]),
    (cost_gradient_wrong_loop, "wrong", ["survives your loop"]),
    (lambda w, b, X, T: tuple(np.mean([g[i] for g in grads(w, b, X[:-1], T[:-1])], axis=0)
                              for i in (0, 1)), "wrong", ["last sample is missing"]),
    (cost_gradient_in_place, "wrong", ["changed its input", "X"]),
    (cost_gradient_forever, "wrong", ["did not finish"]),
    (cost_gradient_running_sum, "wrong", ["called again"]),
    (lambda w, b, X, T: np.mean([g[0] for g in grads(w, b, X, T)], axis=0), "wrong",
     ["should return 2 values", "dE_dw, dE_db"]),
    (lambda w, b, X, T: (np.array([0.0148, 0.0011]), 0.01355), "wrong",
     ["notebook's 4 samples", "0.01484"]),
    (lambda w, b, X, T: (cost_gradient_by_sums(w, b, X, T)[0],
                         str(cost_gradient_by_sums(w, b, X, T)[1])), "wrong",
     ["dE_db should be a number, got text"]),
]


def dL_dw_in_steps(w, x, b, t):
    z = w * x + b
    y = 1 / (1 + math.exp(-z))
    return (y - t) * y * (1 - y) * x


def dL_db_in_steps(w, x, b, t):
    z = w * x + b
    y = 1 / (1 + math.exp(-z))
    return (y - t) * y * (1 - y)


def numerically(i):
    def derivative(w, x, b, t, eps=1e-6):
        def loss(*p):
            return 0.5 * (sigma(p[0] * p[1] + p[2]) - p[3]) ** 2
        up, down = [w, x, b, t], [w, x, b, t]
        up[i] += eps
        down[i] -= eps
        return (loss(*up) - loss(*down)) / (2 * eps)
    return derivative


def chain(outer, middle, inner_w, inner_b):
    """Brute-force derivatives assembled from their three factors, as a student writes them."""
    return (lambda w, x, b, t: outer(w, x, b, t) * middle(w, x, b, t) * inner_w(w, x, b, t),
            lambda w, x, b, t: outer(w, x, b, t) * middle(w, x, b, t) * inner_b(w, x, b, t))


def err(w, x, b, t):
    return sigma(w * x + b) - t


def slope(w, x, b, t):
    return sigma_prime(w * x + b)


def by_x(w, x, b, t):
    return x


def by_1(w, x, b, t):
    return 1.0


def looping_dL_dw(w, x, b, t):
    while w:
        x = x * 1.0
    return x


def dL_db_halving(w, x, b, t, state={"scale": 2.0}):  # noqa: B006
    state["scale"] /= 2
    return dL_db_in_steps(w, x, b, t) * state["scale"] * 2 ** len(calls)


BRUTE_FORCE = [
    ((dL_dw_in_steps, dL_db_in_steps), "correct", ["three points"]),
    ((numerically(0), numerically(2)), "wrong", ["dL_dw is right to about", "digits only"]),
    (chain(err, lambda w, x, b, t: np.exp(-(w * x + b)) / (1 + np.exp(-(w * x + b))) ** 2, by_x,
           by_1), "correct", []),
    (chain(err, lambda w, x, b, t: sigma(w * x + b) * sigma(-(w * x + b)), by_x, by_1),
     "correct", []),
    (chain(err, lambda w, x, b, t: sigma(w * x + b), by_x, by_1), "wrong",
     ["uses σ itself where"]),
    (chain(err, lambda w, x, b, t: (w * x + b) * (1 - (w * x + b)), by_x, by_1), "wrong",
     ["a(1 − a) of the sigmoid's input"]),
    (chain(err, lambda w, x, b, t: sigma_prime(x), by_x, by_1), "wrong",
     ["wrong point, at x"]),
    (chain(lambda w, x, b, t: t - sigma(w * x + b), slope, by_x, by_1), "wrong",
     ["sign is flipped in the outer factor"]),
    (chain(lambda w, x, b, t: sigma(w * x + b), slope, by_x, by_1), "wrong",
     ["lost the target t"]),
    (chain(err, slope, by_1, by_1), "wrong", ["dL_dw equals dL_db", "innermost factor"]),
    (chain(err, slope, by_x, by_x), "wrong", ["dL_db is off", "extra factor x"]),
    (chain(err, slope, lambda w, x, b, t: w, by_1), "wrong", ["innermost factor is w"]),
    (chain(err, by_1, by_x, by_1), "wrong", ["the middle one, through the sigmoid"]),
    (chain(lambda w, x, b, t: 2 * err(w, x, b, t), slope, by_x, by_1), "wrong",
     ["cancels a 2"]),
    (chain(err, slope, lambda w, x, b, t: 2.0, by_1), "wrong", ["expected", "got"]),
    ((looping_dL_dw, dL_db_in_steps), "wrong", ["did not finish"]),
    ((dL_dw_in_steps, dL_db_halving), "wrong", ["dL_db"]),
    ((dL_dw_in_steps, lambda w, x, b, t: dL_db_in_steps(0.5, 2.0, 0.1, 1.0)), "wrong",
     ["w = −1.3", "dL_db"]),
    ((dL_dw_in_steps, lambda w, x, b, t: sigma_prime(z)), "wrong",  # noqa: F821
     ["NameError", "name 'z'"]),
]


def backward_in_one_line(w, x, b, t):
    y = sigma(w * x + b)
    return y - t, (y - t) * y * (1 - y), (y - t) * y * (1 - y) * x, (y - t) * y * (1 - y)


def backward_with_a_list(w, x, b, t):
    y = sigma(w * x + b)
    bars = [y - t]
    bars.append(bars[-1] * sigma_prime(w * x + b))
    bars += [bars[-1] * x, bars[-1] * 1.0]
    return bars


def backward_engine(w, x, b, t):
    nodes = [Node(v, name=n) for v, n in ((w, "w"), (x, "x"), (b, "b"), (t, "t"))]
    z = nodes[0] * nodes[1] + nodes[2]
    y = sigmoid_op(z)
    L = 0.5 * (y - nodes[3]) ** 2
    L.backward()
    return float(y.bar), float(z.bar), float(nodes[0].bar), float(nodes[2].bar)


def bars_by(y_bar=None, z_bar=None, w_bar=None, b_bar=None, reg=False):
    """The bars with some lines written wrongly; each line a function of the values so far."""
    def backward(w, x, b, t, lam=0.0):
        z = w * x + b
        y = sigma(z)
        v = dict(w=w, x=x, b=b, t=t, z=z, y=y, lam=lam, R_bar=lam)
        v["y_bar"] = (y_bar or (lambda v: v["y"] - v["t"]))(v)
        v["z_bar"] = (z_bar or (lambda v: v["y_bar"] * sigma_prime(v["z"])))(v)
        v["w_bar"] = (w_bar or (lambda v: v["z_bar"] * v["x"] + v["R_bar"] * v["w"]))(v)
        v["b_bar"] = (b_bar or (lambda v: v["z_bar"]))(v)
        head = (1.0, lam, 1.0) if reg else ()
        return (*head, v["y_bar"], v["z_bar"], v["w_bar"], v["b_bar"])
    return backward


def accumulating_bars(w, x, b, t, store={}):  # noqa: B006
    store["w_bar"] = store.get("w_bar", 0.0) + backward_in_one_line(w, x, b, t)[2]
    y_bar, z_bar, _, b_bar = backward_in_one_line(w, x, b, t)
    return y_bar, z_bar, store["w_bar"], b_bar


def bars_forever(w, x, b, t):
    y_bar = 0.0
    while y_bar != sigma(w * x + b) - t + 1:
        y_bar = sigma(w * x + b) - t
    return backward_in_one_line(w, x, b, t)


BAR_NOTATION = [
    (backward_in_one_line, "correct", ["all four bars"]),
    (backward_with_a_list, "correct", []),
    (backward_engine, "correct", []),
    (lambda w, x, b, t: np.array(backward_in_one_line(w, x, b, t)), "wrong",
     ["should return 4 values", "one ndarray"]),
    (bars_by(y_bar=lambda v: v["t"] - v["y"]), "wrong", ["y_bar is off", "sign is flipped"]),
    (bars_by(y_bar=lambda v: 0.5 * (v["y"] - v["t"]) ** 2), "wrong", ["the loss L itself"]),
    (bars_by(y_bar=lambda v: 2 * (v["y"] - v["t"])), "wrong", ["cancels a 2"]),
    (bars_by(z_bar=lambda v: v["y_bar"] * v["y"]), "wrong", ["z_bar is off", "y's value"]),
    (bars_by(z_bar=lambda v: v["y_bar"] * sigma_prime(v["y"])), "wrong",
     ["wrong point: at y"]),
    (bars_by(z_bar=lambda v: v["y_bar"]), "wrong",
     ["z_bar equals y_bar", "Which local derivative does y pass back to z?"]),
    (bars_by(z_bar=lambda v: v["y_bar"] * v["z"] * (1 - v["z"])), "wrong",
     ["z(1 − z) is not σ'(z)"]),
    (bars_by(z_bar=lambda v: sigma_prime(v["z"])), "wrong", ["incoming message, y_bar"]),
    (bars_by(w_bar=lambda v: v["z_bar"] * v["w"]), "wrong", ["w_bar is off", "uses w where"]),
    (bars_by(w_bar=lambda v: v["y_bar"] * v["x"]), "wrong", ["wrong bar, y_bar"]),
    (bars_by(b_bar=lambda v: v["z_bar"] * v["x"]), "wrong", ["b_bar is off", "extra factor x"]),
    (lambda w, x, b, t: backward_in_one_line(w, x, b, t)[::-1], "wrong", ["another order"]),
    (lambda w, x, b, t: dict(zip("yzwb", backward_in_one_line(w, x, b, t))), "wrong",
     ["should return 4 values", "one dict"]),
    (accumulating_bars, "wrong", ["called again", "w_bar"]),
    (bars_forever, "wrong", ["did not finish"]),
    (lambda w, x, b, t: (0.5 * (sigma(1.1) - 1) ** 0, -0.17, -0.34, -0.17), "wrong",
     ["lecture's values", "y_bar"]),
    (lambda w, x, b, t: tuple(f"{bar:.17g}" for bar in backward_in_one_line(w, x, b, t)), "wrong",
     ["y_bar should be a number, got text"]),
]


def regularised_from_the_engine(w, x, b, t, lam):
    g = regularised_example(w, x, b, t, lam)
    g.L_reg.backward()
    return tuple(float(getattr(g, n).bar) for n in ("L_reg", "R", "L", "y", "z", "w", "b"))


def regularised_by_hand(w, x, b, t, lam):
    y = sigma(w * x + b)
    z_bar = (y - t) * y * (1 - y)
    return [1, lam, 1, y - t, z_bar, x * z_bar + lam * w, z_bar]


def regularised_with_names(w, x, b, t, lam):
    bar = {"L_reg": 1.0}
    bar["R"], bar["L"] = bar["L_reg"] * lam, bar["L_reg"] * 1.0
    y = sigma(w * x + b)
    bar["y"] = bar["L"] * (y - t)
    bar["z"] = bar["y"] * y * (1 - y)
    bar["w"] = sum([bar["z"] * x, bar["R"] * w])
    bar["b"] = bar["z"]
    return tuple(bar.values())


def regularised(**lines):
    return bars_by(reg=True, **lines)


def regularised_seed(seed, R_bar=None):
    def backward(w, x, b, t, lam):
        bars = list(regularised_from_the_engine(w, x, b, t, lam))
        bars[0] = seed
        if R_bar is not None:
            bars[1] = R_bar(w, lam)
        return tuple(bars)
    return backward


history = []


def regularised_remembering_lam(w, x, b, t, lam):
    history.append(lam)
    bars = regularised_by_hand(w, x, b, t, lam)
    bars[1] = sum(history[-2:]) if len(history) > 3 else lam
    return bars


REGULARISED = [
    (regularised_from_the_engine, "correct", ["seven bars"]),
    (regularised_by_hand, "correct", []),
    (regularised_with_names, "correct", []),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"] * v["R_bar"] * v["w"]), "wrong",
     ["missing plus", "you multiplied their messages"]),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"]), "wrong", ["holds z's message only"]),
    (regularised(w_bar=lambda v: v["R_bar"] * v["w"]), "wrong", ["holds R's message only"]),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"] + v["w"]), "wrong",
     ["local derivative alone"]),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"] + v["R_bar"] * 0.5 * v["w"] ** 2),
     "wrong", ["uses the value of R"]),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"] + v["R_bar"]), "wrong",
     ["R's message is R_bar alone"]),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"] - v["R_bar"] * v["w"]), "wrong",
     ["children are added"]),
    (regularised(w_bar=lambda v: v["z_bar"] * v["x"] + v["R_bar"] * v["w"] * v["lam"]),
     "wrong", ["λ is counted twice"]),
    (regularised(b_bar=lambda v: v["z_bar"] + v["R_bar"] * v["b"]), "wrong",
     ["does not depend on b"]),
    (regularised_seed(0.0), "wrong", ["L_reg_bar", "the seed is 0"]),
    (regularised_seed(1.0, lambda w, lam: 1.0), "wrong", ["R_bar", "by a hyperparameter"]),
    (regularised_seed(1.0, lambda w, lam: lam * 0.5 * w ** 2), "wrong", ["value of R"]),
    (regularised_seed(1.0, lambda w, lam: 1 / lam), "wrong", ["R_bar divides by λ"]),
    (lambda w, x, b, t, lam: regularised_by_hand(w, x, b, t, 0.1), "wrong",
     ["λ = 0.3", "R_bar", "the lecture's value, whatever `lam` is"]),
    (regularised_remembering_lam, "wrong", ["called again"]),
    (lambda w, x, b, t, lam: regularised_by_hand(w, x, b, t, lam)[::-1], "wrong",
     ["another order"]),
]

TABLES = [(check_numerical_derivative, NUMERICAL_DERIVATIVE), (check_chain_rule, CHAIN_RULE),
          (check_multivariate_chain_rule, MULTIVARIATE),
          (check_gradient_descent_step, GRADIENT_DESCENT_STEP),
          (check_parameter_count, PARAMETER_COUNT), (check_cost_gradient, COST_GRADIENT),
          (check_brute_force_gradients, BRUTE_FORCE), (check_bar_notation, BAR_NOTATION),
          (check_bar_notation_regularised, REGULARISED)]


def fresh_state():
    for state in (calls, velocity, running, history, so_far):
        state.clear()


test_each_answer_gets_its_verdict, test_different_mistakes_get_different_messages = \
    table_tests(TABLES, fresh_state)

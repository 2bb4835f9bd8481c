"""Checks of notebooks 01-03: the chain rule, gradient descent, sigmoid least squares.

Each check is data for the runner (see `_runner`): the configurations it tries, the reference
(closed forms, or the engine on lecture.py's graph), and the typical mistakes, each written as
the function a student with that mistake would hand in.
"""
from __future__ import annotations

import numpy as np

from ..engine import sigmoid
from ..lecture import DEFAULTS, regularised_example
from ..notation import number, show
from ._runner import check

__all__ = [
    "check_numerical_derivative", "check_chain_rule", "check_multivariate_chain_rule",
    "check_sigmoid_chain_derivative",
    "check_gradient_descent_step", "check_parameter_count", "check_cost_gradient",
    "check_brute_force_gradients", "check_bar_notation", "check_bar_notation_regularised",
]

σ = sigmoid.forward


# -- notebook 01: derivatives and the chain rule ----------------------------------------------

def _cube(x):
    return x ** 3


@check("01_chain_rule", "numerical derivative",
      solution=lambda f, x, eps: (f(x + eps) - f(x - eps)) / (2 * eps),
      configurations=[dict(label="f(x) = x³ at x = 1, ε = 0.1", f=_cube, x=1.0, eps=0.1),
                      dict(label="f(x) = x³ at x = 1, ε = 0.01", f=_cube, x=1.0, eps=0.01),
                      dict(label="f(x) = sin x at x = 2.2, ε = 0.001", f=np.sin, x=2.2,
                           eps=0.001),
                      dict(label="f(x) = eˣ at x = 2.5, ε = 0.05", f=np.exp, x=2.5, eps=0.05)],
      make=lambda c: (c["f"], c["x"], c["eps"]),
      returns=("numerical_derivative(f, x, eps)",),
      formulas={"numerical_derivative(f, x, eps)": "(f(x+ε) − f(x−ε)) / 2ε"},
      mistakes=[
          (lambda f, x, eps: (f(x + eps) - f(x)) / eps, "that is the forward difference "
           "(f(x+ε) − f(x))/ε; use the central one, which is accurate to order ε² instead of ε."),
          (lambda f, x, eps: (f(x) - f(x - eps)) / eps, "that is the backward difference "
           "(f(x) − f(x−ε))/ε; use the central one, (f(x+ε) − f(x−ε)) / 2ε."),
          (lambda f, x, eps: (f(x + eps) - f(x - eps)) / eps, "the two points x − ε and x + ε "
           "are 2ε apart: divide by 2ε, not ε."),
          (lambda f, x, eps: (f(x + eps) - f(x - eps)) / 2 * eps, "operator precedence: "
           "`/ 2 * eps` divides by 2 and then multiplies by ε; write `/ (2 * eps)`."),
          (lambda f, x, eps: (f(x - eps) - f(x + eps)) / (2 * eps), "wrong sign: subtract "
           "f(x − ε) from f(x + ε), not the other way."),
          (lambda f, x, eps: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "that is the exact derivative, "
           "as if the step were tiny: use the step `eps` you are given."),
          (lambda f, x, eps: (f(1 + eps) - f(1 - eps)) / (2 * eps), "that differentiates at "
           "x = 1 whatever `x` is: use the argument `x`."),
          (lambda f, x, eps: abs(f(x + eps) - f(x - eps)) / (2 * eps), "a derivative can be "
           "negative: no abs()."),
          (lambda f, x, eps: ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps), "that "
           "differentiates x³ whatever f is: call the function `f` you are given.")],
      success=lambda got: "central differences agree on x³, sin and exp at four points and "
      f"steps; for x³ at x = 1 with ε = 0.1: {number(got['numerical_derivative(f, x, eps)'])} "
      "(exact: 3).")
def check_numerical_derivative(numerical_derivative):
    """`numerical_derivative(f, x, eps)`: the central difference (f(x+ε) − f(x−ε)) / 2ε."""


def _outer_at_x(x):
    return np.cos(x) * 2 * x


@check("01_chain_rule", "the chain rule",
      solution=lambda x: np.cos(x ** 2) * 2 * x,
      configurations=[dict(label=f"x = {x}", x=x) for x in (0.8, -1.3, 2.1, -0.25)],
      make=lambda c: (c["x"],),
      returns=("dz_dx(x)",), formulas={"dz_dx(x)": "f'(g(x))·g'(x) = cos(x²)·2x"},
      mistakes=[
          (_outer_at_x, "evaluate f' at y = g(x) = x², not at x: cos(x²), not cos(x)."),
          (lambda x: np.sin(x ** 2) * 2 * x, "that uses f = sin instead of its derivative "
           "f' = cos."),
          (lambda x: np.sin(x ** 2), "that is z = sin(x²) itself; dz_dx returns its derivative."),
          (lambda x: np.cos(x ** 2), "the inner derivative g'(x) = 2x is missing."),
          (lambda x: np.cos(x ** 2) * x, "the inner derivative of g(x) = x² is g'(x) = 2x, "
           "not x."),
          (lambda x: np.cos(x ** 2) + 2 * x, "the chain rule multiplies the two derivatives, "
           "it does not add them."),
          (lambda x: -np.cos(x ** 2) * 2 * x, "wrong sign: sin' = cos (it is cos' that is "
           "−sin)."),
          (lambda x: abs(np.cos(x ** 2) * 2 * x), "a derivative can be negative: no abs()."),
          (lambda x: np.cos(np.radians(x ** 2)) * 2 * x, "numpy's cos takes radians: no "
           "conversion from degrees.")],
      success=f"dz/dx = cos(x²)·2x at four points, e.g. {number(np.cos(0.64) * 1.6)} at x = 0.8.")
def check_chain_rule(dz_dx):
    """`dz_dx(x)` for z = f(g(x)) with y = g(x) = x², z = f(y) = sin(y): f'(g(x))·g'(x)."""


def _paths(t):
    """The contributions of the paths through x and through y to df/dt."""
    x, y = np.cos(t), 2 * np.sin(t)
    return 2 * x * -np.sin(t), 2 * y * 2 * np.cos(t)


@check("01_chain_rule", "the multivariate chain rule",
      solution=lambda t: sum(_paths(t)),
      configurations=[dict(label=f"t = {t}", t=t) for t in (0.7, 2.0, -1.1, 4.0)],
      make=lambda c: (c["t"],),
      returns=("df_dt(t)",), formulas={"df_dt(t)": "∂f/∂x·dx/dt + ∂f/∂y·dy/dt"},
      mistakes=[
          (lambda t: _paths(t)[0], "only the path through x: t also changes f through y; add "
           "∂f/∂y·dy/dt."),
          (lambda t: _paths(t)[1], "only the path through y: t also changes f through x; add "
           "∂f/∂x·dx/dt."),
          (lambda t: _paths(t)[0] * _paths(t)[1], "the two paths are added, not multiplied."),
          (lambda t: -_paths(t)[0] + _paths(t)[1], "check the sign of dx/dt: the derivative of "
           "cos t is −sin t."),
          (lambda t: _paths(t)[0] - _paths(t)[1], "the two paths' contributions are added: "
           "+ ∂f/∂y·dy/dt, and dy/dt = +2 cos t."),
          (lambda t: _paths(t)[0] + _paths(t)[1] / 2, "a factor 2 of y(t) = 2 sin t is lost: "
           "y = 2 sin t and dy/dt = 2 cos t."),
          (lambda t: sum(_paths(t)) / 2, "half the right value: ∂f/∂x = 2x and ∂f/∂y = 2y "
           "(the 2 of the square)."),
          (lambda t: np.cos(t) ** 2 + 4 * np.sin(t) ** 2, "that is f(x(t), y(t)) itself; df_dt "
           "returns how fast it changes with t."),
          (lambda t: 2 * np.cos(t) + 4 * np.sin(t), "those are ∂f/∂x + ∂f/∂y; multiply each by "
           "how fast x and y move with t.")],
      success="df/dt = 2x·(−sin t) + 2y·(2 cos t) at four values of t: the sum over both paths "
      "from t to f.")
def check_multivariate_chain_rule(df_dt):
    """`df_dt(t)` for f(x, y) = x² + y² with x(t) = cos t, y(t) = 2 sin t."""


def sigmoid_chain_derivative(x, depth):
    """d/dx of σ(σ(…σ(x))), depth sigmoids: the product of every layer's σ'(a) at its input a."""
    product, a = 1.0, x
    for _ in range(depth):
        product = product * σ(a) * (1 - σ(a))
        a = σ(a)
    return product


def _chain_slip(depth_of=lambda d: d, slope=lambda a: σ(a) * (1 - σ(a)), advance=True,
                start=1.0, combine=np.multiply, before=False):
    """sigmoid_chain_derivative with one of the typical slips, for the mistakes table."""
    def slipped(x, depth):
        product, a = start, x
        for _ in range(depth_of(depth)):
            if before:
                a = σ(a)
            product = combine(product, slope(a))
            if advance and not before:
                a = σ(a)
        return product
    return slipped


def _chain_value(x, depth):
    for _ in range(depth):
        x = σ(x)
    return x


@check("01_chain_rule", "the derivative of a chain of sigmoids",
      solution=sigmoid_chain_derivative,
      configurations=[
          dict(label="x = 0.7, depth 3", x=0.7, depth=3),
          dict(label="x = −2.5, depth 1", x=-2.5, depth=1),
          dict(label="x = 1.9, depth 8", x=1.9, depth=8),
          dict(label="x = 0.4, depth 0 (no sigmoid: f(x) = x)", x=0.4, depth=0),
          dict(label="the points x = [−3, 0, 2.2] at once, depth 4", x=[-3.0, 0.0, 2.2],
               depth=4)],
      make=lambda c: (np.array(c["x"]) if isinstance(c["x"], list) else c["x"], c["depth"]),
      returns=("df/dx",), formulas={"df/dx": "σ'(a₁)·σ'(a₂)·…·σ'(a_d)"},
      mistakes=[
          (_chain_slip(advance=False), "every factor is taken at x: σ'(x)^d. Each layer's "
           "factor is σ' at *its* input a_k; move on with a = σ(a) after each factor."),
          (_chain_slip(before=True), "the first factor is σ'(x), at the first layer's input: "
           "take the factor first, then move on with a = σ(a)."),
          (_chain_slip(slope=σ), "the factor is σ'(a) = σ(a)(1 − σ(a)), not σ(a)."),
          (_chain_slip(slope=lambda a: a * (1 - a)), "σ'(a) = σ(a)(1 − σ(a)): a(1 − a) is the "
           "formula in terms of the sigmoid's *output*, and a is the input."),
          (_chain_slip(depth_of=lambda d: max(d - 1, 0)), "one factor too few: a chain of d "
           "sigmoids has d factors, range(depth)."),
          (_chain_slip(start=0.0, combine=np.add), "the chain rule multiplies the factors "
           "(start from 1); adding is for several paths."),
          (lambda x, depth: 0.25 ** depth + 0 * np.asarray(x), "(¼)^d is the bound, reached "
           "only at a = 0; compute every factor σ'(a_k)."),
          (_chain_value, "that is the chain's value "
           "σ(σ(…σ(x))), not its derivative.")],
      crash_hints=[("not iterable", "loop over the layers with `for _ in range(depth)`."),
                   ("truth value of an array", "x may be an array of points: compute with "
                    "arrays, no `if` on a value.")],
      success="the product of the factors σ'(a_k) for depths 0 to 8 and several points, "
              "an array of points included.")
def check_sigmoid_chain_derivative(sigmoid_chain_derivative):
    """`sigmoid_chain_derivative(x, depth)`: d/dx of a chain of depth sigmoids, at x."""


# -- notebook 02: training and gradient descent -----------------------------------------------

@check("02_training_and_gradient_descent", "a gradient-descent step",
      solution=lambda w, grad, rate: w - rate * grad,
      configurations=[
          dict(label="w = [0.5, −0.3], grad = [0.2, 0.4], rate = 0.1", w=[0.5, -0.3],
               grad=[0.2, 0.4], rate=0.1),
          dict(label="a single weight w = 2.0, grad = −1.5, rate = 0.3", w=2.0, grad=-1.5,
               rate=0.3),
          dict(label="w of shape (2, 3), rate = 0.05", w=[[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]],
               grad=[[0.3, 0.1, -0.2], [1.0, -0.5, 0.25]], rate=0.05)],
      make=lambda c: tuple(np.array(c[k], dtype=float) if isinstance(c[k], list) else c[k]
                           for k in ("w", "grad", "rate")),
      returns=("the new w",), formulas={"the new w": "w − rate·grad"},
      mistakes=[
          (lambda w, grad, rate: w + rate * grad, "that steps uphill: gradient descent goes "
           "against the gradient, w − rate·grad."),
          (lambda w, grad, rate: w - grad, "the learning rate is missing: the step is "
           "rate·grad."),
          (lambda w, grad, rate: w - grad / rate, "multiply the gradient by the rate, do not "
           "divide by it."),
          (lambda w, grad, rate: -rate * grad, "that is only the step; return the new weights "
           "w − rate·grad."),
          (lambda w, grad, rate: w - rate * grad ** 2, "multiply the gradient by the rate once, "
           "do not square it."),
          (lambda w, grad, rate: w - 0.1 * grad, "that uses the rate 0.1 whatever `rate` is: use "
           "the argument."),
          (lambda w, grad, rate: w - rate * w, "the step uses the gradient, not the weights.")],
      crash_hints=[("not iterable", "it must work for a single weight (a number) too: "
                    "`w - rate * grad` works for numbers and arrays alike, a loop does not."),
                   ("has no len()", "it must work for a single weight (a number) too: "
                    "`w - rate * grad` works for numbers and arrays alike, a loop does not.")],
      success="w − rate·grad for an array of weights, a single weight and a matrix; e.g. "
      "[0.48, −0.34] from w = [0.5, −0.3], grad = [0.2, 0.4], rate = 0.1.")
def check_gradient_descent_step(gradient_descent_step):
    """`gradient_descent_step(w, grad, rate)`: w − rate·grad."""


def _layers(sizes):
    return list(zip(sizes[:-1], sizes[1:], strict=True))


@check("02_training_and_gradient_descent", "counting parameters",
       solution=lambda sizes: sum(a * b + b for a, b in _layers(sizes)),
       configurations=[dict(label="sizes = [2, 2, 1]", sizes=[2, 2, 1]),
                       dict(label="sizes = [2, 3, 3, 1]", sizes=[2, 3, 3, 1]),
                       dict(label="sizes = (784, 256, 10), a tuple", sizes=(784, 256, 10)),
                       dict(label="sizes = [5, 1]", sizes=[5, 1])],
       make=lambda c: (type(c["sizes"])(c["sizes"]),),
       returns=("count_parameters(sizes)",),
       formulas={"count_parameters(sizes)": "Σ (a·b + b) over the layers"},
       mistakes=[
           (lambda sizes: sum(a * b for a, b in _layers(sizes)), "you counted the weights only; "
            "every neuron after the input layer also has a bias, a coordinate too."),
           (lambda sizes: sum(b for a, b in _layers(sizes)), "you counted the biases only; add "
            "one weight per connection."),
           (lambda sizes: sum(sizes), "that counts neurons; count a weight per connection and a "
            "bias per neuron."),
           (lambda sizes: sum(a * b for a, b in _layers(sizes)) + sum(sizes), "the input layer "
            "has no biases: it only holds the data."),
           (lambda sizes: sum(a * b + a for a, b in _layers(sizes)), "the biases belong to a "
            "layer's outputs: b biases for a layer from a inputs to b outputs, not a."),
           (lambda sizes: sum(a * b + b for a, b in _layers(sizes)[:-1]), "a layer is missing: "
            "the last layer has parameters too; loop over all len(sizes) − 1 layers."),
           (lambda sizes: sum(a * b + b for a, b in _layers(sizes)[1:]), "a layer is missing: "
            "the first layer has parameters too; loop over all len(sizes) − 1 layers."),
           (lambda sizes: sum(a * b + b for a, b in zip(sizes, sizes, strict=True)), "pair each "
            "layer with the next one: zip(sizes[:-1], sizes[1:])."),
           (lambda sizes: int(np.prod(sizes)) + sum(sizes[1:]), "multiply the sizes of "
            "neighbouring layers only, not all of them.")],
       success="a 2-2-1 network has 6 weights and 3 biases: gradient descent moves a point in 9 "
       "dimensions; 784-256-10 has 203,530.")
def check_parameter_count(count_parameters):
    """`count_parameters(sizes)`: weights and biases of a fully connected net, all layers."""


def _per_sample(w, b, X, T):
    """The per-sample gradients of ½(σ(w·x + b) − t)²: (dL/dw for each row, dL/db for each)."""
    z = X @ w + b
    z_bar = (σ(z) - T) * σ(z) * (1 - σ(z))
    return z_bar[:, None] * X, z_bar


def _cost(w, b, X, T):
    dw, db = _per_sample(w, b, X, T)
    return dw.mean(axis=0), db.mean()


def _rows(seed, n, d):
    rng = np.random.default_rng(seed)
    return dict(label=f"{n} samples of {d} features (seed {seed})", w=rng.normal(size=d),
                b=float(rng.normal()), X=rng.integers(0, 2, size=(n, d)).astype(float),
                T=rng.integers(0, 2, size=n).astype(float))


@check("02_training_and_gradient_descent", "the cost gradient",
       solution=lambda w, b, X, T: _cost(w, b, X, T),
       configurations=[dict(label="the notebook's 4 samples, w = [0.5, −0.3], b = 0.1",
                            w=[0.5, -0.3], b=0.1, X=[[0, 1], [1, 1], [0, 0], [1, 0]],
                            T=[1, 0, 0, 1]),
                       _rows(1, 3, 2), _rows(2, 6, 3), _rows(3, 5, 1)],
       make=lambda c: (np.array(c["w"], dtype=float), c["b"], np.array(c["X"], dtype=float),
                       np.array(c["T"], dtype=float)),
       returns=("dE_dw", "dE_db"),
       formulas={"dE_dw": "the mean of dL/dw over the samples",
                 "dE_db": "the mean of dL/db over the samples"},
       mistakes=[
           (lambda w, b, X, T: _cost(w, b, X, T)[::-1], "the two values are right but "
            "swapped: return dE_dw first, then dE_db."),
           (lambda w, b, X, T: (_per_sample(w, b, X, T)[0].mean(), 0), "that is one number, the "
            "mean of all the entries: average over the samples only (axis=0), one value per "
            "weight."),
           (lambda w, b, X, T: _per_sample(w, b, X, T), "that is one gradient per sample: "
            "average them over the samples (axis 0)."),
           (lambda w, b, X, T: tuple(g.sum(axis=0) for g in _per_sample(w, b, X, T)), "that is "
            "the sum over the samples; the cost is the average, so divide by their number."),
           (lambda w, b, X, T: tuple(g.sum(axis=0) / 4 for g in _per_sample(w, b, X, T)),
            "divide by the number of samples, len(X), not by 4."),
           (lambda w, b, X, T: tuple(g[0] for g in _per_sample(w, b, X, T)), "that is the first "
            "sample's gradient only; average over all of them."),
           (lambda w, b, X, T: tuple(g[-1] for g in _per_sample(w, b, X, T)), "that is the last "
            "sample's gradient only; average over all of them."),
           (lambda w, b, X, T: tuple(g[-1] / len(X) for g in _per_sample(w, b, X, T)), "only the "
            "last sample's gradient survives your loop: add every sample's gradient up."),
           (lambda w, b, X, T: tuple(g[:-1].mean(axis=0) for g in _per_sample(w, b, X, T)),
            "the last sample is missing: range(len(X)), not range(len(X) − 1)."),
           (lambda w, b, X, T: tuple(-g.mean(axis=0) for g in _per_sample(w, b, X, T)),
            "wrong sign: average the gradients as they are.")],
       success=lambda got: f"dE/dw = {show(got['dE_dw'])}, dE/db = {show(got['dE_db'])} on the "
       "notebook's four samples: the average of the per-sample gradients, for any number of "
       "samples and weights.")
def check_cost_gradient(cost_gradient):
    """`cost_gradient(w, b, X, T)`: the averages of the per-sample gradients (dE/dw, dE/db)."""


# -- notebook 03: sigmoid least squares, brute force and bar notation -------------------------

_POINTS = [dict(DEFAULTS, label="the lecture's values w = 0.5, x = 2, b = 0.1, t = 1, λ = 0.1"),
           dict(label="w = −1.3, x = 0.7, b = 0.4, t = 0, λ = 0.3", w=-1.3, x=0.7, b=0.4, t=0.0,
                lam=0.3),
           dict(label="w = 2, x = −1.5, b = −0.5, t = 1, λ = 1.5", w=2.0, x=-1.5, b=-0.5, t=1.0,
                lam=1.5)]


def _each(mistake):
    """(dL_dw, dL_db) with the same mistake: `mistake(w, x, b, t, d)` with d = ∂(wx + b)/∂ it."""
    return (lambda w, x, b, t: mistake(w, x, b, t, x), lambda w, x, b, t: mistake(w, x, b, t, 1.0))


def _sp(v):
    return σ(v) * (1 - σ(v))


def _dz(w, x, b, t):
    return (σ(w * x + b) - t) * _sp(w * x + b)


def _dz_x(w, x, b, t):
    return _dz(w, x, b, t) * x


@check("03_sigmoid_least_squares", "brute-force derivatives",
       solution=(_dz_x, _dz),
       configurations=_POINTS, make=lambda c: (c["w"], c["x"], c["b"], c["t"]),
       returns=("dL_dw", "dL_db"), rtol=1e-5,
       formulas={"dL_dw": "(σ(wx+b) − t)·σ'(wx+b)·x", "dL_db": "(σ(wx+b) − t)·σ'(wx+b)"},
       mistakes=[
           (_each(lambda w, x, b, t, d: (σ(w * x + b) - t) * σ(w * x + b) * d), "that uses σ "
            "where the chain rule needs σ' = σ(1 − σ)."),
           (_each(lambda w, x, b, t, d: (σ(w * x + b) - t) * (w * x + b) * (1 - w * x - b) * d),
            "σ'(a) = σ(a)(1 − σ(a)): apply σ inside, not (wx+b)(1 − (wx+b))."),
           (_each(lambda w, x, b, t, d: (σ(w * x + b) - t) * _sp(x) * d), "evaluate σ' at "
            "wx + b, not at x."),
           (_each(lambda w, x, b, t, d: (t - σ(w * x + b)) * _sp(w * x + b) * d), "wrong sign: "
            "the derivative of ½(y − t)² is (y − t), not (t − y)."),
           (_each(lambda w, x, b, t, d: σ(w * x + b) * _sp(w * x + b) * d), "the − t is missing: "
            "the outer derivative of ½(σ(wx+b) − t)² is σ(wx+b) − t."),
           ((_dz, _dz), "the innermost factor: ∂(wx + b)/∂w is x, not 1."),
           ((_dz_x, _dz_x), "the innermost factor: ∂(wx + b)/∂b is 1, not x."),
           (_each(lambda w, x, b, t, d: (σ(w * x + b) - t) * _sp(w * x + b) * w), "the innermost "
            "factor: ∂(wx + b)/∂w is x, not w; ∂(wx + b)/∂b is 1."),
           (_each(lambda w, x, b, t, d: (σ(w * x + b) - t) * d), "the factor σ'(wx + b) from the "
            "middle of the chain is missing."),
           (_each(lambda w, x, b, t, d: 2 * (σ(w * x + b) - t) * _sp(w * x + b) * d), "the ½ "
            "cancels the 2 of the square: no factor 2."),
           (_each(lambda w, x, b, t, d: 0.5 * (σ(w * x + b) - t) ** 2), "that is the loss L "
            "itself; return its derivative.")],
       success="both derivatives agree with the chain rule at three points, the lecture's and "
       "two more.")
def check_brute_force_gradients(dL_dw, dL_db):
    """`dL_dw(w, x, b, t)` and `dL_db(w, x, b, t)` for L = ½(σ(wx+b) − t)²."""


_BARS = ("L_reg_bar", "R_bar", "L_bar", "y_bar", "z_bar", "w_bar", "b_bar")


def _engine_bars(w, x, b, t, lam=0.0):
    """The bars of lecture.py's graph from the engine, in the slide's order (λ = 0: no R)."""
    g = regularised_example(w, x, b, t, lam)
    g.L_reg.backward()
    return tuple(float(getattr(g, name[:-4]).bar) for name in _BARS)


def _slide(**lines):
    """The slide's backward pass, one line per bar, with some lines replaced by a mistake; a
    line is a function of the values so far (w, x, b, t, lam, z, y and the bars above it)."""
    def backward(w, x, b, t, lam=None):
        v = dict(w=w, x=x, b=b, t=t, lam=lam or 0.0, z=w * x + b)
        v["y"] = σ(v["z"])
        rules = dict(L_reg_bar=lambda v: 1.0, R_bar=lambda v: v["L_reg_bar"] * v["lam"],
                     L_bar=lambda v: v["L_reg_bar"], y_bar=lambda v: v["L_bar"] * (v["y"] - t),
                     z_bar=lambda v: v["y_bar"] * v["y"] * (1 - v["y"]),
                     w_bar=lambda v: v["z_bar"] * x + v["R_bar"] * w, b_bar=lambda v: v["z_bar"])
        rules.update(lines)
        for name in _BARS:
            v[name] = rules[name](v)
        return tuple(v[name] for name in _BARS[(0 if lam is not None else 3):])
    return backward


_BAR_MISTAKES = [
    (_slide(y_bar=lambda v: v["L_bar"] * (v["t"] - v["y"])), "wrong sign: the derivative of "
     "½(y − t)² with respect to y is (y − t), not (t − y)."),
    (_slide(y_bar=lambda v: v["L_bar"] * 0.5 * (v["y"] - v["t"]) ** 2), "that is the loss L "
     "itself; y_bar is its derivative, y − t."),
    (_slide(y_bar=lambda v: v["L_bar"] * 2 * (v["y"] - v["t"])), "the ½ cancels the 2 of the "
     "square: no factor 2."),
    (_slide(z_bar=lambda v: v["y_bar"] * v["y"]), "that uses σ(z) where the chain rule needs "
     "σ'(z) = σ(z)(1 − σ(z))."),
    (_slide(z_bar=lambda v: v["y_bar"] * _sp(v["y"])), "evaluate σ' at z, not at y."),
    (_slide(z_bar=lambda v: v["y_bar"]), "the local derivative dy/dz = σ'(z) is missing."),
    (_slide(z_bar=lambda v: v["y_bar"] * v["z"] * (1 - v["z"])), "σ'(z) = σ(z)(1 − σ(z)) = "
     "y(1 − y), not z(1 − z)."),
    (_slide(z_bar=lambda v: _sp(v["z"])), "multiply σ'(z) by the incoming message y_bar."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"] * v["R_bar"] * v["w"]), "the slide's missing "
     "plus: w has two children, z and R, and their messages are ADDED: w_bar = z_bar·x + R_bar·w."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"]), "a message is missing: w has two children, z "
     "and R. Add R's message R_bar·w."),
    (_slide(w_bar=lambda v: v["R_bar"] * v["w"]), "a message is missing: w has two children, z "
     "and R. Add z's message z_bar·x."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"] + v["w"]), "R's message is R_bar·dR/dw = "
     "R_bar·w (R_bar = λ), not w alone."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"] + v["R_bar"] * 0.5 * v["w"] ** 2), "dR/dw for "
     "R = ½w² is w, so R's message is R_bar·w."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"] + v["R_bar"]), "the local derivative dR/dw = w "
     "is missing: R's message is R_bar·w."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"] - v["R_bar"] * v["w"]), "wrong sign: the two "
     "messages are added, w_bar = z_bar·x + R_bar·w."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["x"] + v["R_bar"] * v["w"] * v["lam"]), "λ is "
     "already in R_bar = L_reg_bar·λ: do not multiply by λ again."),
    (_slide(w_bar=lambda v: v["z_bar"] * v["w"] + v["R_bar"] * v["w"]), "the local derivative "
     "∂z/∂w of z = wx + b is x, not w."),
    (_slide(w_bar=lambda v: v["z_bar"] + v["R_bar"] * v["w"]), "the local derivative "
     "∂z/∂w = x is missing."),
    (_slide(w_bar=lambda v: v["y_bar"] * v["x"] + v["R_bar"] * v["w"]), "w's child is z, so its "
     "message starts from z_bar, not y_bar: z_bar·x."),
    (_slide(b_bar=lambda v: v["z_bar"] * v["x"]), "∂z/∂b = 1 for z = wx + b: b_bar = z_bar, "
     "without x."),
    (_slide(b_bar=lambda v: v["z_bar"] + v["R_bar"] * v["b"]), "b is not regularised: R = ½w² "
     "does not depend on b, so b has one child, z."),
    (_slide(L_reg_bar=lambda v: 0.0), "the seed: the output's bar is dL_reg/dL_reg = 1."),
    (_slide(R_bar=lambda v: 1.0), "R enters L_reg as λR, so dL_reg/dR = λ: R_bar = L_reg_bar·λ."),
    (_slide(R_bar=lambda v: v["lam"] * 0.5 * v["w"] ** 2), "the local derivative dL_reg/dR is λ; "
     "do not multiply by the value of R."),
    (_slide(R_bar=lambda v: 1 / v["lam"]), "L_reg = L + λR, so dL_reg/dR = λ: multiply by λ, "
     "do not divide."),
    (_slide(L_bar=lambda v: v["lam"]), "λ multiplies R, not L: dL_reg/dL = 1."),
]


def _reordered(names, order_text):
    def backward(*args):
        bars = dict(zip(names, _slide()(*args), strict=True))
        return tuple(bars[n] for n in reversed(names))
    return backward, f"the values are right but in another order: return them as {order_text}."


@check("03_sigmoid_least_squares", "the backward pass in bar notation",
       solution=lambda w, x, b, t: _engine_bars(w, x, b, t)[3:],
       configurations=_POINTS, make=lambda c: (c["w"], c["x"], c["b"], c["t"]),
       returns=_BARS[3:],
       formulas=dict(y_bar="y − t", z_bar="y_bar·σ'(z)", w_bar="z_bar·x", b_bar="z_bar"),
       mistakes=[*_BAR_MISTAKES, _reordered(_BARS[3:], ", ".join(_BARS[3:]))],
       success=lambda got: "all four bars match the reference engine at three points: "
       + ", ".join(f"{name} = {number(got[name])}" for name in _BARS[3:])
       + " at the lecture's values.")
def check_bar_notation(backward_pass):
    """`backward_pass(w, x, b, t)` -> (y_bar, z_bar, w_bar, b_bar), against the engine."""


@check("03_sigmoid_least_squares", "the regularised backward pass",
       solution=_engine_bars, configurations=_POINTS,
       make=lambda c: (c["w"], c["x"], c["b"], c["t"], c["lam"]), returns=_BARS,
       formulas=dict(R_bar="L_reg_bar·λ", L_bar="L_reg_bar·1", y_bar="L_bar·(y − t)",
                     z_bar="y_bar·σ'(z)", w_bar="z_bar·x + R_bar·w", b_bar="z_bar"),
       mistakes=[*_BAR_MISTAKES, _reordered(_BARS, ", ".join(_BARS))],
       success=lambda got: "all seven bars match the reference engine at three points; "
       f"w_bar = z_bar·x + R_bar·w = {number(got['w_bar'])}, the sum of the messages from both "
       "children.")
def check_bar_notation_regularised(backward_pass_regularised):
    """`backward_pass_regularised(w, x, b, t, lam)` -> (L_reg_bar, R_bar, L_bar, y_bar, z_bar,
    w_bar, b_bar), against the engine, line by line in the slide's order."""

"""Checks of notebooks 01-03: the chain rule, gradient descent, sigmoid least squares.

Each check is data for the runner (see `_runner`): the configurations it tries, the reference
(closed forms, or the engine on lecture.py's graph), and the typical mistakes, each written as
the function a student with that mistake would hand in.
"""
from __future__ import annotations

import numpy as np

from .. import engine, reference
from ..engine import Node, sigmoid
from ..lecture import DEFAULTS, regularised_example
from ..notation import number, show
from ._runner import Mistake, but, check
from .graphs import the_messages

__all__ = [
    "check_numerical_derivative", "check_chain_rule", "check_multivariate_chain_rule",
    "check_sigmoid_chain_derivative",
    "check_gradient_descent_step", "check_parameter_count", "check_cost_gradient",
    "check_brute_force_gradients", "check_bar_notation", "check_bar_notation_regularised",
]

σ = sigmoid.forward


def _the_explorers():
    """The explorers compute what notebooks 01 and 02 ask for: the chain rule applied to the
    derivatives given, f'(g(x))·g'(x), and gradient-descent steps. Those checks refuse them."""
    from ..widgets.states import DescentState, SensitivityState
    return (("SensitivityExplorer's dz/dx", SensitivityState.numbers),
            ("the descent explorer's steps (DescentState)", DescentState._descend))


# -- notebook 01: derivatives and the chain rule ----------------------------------------------

def _cube(x):
    return x ** 3


@check("01_chain_rule", "numerical derivative",
      solution=lambda f, x, eps: (f(x + eps) - f(x - eps)) / (2 * eps),
      configurations=[dict(label="f(x) = x³ at x = 1, ε = 0.1", f=_cube, x=1.0, eps=0.1),
                      dict(label="f(x) = x³ at x = 1, ε = 0.01", f=_cube, x=1.0, eps=0.01),
                      dict(label="f(x) = sin x at x = 2.2, ε = 0.001", f=np.sin, x=2.2,
                           eps=0.001),
                      dict(label="f(x) = eˣ at x = 2.5, ε = 0.05", f=np.exp, x=2.5, eps=0.05),
                      dict(label="f(x) = eˣ at x = 1, ε = 0.5", f=np.exp, x=1.0, eps=0.5)],
      make=lambda c: (c["f"], c["x"], c["eps"]),
      returns=("numerical_derivative(f, x, eps)",),
      formulas={"numerical_derivative(f, x, eps)": "(f(x+ε) − f(x−ε)) / 2ε",
                "in code": "(f(x + eps) - f(x - eps)) / (2 * eps)"},
      mistakes=[
          Mistake("forward-difference", lambda f, x, eps: (f(x + eps) - f(x)) / eps,
                  "that is a one-sided (forward) difference, from x to x + ε: accurate to order "
                  "ε only. The central difference looks at both sides of x."),
          Mistake("backward-difference", lambda f, x, eps: (f(x) - f(x - eps)) / eps,
                  "that is a one-sided (backward) difference, from x − ε up to x: accurate to "
                  "order ε only. Which two points does the central difference compare?"),
          Mistake("divided-by-eps", lambda f, x, eps: (f(x + eps) - f(x - eps)) / eps,
                  "twice the slope: the rise is right, the run is not. How far apart are the two "
                  "points you compare?"),
          Mistake("precedence", lambda f, x, eps: (f(x + eps) - f(x - eps)) / 2 * eps,
                  "operator precedence: Python reads `a / 2 * eps` as (a / 2)·eps, so ε "
                  "multiplies where it should divide. Where do parentheses belong?"),
          Mistake("precedence-difference", lambda f, x, eps: f(x + eps) - f(x - eps) / (2 * eps),
                  "operator precedence: Python divides f(x − ε) alone before it subtracts, so "
                  "only one term is divided. Where do parentheses belong?"),
          Mistake("wrong-sign", lambda f, x, eps: (f(x - eps) - f(x + eps)) / (2 * eps),
                  "the sign is flipped: a slope is the rise from the left point to the right "
                  "one, over the run."),
          Mistake("fixed-step", lambda f, x, eps: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5,
                  "your value is what a far smaller step gives (the exact derivative): the "
                  "function ignores the step `eps` it is given."),
          Mistake("four-point", lambda f, x, eps: (8 * (f(x + eps) - f(x - eps)) - f(x + 2 * eps)
                                                   + f(x - 2 * eps)) / (12 * eps),
                  "that is a higher-order stencil, from four points: closer to the exact "
                  "derivative, but the exercise asks for the central difference, whose error of "
                  "order ε² the notebook goes on to measure."),
          Mistake("fixed-x", lambda f, x, eps: (f(1 + eps) - f(1 - eps)) / (2 * eps),
                  "that differentiates at x = 1 whatever `x` is: use the argument `x`."),
          Mistake("abs", lambda f, x, eps: abs(f(x + eps) - f(x - eps)) / (2 * eps),
                  "a derivative can be negative: no abs()."),
          Mistake("hard-coded-cube",
                  lambda f, x, eps: ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps),
                  "that differentiates x³ whatever f is: call the function `f` you are given.")],
      success=lambda got: "central differences agree on x³, sin and exp at five points and "
      f"steps; for x³ at x = 1 with ε = 0.1: {number(got['numerical_derivative(f, x, eps)'])} "
      "(exact: 3).")
def check_numerical_derivative(numerical_derivative):
    """`numerical_derivative(f, x, eps)`: the central-difference estimate of f'(x) with step eps."""


def _outer_at_x(x):
    return np.cos(x) * 2 * x


@check("01_chain_rule", "the chain rule", refuses=_the_explorers,
      solution=lambda x: np.cos(x ** 2) * 2 * x,
      configurations=[dict(label=f"x = {x}", x=x) for x in (0.8, -1.3, 2.1, -0.25)],
      make=lambda c: (c["x"],),
      returns=("dz_dx(x)",),
      formulas={"dz_dx(x)": "cos(x²)·2x", "in code": "np.cos(x ** 2) * 2 * x"},
      mistakes=[
          Mistake("outer-at-x", _outer_at_x,
                  "the outer derivative is evaluated at the wrong point, at x: where does f "
                  "itself read its input?"),
          Mistake("f-for-f-prime", lambda x: np.sin(x ** 2) * 2 * x,
                  "the outer factor is the function f = sin itself; the chain rule needs its "
                  "derivative there."),
          Mistake("z-itself", lambda x: np.sin(x ** 2),
                  "that is z = sin(x²) itself; dz_dx returns its derivative."),
          Mistake("no-inner-derivative", lambda x: np.cos(x ** 2),
                  "a factor of the chain rule is missing: how fast does the inner function "
                  "y = g(x) change with x?"),
          Mistake("inner-derivative-x", lambda x: np.cos(x ** 2) * x,
                  "the inner factor is half what it should be: differentiate g(x) = x² "
                  "again."),
          Mistake("added", lambda x: np.cos(x ** 2) + 2 * x,
                  "the chain rule multiplies the two derivatives, it does not add them."),
          Mistake("wrong-sign", lambda x: -np.cos(x ** 2) * 2 * x,
                  "the sign is flipped: check the derivative of sin."),
          Mistake("abs", lambda x: abs(np.cos(x ** 2) * 2 * x),
                  "a derivative can be negative: no abs()."),
          Mistake("degrees", lambda x: np.cos(np.radians(x ** 2)) * 2 * x,
                  "numpy's cos takes radians: no conversion from degrees.")],
      exact=True,
      success=f"dz/dx = cos(x²)·2x at four points, e.g. {number(np.cos(0.64) * 1.6)} at x = 0.8.")
def check_chain_rule(dz_dx):
    """`dz_dx(x)`: the derivative of z = f(g(x)) with y = g(x) = x², z = f(y) = sin(y)."""


def _paths(t):
    """The contributions of the paths through x and through y to df/dt."""
    x, y = np.cos(t), 2 * np.sin(t)
    return 2 * x * -np.sin(t), 2 * y * 2 * np.cos(t)


@check("01_chain_rule", "the multivariate chain rule", refuses=_the_explorers,
      solution=lambda t: sum(_paths(t)),
      configurations=[dict(label=f"t = {t}", t=t) for t in (0.7, 2.0, -1.1, 4.0)],
      make=lambda c: (c["t"],),
      returns=("df_dt(t)",),
      formulas={"df_dt(t)": "2x·(−sin t) + 2y·(2 cos t)",
                "in general": "∂f/∂x·dx/dt + ∂f/∂y·dy/dt"},
      mistakes=[
          Mistake("path-x-only", lambda t: _paths(t)[0],
                  "only the path through x: t also changes f through y, and that path's "
                  "contribution is missing."),
          Mistake("path-y-only", lambda t: _paths(t)[1],
                  "only the path through y: t also changes f through x, and that path's "
                  "contribution is missing."),
          Mistake("paths-multiplied", lambda t: _paths(t)[0] * _paths(t)[1],
                  "the two paths are added, not multiplied."),
          Mistake("sign-of-dx-dt", lambda t: -_paths(t)[0] + _paths(t)[1],
                  "the path through x has the wrong sign: check dx/dt, the derivative of "
                  "x(t) = cos t."),
          Mistake("path-y-subtracted", lambda t: _paths(t)[0] - _paths(t)[1],
                  "the path through y enters with the wrong sign: the paths' contributions are "
                  "added, so check the sign of dy/dt."),
          Mistake("lost-factor-2", lambda t: _paths(t)[0] + _paths(t)[1] / 2,
                  "the path through y is half what it should be: a factor 2 is lost, in "
                  "y(t) = 2 sin t or in its derivative."),
          Mistake("half", lambda t: sum(_paths(t)) / 2,
                  "half the right value on both paths: check the partial derivatives of the "
                  "squares in f = x² + y²."),
          Mistake("f-itself", lambda t: np.cos(t) ** 2 + 4 * np.sin(t) ** 2,
                  "that is f(x(t), y(t)) itself; df_dt returns how fast it changes with t."),
          Mistake("partials-only", lambda t: 2 * np.cos(t) + 4 * np.sin(t),
                  "those are the partial derivatives alone, ∂f/∂x + ∂f/∂y: each path also goes "
                  "through x(t) or y(t). Which factor of each path is missing?")],
      exact=True,
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


def _sp(v):
    """σ'(v) = σ(v)(1 − σ(v))."""
    return σ(v) * (1 - σ(v))


def _inputs(x, depth) -> list:
    """The inputs a_1 = x, a_2 = σ(a_1), ... of a chain's depth sigmoids."""
    inputs = []
    for _ in range(depth):
        inputs.append(x)
        x = σ(x)
    return inputs


def _product(factors):
    """The product of the factors, 1 for none (the chain rule's empty product)."""
    product = 1.0
    for factor in factors:
        product = product * factor
    return product


def _chain_value(x, depth):
    for _ in range(depth):
        x = σ(x)
    return x


@check("01_chain_rule", "the derivative of a chain of sigmoids",
       refuses=lambda: (sigmoid_chain_derivative, *_the_explorers()),
      solution=sigmoid_chain_derivative,
      configurations=[
          dict(label="x = 0.7, depth 3", x=0.7, depth=3),
          dict(label="x = −2.5, depth 1", x=-2.5, depth=1),
          dict(label="x = 1.9, depth 8", x=1.9, depth=8),
          dict(label="x = 0.4, depth 0 (no sigmoid: f(x) = x)", x=0.4, depth=0),
          dict(label="the points x = [−3, 0, 2.2] at once, depth 4", x=[-3.0, 0.0, 2.2],
               depth=4)],
      make=lambda c: (np.array(c["x"]) if isinstance(c["x"], list) else c["x"], c["depth"]),
      returns=("df/dx",), formulas={"df/dx": "σ'(a₁)·σ'(a₂)·…·σ'(a_d)",
                                    "in code": "product * σ(a) * (1 - σ(a))"},
      mistakes=[
          Mistake("factors-at-x", lambda x, depth: _product([_sp(x)] * depth),
                  "every factor is taken at x (that is σ'(x)^depth): each layer's factor is σ' "
                  "at that layer's own input. Where does the second layer's input come from?"),
          Mistake("factor-after-step", lambda x, depth: _product(map(_sp, _inputs(σ(x), depth))),
                  "each factor is one layer late, taken at the next layer's input: at which "
                  "point is the first layer's slope taken?"),
          Mistake("sigma-for-sigma-prime", lambda x, depth: _product(map(σ, _inputs(x, depth))),
                  "each factor is σ(a), the layer's output; the chain rule needs the layer's "
                  "slope."),
          Mistake("slope-of-input",
                  lambda x, depth: _product(a * (1 - a) for a in _inputs(x, depth)),
                  "a(1 − a) is the sigmoid's slope in terms of its *output*, but a is the "
                  "layer's input: the formula is applied to the wrong value."),
          Mistake("one-factor-short", lambda x, depth: _product(map(_sp, _inputs(x, depth - 1))),
                  "one factor too few: a chain of d sigmoids has d factors. Count your loop's "
                  "rounds."),
          Mistake("factors-added", lambda x, depth: sum(map(_sp, _inputs(x, depth)), 0.0),
                  "the factors are added: along one chain the chain rule multiplies them "
                  "(adding is for several paths)."),
          Mistake("product-from-0", lambda x, depth: 0 * _product(map(_sp, _inputs(x, depth))),
                  "the product is 0 whatever the factors are: what must a product start "
                  "from?"),
          Mistake("quarter-power", lambda x, depth: 0.25 ** depth + 0 * np.asarray(x),
                  "(¼)^depth is only the bound, reached where every input is 0: each layer has "
                  "a slope of its own."),
          Mistake("chain-value", _chain_value,
                  "that is the chain's value σ(σ(…σ(x))), not its derivative.")],
      crash_hints=[("not iterable", "depth is a number (how many layers), not a list: a "
                    "`for` loop cannot go over a number itself."),
                   ("truth value of an array", "x may be an array of points: compute with "
                    "arrays, no `if` on a value.")],
      exact=True,
      success="the product of the factors σ'(a_k) for depths 0 to 8 and several points, "
              "an array of points included.")
def check_sigmoid_chain_derivative(sigmoid_chain_derivative):
    """`sigmoid_chain_derivative(x, depth)`: d/dx of a chain of depth sigmoids, at x."""


# -- notebook 02: training and gradient descent -----------------------------------------------

@check("02_training_and_gradient_descent", "a gradient-descent step", refuses=_the_explorers,
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
      returns=("the new w",), formulas={"the new w": "w − rate·grad", "in code": "w - rate * grad"},
      mistakes=[
          Mistake("uphill", lambda w, grad, rate: w + rate * grad,
                  "that steps uphill, along the gradient: gradient descent goes against it."),
          Mistake("no-rate", lambda w, grad, rate: w - grad,
                  "the learning rate is missing from the step: it is 1/rate times too long."),
          Mistake("divided-by-rate", lambda w, grad, rate: w - grad / rate,
                  "the gradient is divided by the rate: a small rate should make a small "
                  "step, not a huge one."),
          Mistake("step-only", lambda w, grad, rate: -rate * grad,
                  "that is only the step: the function returns the new weights, where the "
                  "step takes w."),
          Mistake("grad-squared", lambda w, grad, rate: w - rate * grad ** 2,
                  "the gradient is squared: the step is proportional to the gradient itself "
                  "(and a square loses its sign)."),
          Mistake("fixed-rate", lambda w, grad, rate: w - 0.1 * grad,
                  "that uses the rate 0.1 whatever `rate` is: use the argument."),
          Mistake("weights-for-gradient", lambda w, grad, rate: w - rate * w,
                  "the step is built from the weights: which argument says which way is "
                  "downhill?")],
      crash_hints=[("not iterable", "it must work for a single weight (a number) too: a loop "
                    "over the entries fails there, numpy's arithmetic works on numbers and arrays "
                    "alike."),
                   ("has no len()", "it must work for a single weight (a number) too: a loop "
                    "over the entries fails there, numpy's arithmetic works on numbers and arrays "
                    "alike.")],
      success="w − rate·grad for an array of weights, a single weight and a matrix; e.g. "
      "[0.48, −0.34] from w = [0.5, −0.3], grad = [0.2, 0.4], rate = 0.1.")
def check_gradient_descent_step(gradient_descent_step):
    """`gradient_descent_step(w, grad, rate)`: w after one step of gradient descent."""


def _layers(sizes):
    return list(zip(sizes[:-1], sizes[1:], strict=True))


@check("02_training_and_gradient_descent", "counting parameters",
       solution=lambda sizes: sum(a * b + b for a, b in _layers(sizes)),
       configurations=[dict(label="sizes = [2, 2, 1]", sizes=[2, 2, 1]),
                       dict(label="sizes = [2, 3, 3, 1]", sizes=[2, 3, 3, 1]),
                       dict(label="sizes = (784, 256, 10), a tuple", sizes=(784, 256, 10)),
                       dict(label="sizes = [5, 1]", sizes=[5, 1])],
       make=lambda c: (type(c["sizes"])(c["sizes"]),),
       returns=("count_parameters(sizes)",), shows_expected=False,
       formulas={"count_parameters(sizes)": "Σ (a·b + b) over the layers",
                 "in code": "zip(sizes[:-1], sizes[1:])"},
       mistakes=[
           Mistake("weights-only", lambda sizes: sum(a * b for a, b in _layers(sizes)),
                   "you counted the weights only; every neuron after the input layer also has a "
                   "bias, a coordinate too."),
           Mistake("biases-only", lambda sizes: sum(b for a, b in _layers(sizes)),
                   "you counted the biases only; add one weight per connection."),
           Mistake("neurons", lambda sizes: sum(sizes),
                   "that counts neurons, not parameters: what does each connection carry, and "
                   "each neuron after the input layer?"),
           Mistake("input-biases", lambda sizes: sum(a * b for a, b in _layers(sizes)) + sum(sizes),
                   "the input layer has no biases: it only holds the data."),
           Mistake("biases-of-inputs", lambda sizes: sum(a * b + a for a, b in _layers(sizes)),
                   "the biases are counted on each layer's input side: which neurons have a "
                   "bias, those a layer reads or those it computes?"),
           Mistake("last-layer-missing",
                   lambda sizes: sum(a * b + b for a, b in _layers(sizes)[:-1]),
                   "a layer is missing: the last layer's weights and biases are not "
                   "counted."),
           Mistake("first-layer-missing",
                   lambda sizes: sum(a * b + b for a, b in _layers(sizes)[1:]),
                   "a layer is missing: the first layer's weights and biases are not "
                   "counted."),
           Mistake("layers-unpaired",
                   lambda sizes: sum(a * b + b for a, b in zip(sizes, sizes, strict=True)),
                   "each size is paired with itself: a layer's weights connect it to the "
                   "*next* layer."),
           Mistake("product-of-all", lambda sizes: int(np.prod(sizes)) + sum(sizes[1:]),
                   "multiply the sizes of neighbouring layers only, not all of them.")],
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
       refuses=lambda: (reference.cost_gradient,), exact=True,
       solution=lambda w, b, X, T: _cost(w, b, X, T),
       configurations=[dict(label="the notebook's 4 samples, w = [0.5, −0.3], b = 0.1",
                            w=[0.5, -0.3], b=0.1, X=[[0, 1], [1, 1], [0, 0], [1, 0]],
                            T=[1, 0, 0, 1]),
                       _rows(1, 3, 2), _rows(2, 6, 3), _rows(3, 5, 1)],
       make=lambda c: (np.array(c["w"], dtype=float), c["b"], np.array(c["X"], dtype=float),
                       np.array(c["T"], dtype=float)),
       returns=("dE_dw", "dE_db"),
       formulas={"dE_dw": "the mean of dL/dw over the samples",
                 "dE_db": "the mean of dL/db over the samples", "in code": "mean(axis=0)"},
       mistakes=[
           Mistake("swapped", lambda w, b, X, T: _cost(w, b, X, T)[::-1],
                   "the two values are right but swapped: return dE_dw first, then dE_db."),
           Mistake("mean-of-everything", lambda w, b, X, T: (_per_sample(w, b, X, T)[0].mean(), 0),
                   "dE_dw is one number, the mean of all the entries: E has one derivative per "
                   "weight, so the average runs over the samples only."),
           Mistake("per-sample", lambda w, b, X, T: _per_sample(w, b, X, T),
                   "that is one gradient per sample: E is the average of the samples' losses, "
                   "so what is its gradient made of theirs?"),
           Mistake("sum", lambda w, b, X, T: tuple(g.sum(axis=0) for g in _per_sample(w, b, X, T)),
                   "that is the sum over the samples, len(X) times too large: the cost is an "
                   "average."),
           Mistake("divided-by-4",
                   lambda w, b, X, T: tuple(g.sum(axis=0) / 4 for g in _per_sample(w, b, X, T)),
                   "that divides by 4 whatever the number of samples is: right for the "
                   "notebook's batch only."),
           Mistake("first-sample", lambda w, b, X, T: tuple(g[0] for g in _per_sample(w, b, X, T)),
                   "that is the first sample's gradient only; average over all of them."),
           Mistake("last-sample", lambda w, b, X, T: tuple(g[-1] for g in _per_sample(w, b, X, T)),
                   "that is the last sample's gradient only; average over all of them."),
           Mistake("last-sample-averaged",
                   lambda w, b, X, T: tuple(g[-1] / len(X) for g in _per_sample(w, b, X, T)),
                   "only the last sample's gradient survives your loop: add every sample's "
                   "gradient up."),
           Mistake("last-sample-missing",
                   lambda w, b, X, T: tuple(g[:-1].mean(axis=0) for g in _per_sample(w, b, X, T)),
                   "the last sample is missing from the average: check your loop's range."),
           Mistake("wrong-sign",
                   lambda w, b, X, T: tuple(-g.mean(axis=0) for g in _per_sample(w, b, X, T)),
                   "wrong sign: average the gradients as they are.")],
       success=lambda got: f"dE/dw = {show(got['dE_dw'])}, dE/db = {show(got['dE_db'])} on the "
       "notebook's four samples: the average of the per-sample gradients, for any number of "
       "samples and weights.")
def check_cost_gradient(cost_gradient):
    """`cost_gradient(w, b, X, T)`: (dE/dw, dE/db), the derivatives of the cost E."""


# -- notebook 03: sigmoid least squares, brute force and bar notation -------------------------

#: The points tried, labelled with λ where the model has one (the regularised pass).
_POINTS = [dict(DEFAULTS, label="the lecture's values w = 0.5, x = 2, b = 0.1, t = 1, λ = 0.1"),
           dict(label="w = −1.3, x = 0.7, b = 0.4, t = 0, λ = 0.3", w=-1.3, x=0.7, b=0.4, t=0.0,
                lam=0.3),
           dict(label="w = 2, x = −1.5, b = −0.5, t = 1, λ = 1.5", w=2.0, x=-1.5, b=-0.5, t=1.0,
                lam=1.5)]
_PLAIN = [dict(point, label=str(point["label"]).rpartition(", λ")[0]) for point in _POINTS]


#: The brute-force derivatives as the chain's lines, for `but` (see `_runner`).
_CHAIN = dict(z=lambda v: v.w * v.x + v.b, y=lambda v: σ(v.z), outer=lambda v: v.y - v.t,
              slope=lambda v: v.y * (1 - v.y), dz=lambda v: v.outer * v.slope,
              dL_dw=lambda v: v.dz * v.x, dL_db=lambda v: v.dz)


def _brute(**wrong):
    """(dL_dw, dL_db) as a student with the `wrong` lines of _CHAIN writes them."""
    values = but(_CHAIN, **wrong)
    return (lambda w, x, b, t: values(w=w, x=x, b=b, t=t).dL_dw,
            lambda w, x, b, t: values(w=w, x=x, b=b, t=t).dL_db)


def _the_engines_bars() -> tuple:
    """What computes the bars for the student: the reference pass, the engine's backward pass,
    or its messages read off a graph one by one (the body of reference.backward_pass)."""
    return (reference.backward_pass_regularised, engine.backward, Node.backward, engine.message,
            engine.children_of, *the_messages())


def _dz(w, x, b, t):
    return (σ(w * x + b) - t) * _sp(w * x + b)


def _dz_x(w, x, b, t):
    return _dz(w, x, b, t) * x


@check("03_sigmoid_least_squares", "brute-force derivatives",
       refuses=_the_engines_bars,
       solution=(_dz_x, _dz),
       configurations=_PLAIN, make=lambda c: (c["w"], c["x"], c["b"], c["t"]),
       returns=("dL_dw", "dL_db"), rtol=1e-5,
       formulas={"dL_dw": "(σ(wx+b) − t)·σ'(wx+b)·x", "dL_db": "(σ(wx+b) − t)·σ'(wx+b)"},
       crash_hints=[("missing 1 required positional argument", "both functions take (w, x, b, "
                     "t): this model has no λ, it is not regularised.")],
       mistakes=[
           Mistake("sigma-for-sigma-prime", _brute(slope=lambda v: v.y),
                   "that uses σ itself where the chain rule needs the sigmoid's slope."),
           Mistake("slope-of-z", _brute(slope=lambda v: v.z * (1 - v.z)),
                   "the slope is written as a(1 − a) of the sigmoid's input wx + b: that form "
                   "of σ' takes the sigmoid's output."),
           Mistake("slope-at-x", _brute(slope=lambda v: _sp(v.x)),
                   "the sigmoid's slope is evaluated at the wrong point, at x: where does the "
                   "sigmoid read its input?"),
           Mistake("wrong-sign", _brute(outer=lambda v: v.t - v.y),
                   "the sign is flipped in the outer factor: when σ(wx+b) is above t, L grows "
                   "as σ(wx+b) grows."),
           Mistake("minus-t-missing", _brute(outer=lambda v: v.y),
                   "the outer factor has lost the target t: the square's inside is a "
                   "difference."),
           Mistake("w-factor-1", _brute(dL_dw=lambda v: v.dz),
                   "dL_dw equals dL_db: the innermost factor, ∂(wx + b)/∂w, is missing or "
                   "taken as 1."),
           Mistake("b-factor-x", _brute(dL_db=lambda v: v.dz * v.x),
                   "dL_db has an extra factor x: what is ∂(wx + b)/∂b?"),
           Mistake("factor-w", _brute(dL_dw=lambda v: v.dz * v.w, dL_db=lambda v: v.dz * v.w),
                   "the innermost factor is w: differentiate wx + b with respect to w, and "
                   "with respect to b, again."),
           Mistake("no-sigma-prime", _brute(slope=lambda v: 1.0),
                   "a factor of the chain rule is missing: the middle one, through the "
                   "sigmoid."),
           Mistake("factor-2", _brute(outer=lambda v: 2 * (v.y - v.t)),
                   "twice too large: the ½ of the loss cancels a 2."),
           Mistake("loss-itself", _brute(dL_dw=lambda v: 0.5 * v.outer ** 2,
                                         dL_db=lambda v: 0.5 * v.outer ** 2),
                   "that is the loss L itself; return its derivative.")],
       exact=True,
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


#: The slide's backward pass, one line per value in the order computed, for `but`.
_SLIDE = dict(z=lambda v: v.w * v.x + v.b, y=lambda v: σ(v.z), L_reg_bar=lambda v: 1.0,
              R_bar=lambda v: v.L_reg_bar * v.lam, L_bar=lambda v: v.L_reg_bar,
              y_bar=lambda v: v.L_bar * (v.y - v.t), z_bar=lambda v: v.y_bar * v.y * (1 - v.y),
              w_bar=lambda v: v.z_bar * v.x + v.R_bar * v.w, b_bar=lambda v: v.z_bar)


def _bar_pass(**wrong):
    """The backward pass of a student with the `wrong` lines of _SLIDE: the four bars of
    (w, x, b, t), or, given lam, all seven."""
    values = but(_SLIDE, **wrong)

    def backward(w, x, b, t, lam=None):
        v = vars(values(w=w, x=x, b=b, t=t, lam=lam or 0.0))
        return tuple(v[name] for name in _BARS[(0 if lam is not None else 3):])
    return backward


#: Mistakes of the bars that both backward passes compute.
_BAR_MISTAKES = [
    Mistake("y_bar-wrong-sign", _bar_pass(y_bar=lambda v: v.L_bar * (v.t - v.y)),
            "the sign is flipped: when y is above t, L grows as y grows."),
    Mistake("y_bar-loss-itself", _bar_pass(y_bar=lambda v: v.L_bar * 0.5 * (v.y - v.t) ** 2),
            "that is the loss L itself; y_bar is how fast L changes with y."),
    Mistake("y_bar-factor-2", _bar_pass(y_bar=lambda v: v.L_bar * 2 * (v.y - v.t)),
            "twice too large: the ½ of the loss cancels a 2."),
    Mistake("sigma-for-sigma-prime", _bar_pass(z_bar=lambda v: v.y_bar * v.y),
            "that multiplies y_bar by σ(z), y's value, where the chain rule needs y's local "
            "derivative with respect to z."),
    Mistake("sigma-prime-at-y", _bar_pass(z_bar=lambda v: v.y_bar * _sp(v.y)),
            "σ' is evaluated at the wrong point: at y, which is already σ(z)."),
    Mistake("forgot-sigma-prime", _bar_pass(z_bar=lambda v: v.y_bar),
            "z_bar equals y_bar: a factor of the chain rule is missing. Which local "
            "derivative does y pass back to z?"),
    Mistake("z-one-minus-z", _bar_pass(z_bar=lambda v: v.y_bar * v.z * (1 - v.z)),
            "z(1 − z) is not σ'(z): the sigmoid's slope written as s(1 − s) takes its output "
            "s, not its input."),
    Mistake("no-incoming-message", _bar_pass(z_bar=lambda v: _sp(v.z)),
            "that is the local derivative alone: the incoming message, y_bar, is missing."),
    Mistake("dz-dw-is-w", _bar_pass(w_bar=lambda v: v.z_bar * v.w + v.R_bar * v.w),
            "z's message to w uses w where the local derivative ∂z/∂w belongs: differentiate "
            "z = wx + b by w."),
    Mistake("no-dz-dw", _bar_pass(w_bar=lambda v: v.z_bar + v.R_bar * v.w),
            "z's message to w is z_bar alone: the local derivative ∂z/∂w is missing."),
    Mistake("w-from-y_bar", _bar_pass(w_bar=lambda v: v.y_bar * v.x + v.R_bar * v.w),
            "w's message starts from the wrong bar, y_bar: which node is w's child?"),
    Mistake("b_bar-times-x", _bar_pass(b_bar=lambda v: v.z_bar * v.x),
            "b_bar has an extra factor x: what is ∂z/∂b for z = wx + b?"),
]

#: Mistakes of the regularised pass alone: with λ = 0 (no R) they equal the solution, or
#: another row, or speak of an R and a λ the plain pass does not have.
_REGULARISED_MISTAKES = [
    Mistake("messages-multiplied", _bar_pass(w_bar=lambda v: v.z_bar * v.x * v.R_bar * v.w),
            "the slide's missing plus: w has two children, z and R, and you multiplied their "
            "messages. How does a node combine the messages of its children?"),
    Mistake("no-R-message", _bar_pass(w_bar=lambda v: v.z_bar * v.x),
            "a message is missing: w has two children, z and R, and w_bar holds z's "
            "message only."),
    Mistake("no-z-message", _bar_pass(w_bar=lambda v: v.R_bar * v.w),
            "a message is missing: w has two children, z and R, and w_bar holds R's "
            "message only."),
    Mistake("R-message-w-alone", _bar_pass(w_bar=lambda v: v.z_bar * v.x + v.w),
            "R's message is its local derivative alone: a message starts from the child's "
            "bar, R_bar."),
    Mistake("R-message-R-value",
            _bar_pass(w_bar=lambda v: v.z_bar * v.x + v.R_bar * 0.5 * v.w ** 2),
            "R's message uses the value of R where its local derivative dR/dw belongs."),
    Mistake("R-message-no-dR-dw", _bar_pass(w_bar=lambda v: v.z_bar * v.x + v.R_bar),
            "R's message is R_bar alone: its local derivative dR/dw is missing."),
    Mistake("R-message-subtracted", _bar_pass(w_bar=lambda v: v.z_bar * v.x - v.R_bar * v.w),
            "R's message enters with the wrong sign: the messages of w's children are "
            "added."),
    Mistake("lambda-twice", _bar_pass(w_bar=lambda v: v.z_bar * v.x + v.R_bar * v.w * v.lam),
            "λ is counted twice: it is in R_bar already."),
    Mistake("b-regularised", _bar_pass(b_bar=lambda v: v.z_bar + v.R_bar * v.b),
            "b_bar has a message from R, but R = ½w² does not depend on b: which children "
            "does b have?"),
    Mistake("seed-zero", _bar_pass(L_reg_bar=lambda v: 0.0),
            "the seed is 0, so every bar after it is 0 too: what is dL_reg/dL_reg?"),
    Mistake("R_bar-one", _bar_pass(R_bar=lambda v: 1.0),
            "R_bar is 1, but R enters L_reg multiplied by a hyperparameter: how much does "
            "L_reg change when R grows by 1?"),
    Mistake("R_bar-times-R", _bar_pass(R_bar=lambda v: v.lam * 0.5 * v.w ** 2),
            "R_bar has the value of R in it: the local derivative dL_reg/dR does not depend "
            "on R."),
    Mistake("R_bar-divided-by-lambda", _bar_pass(R_bar=lambda v: 1 / v.lam),
            "R_bar divides by λ: how much does L_reg change when R grows by 1?"),
    Mistake("L_bar-lambda", _bar_pass(L_bar=lambda v: v.lam),
            "L_bar has λ in it, but λ multiplies R, not L: how much does L_reg change when "
            "L grows by 1?"),
    Mistake("lambda-written-in", lambda w, x, b, t, lam: _bar_pass()(w, x, b, t, 0.1),
            "that is the pass at λ = 0.1, the lecture's value, whatever `lam` is: use the "
            "argument."),
]


def _reordered(names) -> Mistake:
    def backward(*args):
        bars = dict(zip(names, _bar_pass()(*args), strict=True))
        return tuple(bars[n] for n in reversed(names))
    return Mistake("reordered", backward,
                   "the values are right but in another order: return "
                   f"them as {', '.join(names)}.")


@check("03_sigmoid_least_squares", "the backward pass in bar notation",
       refuses=_the_engines_bars,
       solution=lambda w, x, b, t: _engine_bars(w, x, b, t)[3:],
       configurations=_PLAIN, make=lambda c: (c["w"], c["x"], c["b"], c["t"]),
       returns=_BARS[3:],
       formulas=dict(y_bar="y − t", z_bar="y_bar·σ'(z)", w_bar="z_bar·x", b_bar="z_bar",
                     code="y_bar * y * (1 - y)"),
       mistakes=[*_BAR_MISTAKES, _reordered(_BARS[3:])],
       exact=True,
       success=lambda got: "all four bars match the reference engine at three points: "
       + ", ".join(f"{name} = {number(got[name])}" for name in _BARS[3:])
       + " at the lecture's values.")
def check_bar_notation(backward_pass):
    """`backward_pass(w, x, b, t)` -> (y_bar, z_bar, w_bar, b_bar), against the engine."""


@check("03_sigmoid_least_squares", "the regularised backward pass",
       refuses=_the_engines_bars,
       solution=_engine_bars, configurations=_POINTS,
       make=lambda c: (c["w"], c["x"], c["b"], c["t"], c["lam"]), returns=_BARS,
       formulas=dict(R_bar="L_reg_bar·λ", L_bar="L_reg_bar·1", y_bar="L_bar·(y − t)",
                     z_bar="y_bar·σ'(z)", w_bar="z_bar·x + R_bar·w", b_bar="z_bar",
                     code="z_bar * x + R_bar * w"),
       mistakes=[*_BAR_MISTAKES, *_REGULARISED_MISTAKES, _reordered(_BARS)],
       exact=True,
       success=lambda got: "all seven bars match the reference engine at three points; "
       f"w_bar = z_bar·x + R_bar·w = {number(got['w_bar'])}, the sum of the messages from both "
       "children.")
def check_bar_notation_regularised(backward_pass_regularised):
    """`backward_pass_regularised(w, x, b, t, lam)` -> (L_reg_bar, R_bar, L_bar, y_bar, z_bar,
    w_bar, b_bar), against the engine, line by line in the slide's order."""

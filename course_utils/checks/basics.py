"""Checks of notebooks 01-03: the chain rule, gradient descent, sigmoid least squares.

Every check computes the right answer itself (closed forms, finite differences, or the
reference engine), compares the student's answer step by step, and names the first wrong step.
A wrong value that matches a typical mistake (σ instead of σ', a wrong sign, a missing message)
gets a hint about that mistake.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..engine import Node, sigmoid
from ..gradcheck import numerical_gradient
from ..lecture import DEFAULTS, half_squared_error, linear, regularised_example
from ._runner import check as rule
from ._verdict import call_student, check, compare, correct, fmt, stop, wrong

__all__ = [
    "check_numerical_derivative", "check_chain_rule", "check_multivariate_chain_rule",
    "check_gradient_descent_step", "check_parameter_count", "check_cost_gradient",
    "check_brute_force_gradients", "check_bar_notation", "check_bar_notation_regularised",
]


# -- helpers ----------------------------------------------------------------------------------

def _sigma(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _sigma_prime(z):
    s = _sigma(z)
    return s * (1 - s)


def _same(a, b) -> bool:
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-10))


def _spec(name, expected, got, formula, mistakes=(), hint="", rtol=1e-6):
    """One line of a check: the student's value, the expected one, and the typical mistakes,
    each a (value the mistake produces, hint for it) pair."""
    return dict(name=name, expected=expected, got=got, formula=formula, mistakes=list(mistakes),
                hint=hint, rtol=rtol)


def _first_wrong(points):
    """Stop the check at the first wrong line: the lines in order, each at every point in turn.

    `points` holds one list of lines per input point, with the same lines and the same mistakes
    in the same order. A mistake's hint is given only if that mistake explains the student's
    value at every point: at one point alone a mistake can match by coincidence (at the
    lecture's values x·w = 1, so "times x·w" looks like "times nothing").
    """
    for i in range(len(points[0])):
        for lines in points:
            line = lines[i]
            if isinstance(line["got"], (str, bytes)):
                stop(wrong(f"{line['name']} should be a number, got the text {line['got']!r}."))
            hint = line["hint"]
            for j, (value, specific) in enumerate(line["mistakes"]):
                if not _same(line["expected"], value) and all(
                        _same(other[i]["got"], other[i]["mistakes"][j][0]) for other in points):
                    hint = specific
                    break
            message = compare(line["name"], line["expected"], line["got"], line["formula"], hint,
                              rtol=line["rtol"])
            if message is not None:
                stop(wrong(message))


def _line(name, expected, got, formula, mistakes=(), hint="", rtol=1e-6):
    """Stop the check if `got` is not `expected` (a check with a single point)."""
    _first_wrong([[_spec(name, expected, got, formula, mistakes, hint, rtol)]])


def _unpack(result, names, function_name):
    """The student's returned tuple as a dict by name, or a verdict on what came back."""
    shown = ", ".join(names)
    if result is None:
        stop(wrong(f"`{function_name}` returned None: end it with `return {shown}`."))
    if len(names) == 1:
        return {names[0]: result}
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        count = len(result) if isinstance(result, (tuple, list)) else \
            f"one {type(result).__name__}"
        stop(wrong(f"`{function_name}` should return {len(names)} values ({shown}), in this "
                   f"order; got {count}{'' if isinstance(count, str) else ' values'}."))
    return dict(zip(names, result))


# -- notebook 01: derivatives and the chain rule ----------------------------------------------

def _cube(x):
    return x ** 3


@rule("01_chain_rule", "numerical derivative",
      solution=lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h),
      configurations=[dict(label="f(x) = x³ at x = 1, h = 0.1", f=_cube, x=1.0, h=0.1),
                      dict(label="f(x) = x³ at x = 1, h = 0.01", f=_cube, x=1.0, h=0.01),
                      dict(label="f(x) = sin x at x = 2.2, h = 0.001", f=np.sin, x=2.2,
                           h=0.001),
                      dict(label="f(x) = eˣ at x = 2.5, h = 0.05", f=np.exp, x=2.5, h=0.05)],
      make=lambda c: (c["f"], c["x"], c["h"]),
      returns=("numerical_derivative(f, x, h)",),
      formulas={"numerical_derivative(f, x, h)": "(f(x+h) − f(x−h)) / 2h"},
      mistakes=[
          (lambda f, x, h: (f(x + h) - f(x)) / h, "that is the forward difference "
           "(f(x+h) − f(x))/h; use the central one, which is accurate to order h² instead of h."),
          (lambda f, x, h: (f(x) - f(x - h)) / h, "that is the backward difference "
           "(f(x) − f(x−h))/h; use the central one, (f(x+h) − f(x−h)) / 2h."),
          (lambda f, x, h: (f(x + h) - f(x - h)) / h, "the two points x − h and x + h are 2h "
           "apart: divide by 2h, not h."),
          (lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, "operator precedence: `/ 2 * h` "
           "divides by 2 and then multiplies by h; write `/ (2 * h)`."),
          (lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h), "wrong sign: subtract f(x − h) from "
           "f(x + h), not the other way."),
          (lambda f, x, h: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "that is the exact derivative, "
           "as if the step were tiny: use the step `h` you are given."),
          (lambda f, x, h: (f(1 + h) - f(1 - h)) / (2 * h), "that differentiates at x = 1 "
           "whatever `x` is: use the argument `x`."),
          (lambda f, x, h: abs(f(x + h) - f(x - h)) / (2 * h), "a derivative can be negative: "
           "no abs()."),
          (lambda f, x, h: ((x + h) ** 3 - (x - h) ** 3) / (2 * h), "that differentiates x³ "
           "whatever f is: call the function `f` you are given.")],
      success=lambda got: "central differences agree on x³, sin and exp at four points and "
      f"steps; for x³ at x = 1 with h = 0.1: {fmt(got['numerical_derivative(f, x, h)'])} "
      "(exact: 3).")
def check_numerical_derivative(numerical_derivative):
    """`numerical_derivative(f, x, h)`: the central difference (f(x+h) − f(x−h)) / 2h."""


def _outer_at_x(x):
    return np.cos(x) * 2 * x


@rule("01_chain_rule", "the chain rule",
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
      success=f"dz/dx = cos(x²)·2x at four points, e.g. {fmt(np.cos(0.64) * 1.6)} at x = 0.8.")
def check_chain_rule(dz_dx):
    """`dz_dx(x)` for z = f(g(x)) with y = g(x) = x², z = f(y) = sin(y): f'(g(x))·g'(x)."""


def _paths(t):
    """The contributions of the paths through x and through y to df/dt."""
    x, y = np.cos(t), 2 * np.sin(t)
    return 2 * x * -np.sin(t), 2 * y * 2 * np.cos(t)


@rule("01_chain_rule", "the multivariate chain rule",
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


# -- notebook 02: training and gradient descent -----------------------------------------------

@rule("02_training_and_gradient_descent", "a gradient-descent step",
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


@check
def check_parameter_count(count_parameters):
    """`count_parameters(sizes)`: weights and biases of a fully connected net, all layers."""
    points = []
    for sizes in ([2, 2, 1], [2, 3, 3, 1]):
        got = call_student(count_parameters, list(sizes))
        pairs = list(zip(sizes[:-1], sizes[1:]))
        weights = sum(a * b for a, b in pairs)
        biases = sum(sizes[1:])
        points.append([_spec(
            f"count_parameters({sizes})", weights + biases, got,
            "Σ (inputs·outputs + outputs) over the layers",
            [(weights, "you counted the weights only; every neuron after the input layer "
              "also has a bias, and each bias is a coordinate too."),
             (biases, "you counted the biases only; add one weight per connection."),
             (sum(sizes), "that counts neurons; count the parameters: a weight per "
              "connection and a bias per neuron."),
             (weights + sum(sizes), "the input layer has no biases: it only holds the data."),
             (sum(a * b + a for a, b in pairs), "the biases belong to a layer's outputs: b "
              "biases for a layer from a inputs to b outputs, not a."),
             (sum(a * b + b for a, b in pairs[:-1]), "a layer is missing: the last layer "
              "(into the output) has parameters too; loop over all len(sizes) − 1 layers."),
             (sum(a * b + b for a, b in pairs[1:]), "a layer is missing: the first layer "
              "(from the inputs) has parameters too; loop over all len(sizes) − 1 layers.")],
            hint="a layer from a inputs to b outputs has a·b weights and b biases.")])
    _first_wrong(points)
    return correct("a 2-2-1 network has 6 weights and 3 biases: gradient descent moves a point "
                   "in 9 dimensions.")


def _sample_gradient(w, b, x, t):
    z = w @ x + b
    y = _sigma(z)
    z_bar = (y - t) * _sigma_prime(z)
    return z_bar * x, z_bar


@check
def check_cost_gradient(cost_gradient):
    """`cost_gradient(w, b, X, T)`: the average of the per-sample loss gradients (dE/dw, dE/db)."""
    X = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    T = np.array([1.0, 0.0, 0.0, 1.0])
    w, b = np.array([0.5, -0.3]), 0.1
    result = _unpack(call_student(cost_gradient, w.copy(), b, X.copy(), T.copy()),
                     ["dE_dw", "dE_db"], getattr(cost_gradient, "__name__", "cost_gradient"))
    per_sample = [_sample_gradient(w, b, x, t) for x, t in zip(X, T)]
    dw = np.array([g[0] for g in per_sample])
    db = np.array([g[1] for g in per_sample])
    if _same(result["dE_dw"], db.mean()) and _same(result["dE_db"], dw.mean(axis=0)):
        stop(wrong("the two values are right but swapped: return dE_dw first, then dE_db."))
    if _same(result["dE_dw"], dw.mean()):
        stop(wrong(f"dE_dw is one number, {fmt(dw.mean())}: the mean of all 8 numbers. "
                   f"Average over the samples only (axis=0) to get one value per weight, "
                   f"{fmt(dw.mean(axis=0))}."))
    n = len(X)
    for name, each, formula in (("dE_dw", dw, "mean of dL/dw over the 4 samples"),
                                ("dE_db", db, "mean of dL/db over the 4 samples")):
        got = result[name]
        if name == "dE_dw" and np.shape(got) == each.shape:
            stop(wrong(f"dE_dw has shape {np.shape(got)}: that is one gradient per sample. "
                       f"Average them over the samples (axis 0) to get one gradient of shape "
                       f"{each.shape[1:]}."))
        _line(name, each.mean(axis=0), got, formula,
              [(each.sum(axis=0), "that is the sum over the samples; the cost is the average, "
                "so divide by the number of samples."),
               (each[0], "that is the gradient of the first sample only; average over all "
                "four."),
               (each[-1], "that is the gradient of the last sample only; average over all "
                "four."),
               (each[-1] / n, "only the last sample's gradient survives your loop: keep every "
                "sample's gradient (or add them up), then average."),
               (each[:-1].mean(axis=0), "the last sample is missing: average over all four "
                "samples (range(len(X)), not range(len(X) − 1))."),
               (-each.mean(axis=0), "wrong sign: average the gradients as they are.")],
              hint="call sample_gradient for every (x, t) and average the results.")
    return correct(f"dE/dw = {fmt(dw.mean(axis=0))}, dE/db = {fmt(db.mean())}: the average of "
                   "the four per-sample gradients.")


# -- notebook 03: sigmoid least squares, brute force and bar notation -------------------------

_POINTS = (dict(DEFAULTS), dict(w=-1.3, x=0.7, b=0.4, t=0.0, lam=0.3))


def _point_text(p, with_lam=False):
    text = f"w={p['w']}, x={p['x']}, b={p['b']}, t={p['t']}"
    return text + (f", lam={p['lam']}" if with_lam else "")


@check
def check_brute_force_gradients(dL_dw, dL_db):
    """`dL_dw(w, x, b, t)` and `dL_db(w, x, b, t)` for L = ½(σ(wx+b) − t)², against finite
    differences of L."""
    def loss(w, x, b, t):
        return 0.5 * (_sigma(w * x + b) - t) ** 2

    points = []
    for p in _POINTS:
        w, x, b, t = p["w"], p["x"], p["b"], p["t"]
        z = w * x + b
        e, s, sp = _sigma(z) - t, _sigma(z), _sigma_prime(z)
        numeric_w = numerical_gradient(lambda v: loss(v, x, b, t), np.array(w))
        numeric_b = numerical_gradient(lambda v: loss(w, x, v, t), np.array(b))
        lines = []
        for name, student, numeric, local in (("dL_dw", dL_dw, numeric_w, x),
                                              ("dL_db", dL_db, numeric_b, 1.0)):
            got = call_student(student, w, x, b, t)
            other = "x" if name == "dL_db" else "1"
            lines.append(_spec(
                f"{name}({_point_text(p)})", numeric, got, "the finite-difference slope of L",
                [(e * s * local, "that uses σ where the chain rule needs σ' = σ(1 − σ)."),
                 (e * z * (1 - z) * local, "σ'(a) = σ(a)(1 − σ(a)): apply σ inside, "
                  "not (wx+b)(1 − (wx+b))."),
                 (e * _sigma_prime(x) * local, "evaluate σ' at wx + b, not at x."),
                 (-e * sp * local, "wrong sign: the derivative of ½(y − t)² is (y − t), "
                  "not (t − y)."),
                 (s * sp * local, "the − t is missing: the outer derivative of "
                  "½(σ(wx+b) − t)² is σ(wx+b) − t."),
                 (e * sp * (x if name == "dL_db" else 1.0),
                  f"the innermost factor: ∂(wx + b)/∂{name[-1]} is "
                  f"{'x' if name == 'dL_dw' else '1'}, not {other}."),
                 (e * sp * w,
                  f"the innermost factor: ∂(wx + b)/∂{name[-1]} is "
                  f"{'x' if name == 'dL_dw' else '1'}, not w."),
                 (e * local, "the factor σ'(wx + b) from the middle of the chain is "
                  "missing."),
                 (2 * e * sp * local, "the ½ cancels the 2 of the square: no factor 2."),
                 (0.5 * e ** 2, "that is the loss L itself; return its derivative.")],
                hint="(σ(wx+b) − t)·σ'(wx+b)·∂(wx+b)/∂" + name[-1] + ".", rtol=1e-5))
        points.append(lines)
    _first_wrong(points)
    return correct("both derivatives agree with finite differences of L to 5 or more digits, "
                   "at two different points.")


def _reference_bars(p, regularised):
    """The reference engine's bars at the point p."""
    if regularised:
        g = regularised_example(**p)
        g.L_reg.backward()
        return {"L_reg_bar": g.L_reg.bar, "R_bar": g.R.bar, "L_bar": g.L.bar,
                "y_bar": g.y.bar, "z_bar": g.z.bar, "w_bar": g.w.bar, "b_bar": g.b.bar}, g
    w, x, b, t = (Node(p[k], name=k) for k in "wxbt")
    z = linear(w, x, b, name="z")
    y = sigmoid(z, name="y")
    L = half_squared_error(y, t, name="L")
    L.backward()
    return {"y_bar": y.bar, "z_bar": z.bar, "w_bar": w.bar, "b_bar": b.bar}, \
        SimpleNamespace(w=w, x=x, b=b, t=t, z=z, y=y, L=L)


def _check_order(got, ref, names):
    """Stop with a hint when the right values come back in another order."""
    try:
        got_values = [float(np.asarray(got[n], dtype=float)) for n in names]
    except (TypeError, ValueError):
        return
    expected = [float(ref[n]) for n in names]
    if not np.allclose(got_values, expected, rtol=1e-6, atol=1e-10) and \
            np.allclose(sorted(got_values), sorted(expected), rtol=1e-6, atol=1e-10):
        stop(wrong(f"the values are right but in another order: return them as "
                   f"{', '.join(names)} (the order of the backward pass)."))


def _bar_names(regularised):
    return (["L_reg_bar", "R_bar", "L_bar"] if regularised else []) + \
        ["y_bar", "z_bar", "w_bar", "b_bar"]


def _check_bars(student, regularised):
    """Compare the student's bars with the engine's, line by line in the slide's order, each
    line at both points; return the engine's bars at the lecture's values."""
    names = _bar_names(regularised)
    fname = getattr(student, "__name__", "your function")
    points, refs = [], []
    for p in _POINTS:
        args = [p[k] for k in "wxbt"] + ([p["lam"]] if regularised else [])
        got = _unpack(call_student(student, *args), names, fname)
        ref, g = _reference_bars(p, regularised)
        if not refs:
            _check_order(got, ref, names)
        points.append(_bar_lines(got, ref, g, p, regularised))
        refs.append(ref)
    _first_wrong(points)
    return refs[0]


def _bar_lines(got, ref, g, p, regularised):
    """The lines of the backward pass at the point p, with their typical mistakes."""
    lines = []
    w, x, b, t, lam = p["w"], p["x"], p["b"], p["t"], p["lam"]
    z, y = float(g.z.value), float(g.y.value)
    L_bar = float(ref["L_bar"]) if regularised else 1.0
    R_bar = float(ref["R_bar"]) if regularised else 0.0
    y_bar, z_bar = float(ref["y_bar"]), float(ref["z_bar"])
    where = f" (at {_point_text(p, regularised)})"
    if regularised:
        lines.append(_spec("L_reg_bar" + where, ref["L_reg_bar"], got["L_reg_bar"], "",
              [(0.0, "the seed: the output's bar is dL_reg/dL_reg = 1."),
               (float(g.L_reg.value), "that is the value of L_reg; its bar is dL_reg/dL_reg = 1.")],
              hint="step 3 of the algorithm: the output's bar is 1."))
        lines.append(_spec("R_bar" + where, ref["R_bar"], got["R_bar"], "L_reg_bar·λ",
              [(1.0, "R enters L_reg as λR, so dL_reg/dR = λ: R_bar = L_reg_bar·λ."),
               (lam * 0.5 * w ** 2, "the local derivative dL_reg/dR is λ; do not multiply by "
                "the value of R."),
               (1.0 / lam, "L_reg = L + λR, so dL_reg/dR = λ: multiply by λ, do not "
                "divide."),
               (0.0, "R is a child of L_reg: it receives the message L_reg_bar·λ.")],
              hint="R_bar = L_reg_bar · dL_reg/dR."))
        lines.append(_spec("L_bar" + where, ref["L_bar"], got["L_bar"], "L_reg_bar·1",
              [(lam, "λ multiplies R, not L: dL_reg/dL = 1."),
               (0.0, "L is a child of L_reg: it receives the message L_reg_bar·1.")],
              hint="L_bar = L_reg_bar · dL_reg/dL = L_reg_bar."))
    lines.append(_spec("y_bar" + where, ref["y_bar"], got["y_bar"],
          "L_bar·(y − t)" if regularised else "y − t",
          [(-(y - t) * L_bar, "wrong sign: the derivative of ½(y − t)² with respect to y is "
            "(y − t), not (t − y)."),
           (0.5 * (y - t) ** 2 * L_bar, "that is the loss L itself; y_bar is its derivative, "
            "y − t."),
           (2 * (y - t) * L_bar, "the ½ cancels the 2 of the square: no factor 2.")],
          hint="dL/dy for L = ½(y − t)²."))
    lines.append(_spec("z_bar" + where, ref["z_bar"], got["z_bar"], "y_bar·σ'(z)",
          [(y_bar * y, "that uses σ(z) where the chain rule needs σ'(z) = σ(z)(1 − σ(z))."),
           (y_bar * _sigma(y) * (1 - _sigma(y)), "evaluate σ' at z, not at y."),
           (y_bar, "the local derivative dy/dz = σ'(z) is missing."),
           (y_bar * z * (1 - z), "σ'(z) = σ(z)(1 − σ(z)) = y(1 − y), not z(1 − z)."),
           (_sigma_prime(z), "multiply σ'(z) by the incoming message y_bar.")],
          hint="z_bar = y_bar · dy/dz with dy/dz = σ(z)(1 − σ(z))."))
    w_mistakes = [(z_bar * w + R_bar * w if regularised else z_bar * w,
                   "the local derivative ∂z/∂w of z = wx + b is x, not w."),
                  (z_bar, "the local derivative ∂z/∂w = x is missing."),
                  (y_bar * x + R_bar * w if regularised else y_bar * x,
                   "w's child is z, so its message starts from z_bar, not y_bar: z_bar·x.")]
    if regularised:
        w_mistakes = [
            (z_bar * x * R_bar * w, "the slide's missing plus: w has two children, z and R, and "
             "their messages are ADDED: w_bar = z_bar·x + R_bar·w, not multiplied."),
            (z_bar * x, "a message is missing: w has two children, z and R. Add R's message "
             "R_bar·w."),
            (R_bar * w, "a message is missing: w has two children, z and R. Add z's message "
             "z_bar·x."),
            (z_bar * x + w, "R's message is R_bar·dR/dw = R_bar·w (R_bar = λ), not w alone."),
            (z_bar * x + lam * 0.5 * w ** 2, "dR/dw for R = ½w² is w, so R's message is "
             "R_bar·w."),
            (z_bar * x + 0.5 * w ** 2, "R's message is R_bar·dR/dw = R_bar·w, not the value "
             "of R."),
            (z_bar * x + R_bar, "the local derivative dR/dw = w is missing: R's message is "
             "R_bar·w."),
            (z_bar * x - R_bar * w, "wrong sign: the two messages are added, "
             "w_bar = z_bar·x + R_bar·w."),
            (z_bar * x + R_bar * w * lam, "λ is already in R_bar = L_reg_bar·λ: do not multiply "
             "by λ again."),
        ] + w_mistakes
    lines.append(_spec("w_bar" + where, ref["w_bar"], got["w_bar"],
          "z_bar·x + R_bar·w" if regularised else "z_bar·x", w_mistakes,
          hint="sum the messages from all children of w."))
    lines.append(_spec("b_bar" + where, ref["b_bar"], got["b_bar"], "z_bar",
          [(z_bar * x, "∂z/∂b = 1 for z = wx + b: b_bar = z_bar, without x."),
           (z_bar + R_bar * b, "b is not regularised: R = ½w² does not depend on b, so b has "
            "one child, z."),
           (0.0, "b is a parent of z: it receives z's message z_bar·1.")],
          hint="b_bar = z_bar · ∂z/∂b."))
    return lines


@check
def check_bar_notation(backward_pass):
    """`backward_pass(w, x, b, t)` -> (y_bar, z_bar, w_bar, b_bar), against the engine."""
    first = _check_bars(backward_pass, regularised=False)
    return correct(f"all four bars match the reference engine: y_bar = {fmt(first['y_bar'])}, "
                   f"z_bar = {fmt(first['z_bar'])}, w_bar = {fmt(first['w_bar'])}, "
                   f"b_bar = {fmt(first['b_bar'])}.")


@check
def check_bar_notation_regularised(backward_pass_regularised):
    """`backward_pass_regularised(w, x, b, t, lam)` -> (L_reg_bar, R_bar, L_bar, y_bar, z_bar,
    w_bar, b_bar), against the engine, line by line in the slide's order."""
    first = _check_bars(backward_pass_regularised, regularised=True)
    return correct(f"all seven bars match the reference engine; w_bar = z_bar·x + R_bar·w = "
                   f"{fmt(first['w_bar'])}, the sum of the messages from both children.")

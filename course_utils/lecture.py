"""The lecture's worked example, node for node as on the slides.

Univariate logistic least squares with L2 regularisation (slide 13):

    z = wx + b,  y = σ(z),  L = ½(y − t)²,  R = ½w²,  L_reg = L + λR

Each line is one node, as in the lecture's picture of the graph. The operations that the
engine does not have (z = wx + b in one step, ½(y − t)², ½w², L + λR) are added here the same
way the engine defines its own: a forward function and one local derivative per argument.
That is the lecture's point about modularity: a new node only needs its own derivatives.
"""
from __future__ import annotations

from types import SimpleNamespace

from .engine import Node, Operation, sigmoid

linear = Operation("linear", lambda w, x, b: w * x + b,
                   (lambda bar, out, w, x, b: bar * x,
                    lambda bar, out, w, x, b: bar * w,
                    lambda bar, out, w, x, b: bar),
                   "{0}·{1} + {2}", ("{1}", "{0}", "1"))

half_squared_error = Operation("half_squared_error", lambda y, t: 0.5 * (y - t) ** 2,
                               (lambda bar, out, y, t: bar * (y - t),
                                lambda bar, out, y, t: -bar * (y - t)),
                               "½({0} − {1})²", ("({0} − {1})", "−({0} − {1})"))

half_square = Operation("half_square", lambda w: 0.5 * w ** 2,
                        (lambda bar, out, w: bar * w,),
                        "½{0}²", ("{0}",))

regularised = Operation("regularised", lambda L, R, lam: L + lam * R,
                        (lambda bar, out, L, R, lam: bar,
                         lambda bar, out, L, R, lam: bar * lam,
                         None),
                        "{0} + {2}·{1}", ("1", "{2}"), symbols=(None, None, "λ"))

#: The values used throughout the series: z = 0.5·2.0 + 0.1 = 1.1.
DEFAULTS = dict(w=0.5, x=2.0, b=0.1, t=1.0, lam=0.1)


def regularised_example(w=DEFAULTS["w"], x=DEFAULTS["x"], b=DEFAULTS["b"], t=DEFAULTS["t"],
                        lam=DEFAULTS["lam"]) -> SimpleNamespace:
    """Build slide 13's graph; returns its nodes by name (w, x, b, t, z, y, L, R, L_reg) and lam.

    λ is a hyperparameter, not a variable of the graph, so it is a constant (no bar).
    """
    w, x, b, t = Node(w, name="w"), Node(x, name="x"), Node(b, name="b"), Node(t, name="t")
    z = linear(w, x, b, name="z")
    y = sigmoid(z, name="y")
    L = half_squared_error(y, t, name="L")
    R = half_square(w, name="R")
    L_reg = regularised(L, R, lam, name="L_reg")
    return SimpleNamespace(w=w, x=x, b=b, t=t, z=z, y=y, L=L, R=R, L_reg=L_reg, lam=lam)

"""The reference answers the notebooks' later cells use agree with the engine and with numbers."""
import numpy as np

from course_utils import reference
from course_utils.engine import topological_order
from course_utils.gradcheck import numerical_gradient
from course_utils.lecture import regularised_example

X = np.array([[0, 1], [1, 1], [0, 0], [1, 0]], dtype=float)
T = np.array([1, 0, 0, 1], dtype=float)


def cost(w, b):
    return np.mean(0.5 * (1 / (1 + np.exp(-(X @ w + b))) - T) ** 2)


def test_cost_gradient_is_the_derivative_of_the_average_loss():
    w, b = np.array([0.7, -1.2]), 0.3
    dE_dw, dE_db = reference.cost_gradient(w, b, X, T)
    assert np.allclose(dE_dw, numerical_gradient(lambda v: cost(v, b), w), rtol=1e-6)
    assert np.isclose(dE_db, float(numerical_gradient(lambda v: cost(w, v), b)), rtol=1e-6)


def test_regularised_bars_match_the_engine_away_from_the_lecture_values():
    values = dict(w=-0.8, x=1.5, b=0.4, t=0.0, lam=0.3)
    g = regularised_example(**values)
    g.L_reg.backward()
    engine = [g.L_reg.bar, g.R.bar, g.L.bar, g.y.bar, g.z.bar, g.w.bar, g.b.bar]
    assert np.allclose(reference.backward_pass_regularised(**values), engine)


def test_backward_pass_sums_the_messages_as_the_engine_does():
    g = regularised_example(w=1.3, x=-0.4, b=0.2, t=1.0, lam=0.5)
    order = topological_order(g.L_reg)
    reference.backward_pass(order)
    ours = [float(node.bar) for node in order]
    g.L_reg.backward()
    assert np.allclose(ours, [float(node.bar) for node in order])


def test_keeping_only_the_last_message_loses_one_of_w_s_two():
    g = regularised_example()
    order = topological_order(g.L_reg)
    reference.backward_pass(order, combine=lambda messages: messages[-1])
    from_R = float(g.R.bar * g.w.value)
    assert np.isclose(float(g.w.bar), from_R)
    g.L_reg.backward()
    assert not np.isclose(float(g.w.bar), from_R)

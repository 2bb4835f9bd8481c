"""The checks of notebook 09: right answers pass in any style, each mistake is named, and an
answer that hands the work to the reference answers is refused."""
import numpy as np
import pytest
import verdicts
from verdicts import short_guard, table_tests  # noqa: F401

from course_utils import checks, engine
from course_utils.checks import classifier as reference
from course_utils.checks._runner import REGISTRY
from course_utils.checks.classifier import (
    NETWORKS,
    check_accumulate_gradient,
    check_classifier_backward,
    check_classifier_forward,
    check_cross_entropy_backward,
    check_log_softmax,
    check_sgd_epoch,
    engine_answers,
    network,
)
from course_utils.engine import OPERATIONS, Node

PARAMS = ("W1", "b1", "W2", "b2")

#: Answers as students write them overflow and divide 0 by 0; the verdict, not numpy's warning,
#: is what is tested.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# -- the reference answers agree with the engine ---------------------------------------------

@pytest.mark.parametrize("c", NETWORKS, ids=[c["label"] for c in NETWORKS])
def test_reference_passes_equal_the_engine_bar_by_bar(c):
    n = network(c)
    values, bars = engine_answers(n.X, n.t, *(n.params[k] for k in PARAMS))
    mine = reference.forward(n.X, n.t, **n.params)
    my_bars = reference.backward(n.X, n.t, **n.params, values=mine)
    for name in values:
        np.testing.assert_allclose(mine[name], values[name], rtol=1e-12, err_msg=name)
    for name in bars:
        assert my_bars[name].shape == bars[name].shape, name
        np.testing.assert_allclose(my_bars[name], bars[name], rtol=1e-10, atol=1e-15,
                                   err_msg=name)


def test_accumulated_micro_batches_give_the_full_batch_gradient():
    n = network(dict(N=10, D=5, H=4, K=3, seed=0, scale=1.0))
    full = reference.backward(n.X, n.t, **n.params, values=reference.forward(n.X, n.t, **n.params))
    grad = {name: np.full_like(value, 7.0) for name, value in n.params.items()}
    reference.accumulate_gradient(n.X, n.t, n.params, grad, 4, reference.forward,
                                  reference.backward)
    for name in PARAMS:
        np.testing.assert_allclose(grad[name], full[name + "_bar"], rtol=1e-12, atol=1e-15)


# -- the references are refused inside a check, and only there ---------------------------------

def test_an_answer_that_calls_the_reference_is_refused_and_told_why():
    verdict = check_log_softmax(lambda z: reference.log_softmax(z))
    assert verdict.mistake == "calls-the-reference" and "reference.log_softmax" in verdict.message
    assert "compute it yourself" in verdict.message


def test_an_answer_built_on_the_engine_is_refused():
    def engine_bars(z, t):
        z_node = Node(z, name="z")
        graph = reference.cost_graph(z_node, t)
        graph.E.backward()
        return {"L_bar": graph.L.bar, "logp_bar": graph.logp.bar, "z_bar": z_node.bar}
    verdict = check_cross_entropy_backward(engine_bars)
    assert verdict.status == "wrong" and "reference answer" in verdict.message, repr(verdict)


def test_the_references_work_again_after_a_check():
    row, backward = OPERATIONS["log_softmax"], engine.backward
    check_log_softmax(lambda z: reference.log_softmax(z))
    assert OPERATIONS["log_softmax"] is row and engine.backward is backward
    np.testing.assert_allclose(np.exp(reference.log_softmax(np.array([[1000.0, 0.0]]))).sum(), 1)


@pytest.mark.parametrize("name", [n for n, rules in REGISTRY.items() if rules.notebook[:2] == "09"])
def test_the_references_work_again_after_an_answer_that_never_ends(name, short_guard):  # noqa: F811
    """The guard stops the student's loop, not the check's `finally` that gives them back."""
    row, backward = OPERATIONS["log_softmax"], engine.backward

    def looping(*args):
        while True:
            pass
    rules = REGISTRY[name]
    count = len(rules.solution) if isinstance(rules.solution, tuple) else 1
    verdict = getattr(checks, name)(*verdicts.handed(name, [looping] * count))
    assert verdict.mistake == "time-out", repr(verdict)
    assert OPERATIONS["log_softmax"] is row and engine.backward is backward


# -- the answer tables -----------------------------------------------------------------------------

def log_softmax_scipy_style(z):
    top = np.max(z, axis=-1, keepdims=True)
    return z - (top + np.log(np.sum(np.exp(z - top), axis=-1, keepdims=True)))


def log_softmax_by_rows(z):
    return np.array([row - row.max() - np.log(np.exp(row - row.max()).sum()) for row in z])


def log_softmax_in_place(z):
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


CALLS: list = []


def log_softmax_counting_calls(z):
    CALLS.append(1)
    return log_softmax_scipy_style(z) - (len(CALLS) > 1) * 0.5


def hard_coded_log_softmax(z):
    return np.array([[-3.0, -2.0, -1.0, -0.5]] * 3)


def looping_log_softmax(z):
    while True:
        pass


def no_keepdims(z):
    return z - z.max(axis=1) - np.log(np.exp(z - z.max(axis=1)).sum(axis=1))


def naive_log_softmax(z):
    return np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))


def global_shift(z):
    return z - z.max() - np.log(np.exp(z - z.max()).sum(axis=1, keepdims=True))


LOG_SOFTMAX = [  # (answer, status, key words of the message)
    (log_softmax_scipy_style, "correct", ["±1000"]),
    (log_softmax_by_rows, "correct", []),
    (lambda z: z - np.logaddexp.reduce(z, axis=1, keepdims=True), "correct", []),
    (naive_log_softmax, "wrong", ["logits of ±1000", "got nan", "exp(1000) overflows"]),
    (lambda z: np.log(np.exp(log_softmax_scipy_style(z))), "wrong", ["−inf", "underflowed"]),
    (global_shift, "wrong", ["logits of ±1000", "one maximum for the whole batch"]),
    (lambda z: z - z.max(axis=0) - np.log(np.exp(z - z.max(axis=0)).sum(axis=0)), "wrong",
     ["3 samples of 4 logits", "over the samples (axis 0"]),
    (lambda z: np.exp(log_softmax_scipy_style(z)), "wrong", ["probabilities softmax(z)"]),
    (lambda z: z - np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
     "wrong", ["off by its largest logit"]),
    (no_keepdims, "wrong", ["could not be broadcast", "keepdims=True"]),
    (hard_coded_log_softmax, "wrong", ["3 samples of 4 logits", "log_softmax(z)[0, 0] is off"]),
    (log_softmax_in_place, "wrong", ["changed its input", "z[0, 0] was"]),
    (log_softmax_counting_calls, "wrong", ["called again", "carries something over"]),
    (looping_log_softmax, "wrong", ["did not finish"]),
    (lambda z: reference.log_softmax(z), "wrong",
     ["calls `reference.log_softmax`", "compute it yourself"]),
]


def bars_with_eye(z, t):
    N, K = z.shape
    p = np.exp(log_softmax_scipy_style(z))
    return {"L_bar": np.ones(N) / N, "logp_bar": -np.eye(K)[t] / N, "z_bar": (p - np.eye(K)[t]) / N}


def bars_by_sample(z, t):
    N, K = z.shape
    L_bar, logp_bar, z_bar = np.empty(N), np.zeros((N, K)), np.empty((N, K))
    for n in range(N):
        L_bar[n] = 1 / N
        logp_bar[n, t[n]] = -L_bar[n]
        p = np.exp(log_softmax_by_rows(z[n:n + 1]))[0]
        z_bar[n] = logp_bar[n] - p * logp_bar[n].sum()
    return {"L_bar": L_bar, "logp_bar": logp_bar, "z_bar": z_bar}


def bars_with(**changes):
    """The reference bars with some replaced: changes[name](bars, z, t)."""
    def answer(z, t):
        bars = bars_with_eye(z, t)
        return bars | {name: f(bars, z, t) for name, f in changes.items()}
    return answer


def bars_changing_labels(z, t):
    bars = bars_with_eye(z, t)
    t[0] = (t[0] + 1) % z.shape[1]
    return bars


def softmax_minus_onehot(z, t):
    N, K = z.shape
    z_bar = np.exp(log_softmax_scipy_style(z))
    z_bar[np.arange(N), t] -= 1
    return {"L_bar": np.full(N, 1 / N), "logp_bar": -np.eye(K)[t] / N, "z_bar": z_bar / N}


CROSS_ENTROPY = [
    (bars_with_eye, "correct", ["engine's bars"]),
    (bars_by_sample, "correct", []),
    (softmax_minus_onehot, "correct", []),
    (bars_with(L_bar=lambda b, z, t: np.ones(len(z))), "wrong",
     ["bars['L_bar'] is off", "L̄ is N times too large"]),
    (bars_with(logp_bar=lambda b, z, t: -b["logp_bar"]), "wrong",
     ["bars['logp_bar']", "sign is flipped"]),
    (bars_with(logp_bar=lambda b, z, t: -np.ones_like(z) / len(z)), "wrong",
     ["bars['logp_bar'][0, 0] is off", "every class gets a message"]),
    (bars_with(z_bar=lambda b, z, t: np.exp(log_softmax_scipy_style(z)) / len(z)), "wrong",
     ["bars['z_bar']", "softmax(z)/N"]),
    (bars_with(z_bar=lambda b, z, t: b["logp_bar"]), "wrong",
     ["bars['z_bar']", "passed on unchanged"]),
    (bars_with(z_bar=lambda b, z, t: np.exp(log_softmax_scipy_style(z)) - np.eye(z.shape[1])[t]),
     "wrong", ["N times too large"]),
    (bars_with(z_bar=lambda b, z, t: (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                                      - np.eye(z.shape[1])[t]) / len(z)),
     "wrong", ["logits of ±1000", "exp(1000)"]),
    (bars_with(z_bar=lambda b, z, t: (np.exp(z) / np.exp(z).sum(axis=0)
                                      - np.eye(z.shape[1])[t]) / len(z)),
     "wrong", ["over the samples (axis 0)"]),
    (lambda z, t: (np.ones(len(z)) / len(z), -np.eye(z.shape[1])[t] / len(z), z), "wrong",
     ["should be a dict", "got a list or tuple of 3 items"]),
    (bars_with(L_bar=lambda b, z, t: 1 / len(z)), "wrong", ["bars['L_bar'] has shape ()"]),
    (bars_changing_labels, "wrong", ["changed its input", "t was [2, 1, 0]"]),
    (lambda z, t: bars_with_eye(z, t[::-1]), "wrong", ["bars['logp_bar']"]),
]


def forward_with_einsum(X, t, W1, b1, W2, b2):
    z1 = np.einsum("nd,dh->nh", X, W1) + b1
    h = np.tanh(z1)
    z2 = np.einsum("nh,hk->nk", h, W2) + b2
    logp = log_softmax_scipy_style(z2)
    return {"z1": z1, "h": h, "z2": z2, "logp": logp,
            "E": -np.sum(logp * np.eye(W2.shape[1])[t]) / len(X)}


def forward_by_sample(X, t, W1, b1, W2, b2):
    rows = []
    for x, label in zip(X, t, strict=True):
        z1 = x @ W1 + b1
        z2 = np.tanh(z1) @ W2 + b2
        logp = log_softmax_by_rows(z2[None])[0]
        rows.append((z1, np.tanh(z1), z2, logp, -logp[label]))
    z1, h, z2, logp, L = (np.array(column) for column in zip(*rows, strict=True))
    return {"z1": z1, "h": h, "z2": z2, "logp": logp, "E": L.mean()}


def forward_with(**changes):
    """The reference forward pass with some values replaced: changes[name](values, X, t, ...)."""
    def answer(X, t, W1, b1, W2, b2):
        values = forward_with_einsum(X, t, W1, b1, W2, b2)
        return values | {k: f(values, X, t, W1, b1, W2, b2) for k, f in changes.items()}
    return answer


def forward_in_place(X, t, W1, b1, W2, b2):
    W1 *= 1.0001
    return forward_with_einsum(X, t, W1, b1, W2, b2)


def picked(values, t):
    return values["logp"][np.arange(len(t)), t]


FORWARD = [
    (forward_with_einsum, "correct", ["engine's forward values", "4 networks"]),
    (forward_by_sample, "correct", []),
    (lambda X, t, W1, b1, W2, b2: forward_with_einsum(X, np.asarray(t, dtype=int), W1, b1, W2,
                                                      b2), "correct", []),
    (lambda X, t, W1, b1, W2, b2: reference.forward(X, t, W1, b1, W2, b2), "wrong",
     ["a reference answer of this exercise"]),
    (forward_with(h=lambda v, X, *a: 1 / (1 + np.exp(-v["z1"]))), "wrong",
     ["values['h'][0, 0] is off", "σ instead of tanh"]),
    (forward_with(z1=lambda v, X, t, W1, b1, W2, b2: X @ W1), "wrong", ["b₁ is missing"]),
    (forward_with(logp=lambda v, *a: np.exp(v["logp"])), "wrong",
     ["values['logp']", "not their logs"]),
    (forward_with(E=lambda v, X, t, *a: -np.sum(picked(v, t))), "wrong",
     ["values['E'] is off", "sum of the losses"]),
    (forward_with(E=lambda v, X, t, *a: np.mean(picked(v, t))), "wrong", ["negative cost"]),
    (forward_with(E=lambda v, X, t, *a: -np.mean(v["logp"])), "wrong", ["every class"]),
    (forward_with(E=lambda v, X, t, *a: -picked(v, t)), "wrong",
     ["values['E'] has shape", "per-sample losses"]),
    (forward_with(logp=lambda v, *a: np.log(np.exp(v["z2"]) / np.exp(v["z2"]).sum(
        axis=1, keepdims=True))), "wrong", ["logits near ±1000", "stable log softmax"]),
    (forward_in_place, "wrong", ["changed its input", "W1[0, 0] was"]),
    (lambda X, t, W1, b1, W2, b2: forward_with_einsum(X, t, W1.T, b1, W2, b2), "wrong",
     ["ValueError"]),
]


def backward_by_formula(X, t, W1, b1, W2, b2, values):
    h = values["h"]
    z2_bar = (np.exp(values["logp"]) - np.eye(W2.shape[1])[t]) / len(X)
    h_bar = z2_bar @ W2.T
    z1_bar = h_bar * (1 - np.tanh(values["z1"]) ** 2)
    return {"z2_bar": z2_bar, "W2_bar": h.T @ z2_bar, "b2_bar": np.sum(z2_bar, axis=0),
            "h_bar": h_bar, "z1_bar": z1_bar, "W1_bar": X.T @ z1_bar,
            "b1_bar": np.ones(len(X)) @ z1_bar}


def backward_with_einsum(X, t, W1, b1, W2, b2, values):
    p = np.exp(values["logp"])
    z2_bar = np.einsum("nk,n->nk", p - (np.arange(W2.shape[1]) == t[:, None]), 1 / len(X) *
                       np.ones(len(X)))
    h_bar = np.einsum("nk,hk->nh", z2_bar, W2)
    z1_bar = h_bar / np.cosh(values["z1"]) ** 2
    return {"z2_bar": z2_bar, "W2_bar": np.einsum("nh,nk->hk", values["h"], z2_bar),
            "b2_bar": z2_bar.sum(0), "h_bar": h_bar, "z1_bar": z1_bar,
            "W1_bar": np.einsum("nd,nh->dh", X, z1_bar), "b1_bar": z1_bar.sum(0)}


def backward_with(**changes):
    """The reference bars with some replaced: changes[name](bars, values, X, t, W1, b1, W2, b2)."""
    def answer(X, t, W1, b1, W2, b2, values):
        bars = backward_by_formula(X, t, W1, b1, W2, b2, values)
        return bars | {k: f(bars, values, X, t, W1, b1, W2, b2) for k, f in changes.items()}
    return answer


def backward_changing_values(X, t, W1, b1, W2, b2, values):
    bars = backward_by_formula(X, t, W1, b1, W2, b2, values)
    values["h"] = values["h"] * 0.5
    return bars


def backward_with_the_engine(X, t, W1, b1, W2, b2, values):
    nodes = [Node(v, name=k) for k, v in zip(PARAMS, (W1, b1, W2, b2), strict=True)]
    z2 = (np.tanh(X @ nodes[0].value + nodes[1].value) @ nodes[2]) + nodes[3]
    graph = reference.cost_graph(z2, t)
    graph.E.backward()
    return {"z2_bar": z2.bar}


BACKWARD = [
    (backward_by_formula, "correct", ["all seven bars"]),
    (backward_with(b1_bar=lambda b, *a: b["z1_bar"].sum(axis=0)), "correct", []),
    (backward_with_einsum, "correct", []),
    (backward_with(z2_bar=lambda b, v, X, *a: b["z2_bar"] * len(X)), "wrong",
     ["bars['z2_bar']", "N times too large"]),
    (backward_with(z2_bar=lambda b, v, X, *a: np.exp(v["logp"]) / len(X)), "wrong",
     ["true class's message is missing"]),
    (backward_with(W2_bar=lambda b, v, X, t, W1, b1, W2, b2: b["z2_bar"].T @ v["h"]), "wrong",
     ["bars['W2_bar'] has shape", "transpose is on the wrong side"]),
    (backward_with(b2_bar=lambda b, *a: b["z2_bar"]), "wrong", ["bars['b2_bar'] has shape"]),
    (backward_with(W2_bar=lambda b, v, *a: v["h"].T @ b["z2_bar"] / len(v["h"])), "wrong",
     ["divided by N a second time"]),
    (backward_with(z1_bar=lambda b, v, *a: b["h_bar"]), "wrong",
     ["bars['z1_bar']", "z̄₁ equals h̄", "tanh's local derivative"]),
    (backward_with(z1_bar=lambda b, v, *a: b["h_bar"] * v["h"] * (1 - v["h"])), "wrong",
     ["slope of a sigmoid"]),
    (backward_with(W1_bar=lambda b, v, X, *a: X.T @ b["h_bar"]), "wrong",
     ["bars['W1_bar']", "wrong bar, h̄"]),
    (backward_with(b1_bar=lambda b, *a: b["z1_bar"].sum(axis=1)), "wrong",
     ["summed over the hidden units"]),
    (backward_changing_values, "wrong", ["changed its input", "values['h']"]),
    (backward_with_the_engine, "wrong", ["calls `engine.Node`", "compute it yourself"]),
    (lambda X, t, W1, b1, W2, b2, values: {"z2_bar": values["z2"]}, "wrong",
     ["should be a dict with the keys", "got a dict with the keys z2_bar"]),
]


def epoch_with_a_while_loop(X, t, params, learning_rate, batch_size, rng, forward, backward):
    order, start = rng.permutation(len(X)), 0
    while start < len(X):
        rows = order[start:start + batch_size]
        bars = backward(X[rows], t[rows], **params, values=forward(X[rows], t[rows], **params))
        params = {k: params[k] - learning_rate * bars[f"{k}_bar"] for k in params}
        start += batch_size
    return params


def epoch_with_array_split(X, t, params, learning_rate, batch_size, rng, forward, backward):
    order = rng.permutation(len(X))
    for rows in np.array_split(order, range(batch_size, len(X), batch_size)):
        Xb, tb = X[rows], t[rows]
        bars = backward(Xb, tb, **params, values=forward(Xb, tb, **params))
        params = dict(params)
        for name in params:
            params[name] = params[name] - learning_rate * bars[name + "_bar"]
    return params


def epoch_in_place(X, t, params, learning_rate, batch_size, rng, forward, backward):
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        rows = order[start:start + batch_size]
        bars = backward(X[rows], t[rows], **params, values=forward(X[rows], t[rows], **params))
        for name in params:
            params[name] -= learning_rate * bars[name + "_bar"]
    return params


def epoch_with_own_passes(X, t, params, learning_rate, batch_size, rng, forward, backward):
    """The student's own passes (exercises 3 and 4) instead of those handed over."""
    return epoch_with_a_while_loop(X, t, params, learning_rate, batch_size, rng,
                                   forward_with_einsum, backward_with_einsum)


ENDED: dict = {}


def epoch_continuing(X, t, params, learning_rate, batch_size, rng, forward, backward):
    """Remembers where the last epoch on these very parameters ended, and goes on from there:
    right on a first call, another run on the second (state kept on the inputs, by id)."""
    start = ENDED.get(id(params), params)
    ENDED[id(params)] = epoch_with_a_while_loop(X, t, start, learning_rate, batch_size, rng,
                                                forward, backward)
    return ENDED[id(params)]


def epoch(**mistake):
    """epoch_with_a_while_loop with one change: order(rng, n), step(rows) or batches."""
    order = mistake.get("order", lambda rng, n: rng.permutation(n))

    def answer(X, t, params, learning_rate, batch_size, rng, forward, backward):
        chosen = order(rng, len(X))
        stop = mistake.get("stop", len(X))
        for start in range(0, stop(len(X), batch_size) if callable(stop) else stop, batch_size):
            rows = chosen[start:start + batch_size]
            labels = t[np.sort(rows)] if mistake.get("labels_in_order") else t[rows]
            bars = backward(X[rows], labels, **params, values=forward(X[rows], labels, **params))
            rate = mistake.get("rate", learning_rate)
            params = {k: v - rate * bars[k + "_bar"] for k, v in params.items()}
        return params
    return answer


SGD_EPOCH = [
    (epoch_with_a_while_loop, "correct", ["same steps"]),
    (epoch_with_array_split, "correct", []),
    (epoch(), "correct", []),
    (epoch(order=lambda rng, n: np.arange(n)), "wrong", ["stored order"]),
    (epoch(order=lambda rng, n: np.random.default_rng(0).permutation(n)), "wrong",
     ["generator you are given"]),
    (epoch(order=lambda rng, n: np.random.permutation(n)), "wrong", []),
    (epoch(labels_in_order=True), "wrong", ["labels do not travel"]),
    (epoch(stop=lambda n, b: n - b + 1), "wrong", ["last, smaller batch"]),
    (epoch(rate=0.1), "wrong", ["η = 0.1"]),
    (epoch(rate=0.01), "wrong", ["the new params['W1'][0, 0] is off"]),
    (epoch(stop=1), "wrong", ["only one step"]),
    (epoch_in_place, "wrong", ["changed its input", "params['W1'][0, 0] was"]),
    (lambda X, t, p, r, b, rng, f, g: reference.sgd_epoch(X, t, p, r, b, rng, f, g), "wrong",
     ["a reference answer of this exercise"]),
    (lambda X, t, p, r, b, rng, f, g: p, "wrong", ["return the parameters after the last step"]),
    (epoch_with_own_passes, "wrong", ["with the passes of another cost",
                                      "did not use the passes it is handed"]),
    (epoch_continuing, "wrong", ["called again", "carries something over"]),
]


def accumulate_with_slices(X, t, params, grad, micro_batch, forward, backward):
    for name in grad:
        grad[name] *= 0
    for start in range(0, len(X), micro_batch):
        Xm, tm = X[start:start + micro_batch], t[start:start + micro_batch]
        bars = backward(Xm, tm, **params, values=forward(Xm, tm, **params))
        for name in grad:
            grad[name] += bars[name + "_bar"] * len(Xm) / len(X)


def accumulate_by_sum_then_divide(X, t, params, grad, micro_batch, forward, backward):
    for buffer in grad.values():
        buffer.fill(0.0)
    for rows in np.array_split(np.arange(len(X)), range(micro_batch, len(X), micro_batch)):
        bars = backward(X[rows], t[rows], **params, values=forward(X[rows], t[rows], **params))
        for name in grad:
            np.add(grad[name], len(rows) * bars[name + "_bar"], out=grad[name])
    for buffer in grad.values():
        buffer /= len(X)
    return grad


def accumulate(zero=True, weight=lambda rows, n, count: len(rows) / n, assign=False,
               rebind=False):
    """accumulate_with_slices with one change."""
    def answer(X, t, params, grad, micro_batch, forward, backward):
        if zero:
            for name in grad:
                grad[name] *= 0
        starts = range(0, len(X), micro_batch)
        for start in starts:
            rows = np.arange(start, min(start + micro_batch, len(X)))
            bars = backward(X[rows], t[rows], **params, values=forward(X[rows], t[rows], **params))
            for name in list(grad):
                share = weight(rows, len(X), len(starts)) * bars[name + "_bar"]
                if rebind:
                    grad = {**grad, name: grad[name] + share}
                elif assign:
                    grad[name][...] = share
                else:
                    grad[name] += share
    return answer


def accumulate_whole_batch(X, t, params, grad, micro_batch, forward, backward):
    """The full batch's gradient in one pass: right numbers, no accumulation."""
    bars = backward(X, t, **params, values=forward(X, t, **params))
    for name, buffer in grad.items():
        buffer[...] = bars[name + "_bar"]


def accumulate_into_new_arrays(X, t, params, grad, micro_batch, forward, backward):
    """Right numbers, but new arrays put in the buffers' places."""
    for name in grad:
        grad[name] = np.zeros_like(grad[name])
    for start in range(0, len(X), micro_batch):
        rows = slice(start, start + micro_batch)
        bars = backward(X[rows], t[rows], **params, values=forward(X[rows], t[rows], **params))
        for name in grad:
            grad[name] = grad[name] + len(X[rows]) / len(X) * bars[name + "_bar"]


ACCUMULATE = [
    (accumulate_with_slices, "correct", ["full batch's gradient"]),
    (accumulate_by_sum_then_divide, "correct", []),
    (accumulate(), "correct", []),
    (accumulate(zero=False), "wrong", ["grad['W1'][0, 0] is off", "last step's gradient"]),
    (accumulate(weight=lambda rows, n, count: 1.0), "wrong", ["mean gradients"]),
    (accumulate(weight=lambda rows, n, count: 1 / count), "wrong", ["every micro-batch weighs"]),
    (accumulate(weight=lambda rows, n, count: 1 / n), "wrong",
     ["grad['W1'][0, 0] is off", "divided by the number of samples N"]),
    (accumulate(assign=True), "wrong", ["replaced the one before"]),
    (accumulate(rebind=True), "wrong", ["the buffers hold zeros"]),
    (lambda X, t, p, grad, m, f, g: {k: g(X[:m], t[:m], **p, values=f(X[:m], t[:m], **p))
                                     [k + "_bar"] for k in grad}, "wrong",
     ["the buffers are as they were"]),
    (accumulate_whole_batch, "wrong", ["`backward` ran on 10 rows at once"]),
    (accumulate_into_new_arrays, "wrong", ["grad['W1'] is a new array", "in place"]),
    (lambda X, t, p, grad, m, f, g: reference.accumulate_gradient(X, t, p, grad, m, f, g),
     "wrong", ["a reference answer of this exercise"]),
    (lambda X, t, p, grad, m, f, g: accumulate_with_slices(X, t, p, grad, m, f, g) or
     grad["W1"].__iadd__(1e-3), "wrong", ["grad['W1'][0, 0] is off"]),
    (lambda X, t, p, grad, m, f, g: accumulate_with_slices(X + 0, t, p, grad, m, f, g) or
     X.__imul__(0.5), "wrong", ["changed its input", "X[0, 0] was"]),
    (lambda X, t, p, grad, m, f, g: accumulate_with_slices(X, t, p, grad, m, forward_with_einsum,
                                                           backward_with_einsum), "wrong",
     ["with the passes of another cost", "not that of the passes you are handed"]),
]


test_each_answer_gets_its_verdict, test_different_mistakes_get_different_messages = table_tests(
    [(check_log_softmax, LOG_SOFTMAX), (check_cross_entropy_backward, CROSS_ENTROPY),
     (check_classifier_forward, FORWARD), (check_classifier_backward, BACKWARD),
     (check_sgd_epoch, SGD_EPOCH), (check_accumulate_gradient, ACCUMULATE)],
    reset=lambda: (CALLS.clear(), ENDED.clear()))


def test_the_bar_of_the_logits_by_finite_differences_is_told_so(short_guard):  # noqa: F811
    """z̄ nudged out of the cost is right to about 10 digits: its own ✘, not "expected
    0.000131997, got 0.0001319966"."""
    def by_nudging(z, t, eps=1e-6):
        N, K = z.shape
        cost = lambda z: -np.mean(log_softmax_scipy_style(z)[np.arange(N), t])  # noqa: E731
        z_bar = np.zeros((N, K))
        for i in np.ndindex(z.shape):
            step = np.zeros((N, K))
            step[i] = eps
            z_bar[i] = (cost(z + step) - cost(z - step)) / (2 * eps)
        return {"L_bar": np.ones(N) / N, "logp_bar": -np.eye(K)[t] / N, "z_bar": z_bar}

    verdict = check_cross_entropy_backward(by_nudging, show=False)
    assert verdict.mistake == "finite-difference" and "significant digits only" in \
        verdict.message, repr(verdict)

"""Checks of notebook 09: a digits classifier by hand, with softmax and cross-entropy, trained
with mini-batches; and the reference answers the notebook's later cells use.

The expected answers of the passes come from the reference engine (its `log_softmax` row and
the cost graph below, node by node); those of the loops from the reference functions of this
module. Each answer is written as lines, one per array, so that a typical mistake is
`Mistake(id, the answer with that one line wrong, hint)` (see `_runner.but`). A hint says what
is wrong and where, never the line that would be right: the student writes that.

While a check runs the student's function, the reference answers are refused: the runner
refuses their code under any name (and, for the passes, the engine's), so an answer that hands
the work to them gets a ✘ that says so instead of a ✔.

The reference answers (the notebook imports this module as `reference`):

    log_softmax, softmax, one_hot      the output layer, stable over each row
    cross_entropy_backward             the bars of the cost's graph, from the logits down
    forward, backward                  the 64-H-10 network's two passes (tanh hidden layer)
    sgd_epoch                          one epoch of shuffled mini-batch gradient descent
    accumulate_gradient                PyTorch's convention: zero the buffers, then add into them
"""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np

from ..engine import OPERATIONS, Node, add, matmul, neg, tanh
from ..tensors import log_softmax as _stable_log_softmax
from ._runner import Mistake, but, check, with_what_they_make
from .graphs import the_engine, the_messages

__all__ = ["check_log_softmax", "check_cross_entropy_backward", "check_classifier_forward",
           "check_classifier_backward", "check_sgd_epoch", "check_accumulate_gradient"]

NOTEBOOK = "09_digits_classifier"
PARAMS = ("W1", "b1", "W2", "b2")


# -- the reference answers, private so that refusing the public names leaves them working -------

def _log_softmax(z):
    return _stable_log_softmax(np.asarray(z, dtype=float), axis=-1)


def _softmax(z):
    return np.exp(_log_softmax(z))


def _one_hot(t, classes: int) -> np.ndarray:
    return np.eye(classes)[np.asarray(t)]


def _naive_softmax(z):
    """exp(z) / Σ exp(z): what overflows at large logits."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


CROSS_ENTROPY_LINES = dict(
    L_bar=lambda v: np.full(len(v.z), 1 / len(v.z)),
    logp_bar=lambda v: -_one_hot(v.t, v.z.shape[1]) * v.L_bar[:, None],
    z_bar=lambda v: v.logp_bar - _softmax(v.z) * v.logp_bar.sum(axis=1, keepdims=True))


def _cross_entropy_backward(z, t, lines=CROSS_ENTROPY_LINES):
    v = but(lines)(z=np.asarray(z, dtype=float), t=np.asarray(t))
    return {name: getattr(v, name) for name in lines}


FORWARD_LINES = dict(
    z1=lambda v: v.X @ v.W1 + v.b1, h=lambda v: np.tanh(v.z1),
    z2=lambda v: v.h @ v.W2 + v.b2, logp=lambda v: _log_softmax(v.z2),
    E=lambda v: -np.mean(v.logp[np.arange(len(v.X)), v.t]))

BACKWARD_LINES = dict(
    z2_bar=lambda v: (np.exp(v.logp) - _one_hot(v.t, v.logp.shape[1])) / len(v.X),
    W2_bar=lambda v: v.h.T @ v.z2_bar, b2_bar=lambda v: v.z2_bar.sum(axis=0),
    h_bar=lambda v: v.z2_bar @ v.W2.T, z1_bar=lambda v: v.h_bar * (1 - v.h ** 2),
    W1_bar=lambda v: v.X.T @ v.z1_bar, b1_bar=lambda v: v.z1_bar.sum(axis=0))


def _forward(X, t, W1, b1, W2, b2, lines=FORWARD_LINES):
    v = but(lines)(X=X, t=np.asarray(t), W1=W1, b1=b1, W2=W2, b2=b2)
    return {name: getattr(v, name) for name in lines}


def _backward(X, t, W1, b1, W2, b2, values, lines=BACKWARD_LINES):
    v = but(lines)(X=X, t=np.asarray(t), W1=W1, b1=b1, W2=W2, b2=b2, **values)
    return {name: getattr(v, name) for name in lines}


def _batches(n: int, size: int, order) -> Iterator[np.ndarray]:
    """The rows of each batch: `size` consecutive entries of `order`, the last batch smaller."""
    for start in range(0, n, size):
        yield order[start:start + size]


def _sgd_epoch(X, t, params, learning_rate, batch_size, rng, forward, backward):
    for rows in _batches(len(X), batch_size, rng.permutation(len(X))):
        values = forward(X[rows], t[rows], **params)
        bars = backward(X[rows], t[rows], **params, values=values)
        params = {name: value - learning_rate * bars[name + "_bar"]
                  for name, value in params.items()}
    return params


def _accumulate_gradient(X, t, params, grad, micro_batch, forward, backward):
    for buffer in grad.values():                        # zero_grad()
        buffer[...] = 0.0
    for rows in _batches(len(X), micro_batch, np.arange(len(X))):
        values = forward(X[rows], t[rows], **params)
        bars = backward(X[rows], t[rows], **params, values=values)
        for name, buffer in grad.items():               # .grad += ..., the share of the rows
            buffer += len(rows) / len(X) * bars[name + "_bar"]


log_softmax, softmax, one_hot = _log_softmax, _softmax, _one_hot
cross_entropy_backward, forward, backward = _cross_entropy_backward, _forward, _backward
sgd_epoch, accumulate_gradient = _sgd_epoch, _accumulate_gradient

CRASH_HINTS = [
    ("could not be broadcast", "two arrays whose shapes do not fit entry by entry: a value "
                               "computed per row (one number per sample) has shape (N,); keep "
                               "it as a column, N × 1 (`keepdims=True`), to combine it with "
                               "the N × K logits."),
    ("core dimension", "a matrix product whose shapes do not fit: every bar has the shape of "
                       "its value (W̄₁ is D × H, h̄ is N × H); look at which factor needs its "
                       "transpose."),
    ("KeyError", 'the forward values are `values["z1"]`, `values["h"]`, `values["z2"]`, '
                 '`values["logp"]`, `values["E"]`; a bar of "W1" is `bars["W1_bar"]`.'),
    ("IndexError", "labels are class numbers 0 … K − 1, one per sample: index row n at column "
                   "t[n], e.g. with `np.arange(N)` for the rows."),
]

#: The crash hints of the loops (exercises 5 and 6), which call the passes they are given.
LOOP_HINTS = [
    CRASH_HINTS[0],
    ("could not be broadcast", "two arrays whose shapes do not fit entry by entry: a parameter "
                               "and its bar have the same shape, and each parameter moves by "
                               "its own bar."),
    ("KeyError", 'the passes take the parameters as keywords, W1=…, b1=…, W2=…, b2=…, and the '
                 'bar of "W1" is `bars["W1_bar"]`.'),
    ("IndexError", "an index past the end of the data: the last batch may be smaller, and it "
                   "ends where the samples end."),
]


# -- exercise 1: log softmax -----------------------------------------------------------------

def _logits(rows, classes, seed, scale=3.0, shifts=None):
    z = scale * np.random.default_rng(seed).normal(size=(rows, classes))
    return z if shifts is None else z + np.asarray(shifts, dtype=float)[:, None]


LOGITS = [
    dict(label="3 samples of 4 logits", z=lambda: _logits(3, 4, 0)),
    dict(label="one sample of 10 logits", z=lambda: _logits(1, 10, 1)),
    dict(label="logits of ±1000", z=lambda: np.array([[1000.0, -1000.0, 0.0],
                                                      [-1000.0, -1000.0, -999.0],
                                                      [999.0, 1000.0, 998.0]])),
    dict(label="5 samples of 6 logits, rows shifted by −800 to +800",
         z=lambda: _logits(5, 6, 2, shifts=[-800, 0, 800, -400, 3])),
]


def _on_rows(function):
    """A log softmax computed the way `function(z)` does, with numpy's warnings silenced (a
    student sees the nan, not the warning)."""
    def log_softmax(z):
        with np.errstate(all="ignore"):
            return function(np.asarray(z, dtype=float))
    return log_softmax


def _row_max(z):
    return z.max(axis=1, keepdims=True)


LOG_SOFTMAX_MISTAKES = [
    Mistake("naive", _on_rows(lambda z: np.log(_naive_softmax(z))),
            "nan or inf at large logits: exp(1000) overflows to inf in float64, and inf / inf "
            "is nan. The log-sum-exp trick never takes exp of a positive number."),
    Mistake("log-of-softmax", _on_rows(lambda z: np.log(_softmax(z))),
            "−inf where a probability underflowed to 0 (e^−2000 is 0 in float64): the log of "
            "a rounded-off softmax. Stay in logs: the log of a softmax is a difference, with "
            "no exp of the large gaps."),
    Mistake("global-max", _on_rows(lambda z: (z - z.max()) - np.log(
        np.exp(z - z.max()).sum(axis=1, keepdims=True))),
            "a row far below the batch's largest logit gives −inf or nan: you subtract one "
            "maximum for the whole batch. Each row (sample) needs its own largest logit."),
    Mistake("axis-0", _on_rows(lambda z: (z - z.max(axis=0)) - np.log(
        np.exp(z - z.max(axis=0)).sum(axis=0))),
            "normalised over the samples (axis 0, a column): each row holds one sample's K "
            "logits and must become K log-probabilities, whose exps sum to 1 along the row."),
    Mistake("softmax", _on_rows(_softmax),
            "those are the probabilities softmax(z), between 0 and 1: the exercise asks for "
            "their logs, each ≤ 0."),
    Mistake("max-not-subtracted", _on_rows(lambda z: z - np.log(
        np.exp(z - _row_max(z)).sum(axis=1, keepdims=True))),
            "each row is off by its largest logit m: shifting the logits by m inside the exp "
            "shifts log Σ exp by m too, and that shift must be undone."),
    Mistake("log-sum-exp-only", _on_rows(lambda z: _row_max(z) + np.log(
        np.exp(z - _row_max(z)).sum(axis=1, keepdims=True))),
            "that is log Σₖ exp(zₖ), one number per sample: the log softmax has one entry per "
            "logit, a log-probability for each class."),
    Mistake("sign", _on_rows(lambda z: (z - _row_max(z)) + np.log(
        np.exp(z - _row_max(z)).sum(axis=1, keepdims=True))),
            "positive log-probabilities: the log of the normaliser is subtracted (a "
            "probability is ≤ 1, so its log is ≤ 0)."),
]


def _the_passes_refused() -> tuple:
    """What computes a pass for the student: the reference answers, under any name they were
    bound to (`ref = reference.log_softmax` before the check), the engine's stable log softmax
    and the engine itself (Nodes, operations, its backward pass)."""
    return (("reference.log_softmax", _log_softmax), ("reference.softmax", _softmax),
            ("tensors.log_softmax", _stable_log_softmax),
            ("reference.cross_entropy_backward", _cross_entropy_backward),
            ("reference.forward", _forward), ("reference.backward", _backward), *the_engine(),
            *the_messages(), *_tables_and_factories())


def _tables_and_factories() -> Iterator:
    """The reference's pieces: `engine_answers`, the line tables of the reference passes, and
    the mistake tables' factories with what they make (with no mistake switched on, an epoch or
    an accumulation of the reference)."""
    return with_what_they_make(engine_answers, CROSS_ENTROPY_LINES, FORWARD_LINES,
                               BACKWARD_LINES, _epoch, _accumulation)


def _log_softmax_refused() -> tuple:
    """The passes' references, and scipy's log softmax and softmax: the whole exercise in one
    call (scipy comes with scikit-learn)."""
    try:
        from scipy import special
    except ImportError:
        return _the_passes_refused()
    return (("scipy.special.log_softmax", special.log_softmax),
            ("scipy.special.softmax", special.softmax),
            ("scipy.special.logsumexp", special.logsumexp), *_the_passes_refused())


@check(NOTEBOOK, "log softmax without overflow", refuses=_log_softmax_refused,
       solution=_log_softmax, configurations=LOGITS, make=lambda c: (c["z"](),),
       returns=("log_softmax(z)",),
       formulas={"log_softmax(z)": "z − m − log Σ exp(z − m)",
                 "in code": "z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))"},
       mistakes=LOG_SOFTMAX_MISTAKES, crash_hints=CRASH_HINTS,
       success=f"your log softmax equals the engine's on {len(LOGITS)} batches, the logits of "
               "±1000 and rows 1600 apart included: finite everywhere, each row's exps summing "
               "to 1.")
def check_log_softmax(log_softmax):
    """`log_softmax(z)` -> the log softmax of each row of the N × K logits z, stable."""


# -- exercise 2: the backward pass of softmax and cross-entropy --------------------------------

def cost_graph(z: Node, t) -> SimpleNamespace:
    """The cost on top of the logits node z: logp = log_softmax(z) over each row, L_n = −logp[n,
    t_n] (picked by a one-hot constant), E = the mean of the L_n."""
    logp = OPERATIONS["log_softmax"](z, axis=1, name="logp")
    L = neg(OPERATIONS["sum"](logp * _one_hot(t, z.shape[1]), axis=1), name="L")
    return SimpleNamespace(z=z, logp=logp, L=L, E=OPERATIONS["mean"](L, name="E"))


def _engine_cross_entropy_backward(z, t):
    graph = cost_graph(Node(z, name="z"), t)
    graph.E.backward()
    return {"L_bar": graph.L.bar, "logp_bar": graph.logp.bar, "z_bar": graph.z.bar}


def _cross_entropy(**wrong):
    """cross_entropy_backward as a student with the `wrong` lines writes it."""
    lines = but(CROSS_ENTROPY_LINES, **wrong)

    def cross_entropy_backward(z, t):
        with np.errstate(all="ignore"):
            v = lines(z=np.asarray(z, dtype=float), t=np.asarray(t))
        return {name: getattr(v, name) for name in CROSS_ENTROPY_LINES}
    return cross_entropy_backward


def _labels(rows, classes, seed):
    return np.random.default_rng(seed + 100).integers(0, classes, size=rows)


BATCHES = [
    dict(label="3 samples, 4 classes", z=lambda: _logits(3, 4, 3), t=lambda: _labels(3, 4, 3)),
    dict(label="one sample, 10 classes", z=lambda: _logits(1, 10, 4),
         t=lambda: np.array([7])),
    dict(label="logits of ±1000, 3 samples, 3 classes",
         z=LOGITS[2]["z"], t=lambda: np.array([1, 2, 0])),
    dict(label="6 samples, 5 classes", z=lambda: _logits(6, 5, 5), t=lambda: _labels(6, 5, 5)),
]

CROSS_ENTROPY_MISTAKES = [
    Mistake("L_bar-no-1-over-N", _cross_entropy(L_bar=lambda v: np.ones(len(v.z))),
            "L̄ is N times too large: E is the mean of the N losses, so each loss reaches E "
            "through the mean's local derivative."),
    Mistake("L_bar-one-number", _cross_entropy(L_bar=lambda v: np.full(len(v.z), 1 / len(
        v.z)).sum()),
            "one number: L holds one loss per sample, and its bar has L's shape (N,)."),
    Mistake("logp_bar-sign", _cross_entropy(logp_bar=lambda v: -v.logp_bar),
            "the sign is flipped: L is minus the log-probability of the true class, and that "
            "minus is the local derivative of L with respect to it."),
    Mistake("logp_bar-every-class", _cross_entropy(
        logp_bar=lambda v: -np.ones_like(v.z) * v.L_bar[:, None]),
            "every class gets a message: L_n reads one entry of its row of logp, the true "
            "class's; the other entries do not enter L, so their bar is 0."),
    Mistake("logp_bar-no-1-over-N", _cross_entropy(
        logp_bar=lambda v: -_one_hot(v.t, v.z.shape[1])),
            "the 1/N of L̄ is lost on the way: ℓ̄ is L̄ times the local derivative, not the "
            "local derivative alone."),
    Mistake("z_bar-no-one-hot", _cross_entropy(
        z_bar=lambda v: _softmax(v.z) / len(v.z)),
            "that is softmax(z)/N: the true class's own message, the one that comes straight "
            "from ℓ̄, is missing."),
    Mistake("z_bar-is-logp_bar", _cross_entropy(z_bar=lambda v: v.logp_bar),
            "that is ℓ̄ passed on unchanged: the log softmax has a local derivative too, and "
            "every ℓ_j depends on every logit z_k (through the normaliser)."),
    Mistake("z_bar-no-row-sum", _cross_entropy(
        z_bar=lambda v: v.logp_bar - _softmax(v.z)),
            "the softmax term must be weighted: z_k receives a message from every ℓ_j of its "
            "row, and the softmax part of those messages adds up over j."),
    Mistake("z_bar-sign", _cross_entropy(
        z_bar=lambda v: v.logp_bar + _softmax(v.z) * v.logp_bar.sum(axis=1, keepdims=True)),
            "a sign is flipped in the log softmax's local derivative: which way does ℓ_j move "
            "when another logit of its row grows?"),
    Mistake("z_bar-axis-0", _cross_entropy(z_bar=lambda v: v.logp_bar - np.exp(v.z) / np.exp(
        v.z).sum(axis=0) * v.logp_bar.sum(axis=1, keepdims=True)),
            "a softmax over the samples (axis 0): the probabilities are normalised along each "
            "row, one sample's K classes."),
    Mistake("z_bar-unstable", _cross_entropy(z_bar=lambda v: v.logp_bar - _naive_softmax(
        v.z) * v.logp_bar.sum(axis=1, keepdims=True)),
            "nan at large logits: the softmax is computed as exp(z) / Σ exp(z), and exp(1000) "
            "overflows. Compute it from a stable log softmax, as in exercise 1."),
    Mistake("z_bar-no-1-over-N", _cross_entropy(
        z_bar=lambda v: _softmax(v.z) - _one_hot(v.t, v.z.shape[1])),
            "z̄ is N times too large: the 1/N that L̄ carries must reach z̄ too."),
]


@check(NOTEBOOK, "the backward pass of softmax and cross-entropy",
       refuses=_the_passes_refused, exact=True, shows_expected=False,
       solution=_engine_cross_entropy_backward, configurations=BATCHES,
       make=lambda c: (c["z"](), c["t"]()), returns=("bars",),
       formulas={"bars['L_bar']": "1/N", "bars['z_bar']": "(softmax(z) − onehot(t))/N",
                 "bars['logp_bar']": "−onehot(t)·L̄",
                 "in code": "logp_bar - softmax(z) * logp_bar.sum(axis=1, keepdims=True)"},
       mistakes=CROSS_ENTROPY_MISTAKES, crash_hints=CRASH_HINTS,
       success=f"L̄, ℓ̄ and z̄ equal the engine's bars on {len(BATCHES)} batches, logits of "
               "±1000 included: each sample's logits receive its probabilities, less 1 at "
               "the true class, over N.")
def check_cross_entropy_backward(cross_entropy_backward):
    """`cross_entropy_backward(z, t)` -> {"L_bar", "logp_bar", "z_bar"}, as the engine's."""


# -- exercises 3 and 4: the 64-H-10 network's two passes ----------------------------------------

#: The networks tried: samples, inputs, hidden units, classes, seed, weight scale. The notebook
#: never shows the last two shapes; the last has logits of hundreds.
NETWORKS = [
    dict(label="5 samples of 64 pixels, H = 8, 10 classes", N=5, D=64, H=8, K=10, seed=0,
         scale=0.3),
    dict(label="one sample of 64 pixels, H = 3, 10 classes", N=1, D=64, H=3, K=10, seed=1,
         scale=0.3),
    dict(label="7 samples of 4 inputs, H = 5, 3 classes", N=7, D=4, H=5, K=3, seed=2, scale=1.0),
    dict(label="4 samples of 6 inputs, H = 2, 4 classes, logits near ±1000", N=4, D=6, H=2, K=4,
         seed=3, scale=500.0),
]


def network(c: dict) -> SimpleNamespace:
    """Data X (N × D in [0, 1]), labels t and parameters of configuration `c`; fresh arrays."""
    rng = np.random.default_rng(c["seed"])
    X = rng.uniform(0, 1, size=(c["N"], c["D"]))
    t = rng.integers(0, c["K"], size=c["N"])
    params = {"W1": c["scale"] * rng.normal(size=(c["D"], c["H"])),
              "b1": 0.5 * rng.normal(size=c["H"]),
              "W2": c["scale"] * rng.normal(size=(c["H"], c["K"])),
              "b2": 0.5 * rng.normal(size=c["K"])}
    return SimpleNamespace(X=X, t=t, params=params)


def engine_answers(X, t, W1, b1, W2, b2) -> tuple[dict, dict]:
    """The engine's forward values and bars of the 64-H-10 network, node by node."""
    W1, b1, W2, b2 = (Node(v, name=k) for k, v in zip(PARAMS, (W1, b1, W2, b2), strict=True))
    z1 = add(matmul(X, W1), b1, name="z1")
    h = tanh(z1, name="h")
    z2 = add(matmul(h, W2), b2, name="z2")
    graph = cost_graph(z2, t)
    graph.E.backward()
    values = {"z1": z1.value, "h": h.value, "z2": z2.value, "logp": graph.logp.value,
              "E": graph.E.value}
    bars = {f"{node.name}_bar": node.bar for node in (z2, W2, b2, h, z1, W1, b1)}
    return values, bars


def _engine_forward(X, t, W1, b1, W2, b2):
    return engine_answers(X, t, W1, b1, W2, b2)[0]


def _engine_backward(X, t, W1, b1, W2, b2, values):
    return engine_answers(X, t, W1, b1, W2, b2)[1]


def _make_forward(c: dict) -> tuple:
    n = network(c)
    return (n.X, n.t, *(n.params[k] for k in PARAMS))


def _make_backward(c: dict) -> tuple:
    args = _make_forward(c)
    return (*args, _engine_forward(*args))


def _network_forward(**wrong):
    """network_forward as a student with the `wrong` lines of FORWARD_LINES writes it."""
    def network_forward(X, t, W1, b1, W2, b2):
        with np.errstate(all="ignore"):
            v = but(FORWARD_LINES, **wrong)(X=X, t=np.asarray(t), W1=W1, b1=b1, W2=W2, b2=b2)
        return {name: getattr(v, name) for name in FORWARD_LINES}
    return network_forward


def _network_backward(**wrong):
    """network_backward as a student with the `wrong` lines of BACKWARD_LINES writes it."""
    def network_backward(X, t, W1, b1, W2, b2, values):
        v = but(BACKWARD_LINES, **wrong)(X=X, t=np.asarray(t), W1=W1, b1=b1, W2=W2, b2=b2,
                                         **values)
        return {name: getattr(v, name) for name in BACKWARD_LINES}
    return network_backward


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


#: How the passes compute each array (never shown in a ✘: see `_runner`).
FORWARD_FORMULAS = dict(z1="X W₁ + b₁", h="tanh(z₁)", z2="h W₂ + b₂",
                        logp="the log softmax of each row of z₂",
                        E="the mean over the samples of −logp[n, tₙ]",
                        code="-np.mean(logp[np.arange(len(X)), t])")
BACKWARD_FORMULAS = dict(z2_bar="(softmax(z₂) − onehot(t))/N", W2_bar="hᵀ z̄₂",
                         b2_bar="Σₙ z̄₂", h_bar="z̄₂ W₂ᵀ", z1_bar="h̄·(1 − h²)",
                         W1_bar="Xᵀ z̄₁", b1_bar="Σₙ z̄₁",
                         code="h_bar * (1 - h ** 2), z2_bar @ W2.T, h.T @ z2_bar, X.T @ z1_bar")

FORWARD_MISTAKES = [
    Mistake("z1-no-b1", _network_forward(z1=lambda v: v.X @ v.W1),
            "the bias b₁ is missing from z₁."),
    Mistake("h-sigmoid", _network_forward(h=lambda v: _sigmoid(v.z1)),
            "σ instead of tanh: this network's hidden units are tanh units."),
    Mistake("h-relu", _network_forward(h=lambda v: np.maximum(v.z1, 0)),
            "relu instead of tanh: this network's hidden units are tanh units."),
    Mistake("h-missing", _network_forward(h=lambda v: v.z1),
            "h equals z₁: the hidden units' tanh is missing."),
    Mistake("z2-no-b2", _network_forward(z2=lambda v: v.h @ v.W2),
            "the bias b₂ is missing from z₂."),
    Mistake("z2-from-z1", _network_forward(z2=lambda v: v.z1 @ v.W2 + v.b2),
            "z₂ is computed from z₁: the output layer reads the hidden units' outputs, after "
            "their tanh."),
    Mistake("logp-unstable", _network_forward(logp=lambda v: np.log(_naive_softmax(v.z2))),
            "nan or inf where the logits are large: use a stable log softmax (exercise 1)."),
    Mistake("logp-softmax", _network_forward(logp=lambda v: _softmax(v.z2)),
            "those are the probabilities, between 0 and 1, not their logs."),
    Mistake("E-sum", _network_forward(
        E=lambda v: -np.sum(v.logp[np.arange(len(v.X)), v.t])),
            "that is the sum of the losses, N times too large: the cost is their mean."),
    Mistake("E-sign", _network_forward(
        E=lambda v: np.mean(v.logp[np.arange(len(v.X)), v.t])),
            "a negative cost: the loss is minus the log-probability of the true class, ≥ 0."),
    Mistake("E-every-class", _network_forward(E=lambda v: -np.mean(v.logp)),
            "the mean over every class: each sample's loss reads only its true class's "
            "log-probability."),
    Mistake("E-per-sample", _network_forward(E=lambda v: -v.logp[np.arange(len(v.X)), v.t]),
            "those are the N per-sample losses: E is one number, their mean."),
]

BACKWARD_MISTAKES = [
    Mistake("z2_bar-no-1-over-N", _network_backward(
        z2_bar=lambda v: v.z2_bar * len(v.X)),
            "z̄₂ is N times too large: E is the mean of N losses (exercise 2)."),
    Mistake("z2_bar-no-one-hot", _network_backward(
        z2_bar=lambda v: np.exp(v.logp) / len(v.X)),
            "the true class's message is missing from z̄₂ (exercise 2)."),
    Mistake("z2_bar-sigmoid-slope", _network_backward(
        z2_bar=lambda v: v.z2_bar * np.exp(v.logp) * (1 - np.exp(v.logp))),
            "an extra σ'-like factor p(1 − p): with softmax and cross-entropy z̄₂ has none, "
            "that is the point of pairing them (exercise 2)."),
    Mistake("W2_bar-transposed", _network_backward(W2_bar=lambda v: v.z2_bar.T @ v.h),
            "the transpose is on the wrong side: W̄₂ must have W₂'s shape, H × K."),
    Mistake("W2_bar-from-z1", _network_backward(W2_bar=lambda v: v.z1.T @ v.z2_bar),
            "W̄₂ is built from z₁: which array does W₂ multiply in the forward pass?"),
    Mistake("W2_bar-over-N", _network_backward(W2_bar=lambda v: v.h.T @ v.z2_bar / len(v.X)),
            "divided by N a second time: the 1/N is already in z̄₂."),
    Mistake("b2_bar-not-summed", _network_backward(b2_bar=lambda v: v.z2_bar),
            "b̄₂ has one entry per sample and class: b₂ was added to every row, so its bar "
            "gathers the messages of all the rows, and has b₂'s shape (K,)."),
    Mistake("b2_bar-mean", _network_backward(b2_bar=lambda v: v.z2_bar.mean(axis=0)),
            "a mean over the samples: the 1/N is already in z̄₂."),
    Mistake("h_bar-transposed", _network_backward(h_bar=lambda v: v.W2 @ v.z2_bar.T),
            "the transpose is on the wrong side: h̄ must have h's shape, N × H."),
    Mistake("h_bar-is-z1_bar", _network_backward(h_bar=lambda v: v.h_bar * (1 - v.h ** 2)),
            "h̄ has tanh's slope in it already: that local derivative belongs to the next bar, "
            "z̄₁."),
    Mistake("z1_bar-no-slope", _network_backward(z1_bar=lambda v: v.h_bar),
            "z̄₁ equals h̄: a factor of the chain rule is missing, tanh's local derivative."),
    Mistake("z1_bar-sigmoid-slope", _network_backward(z1_bar=lambda v: v.h_bar * v.h * (1 - v.h)),
            "h(1 − h) is the slope of a sigmoid, but these hidden units are tanh units: what "
            "is the derivative of tanh?"),
    Mistake("z1_bar-slope-at-h", _network_backward(
        z1_bar=lambda v: v.h_bar * (1 - np.tanh(v.h) ** 2)),
            "tanh's slope is evaluated at the wrong point, at h, which is tanh's output "
            "already."),
    Mistake("W1_bar-transposed", _network_backward(W1_bar=lambda v: v.z1_bar.T @ v.X),
            "the transpose is on the wrong side: W̄₁ must have W₁'s shape, D × H."),
    Mistake("W1_bar-from-h_bar", _network_backward(W1_bar=lambda v: v.X.T @ v.h_bar),
            "W̄₁ starts from the wrong bar, h̄: W₁ enters through z₁, before the tanh."),
    Mistake("b1_bar-not-summed", _network_backward(b1_bar=lambda v: v.z1_bar),
            "b̄₁ has one entry per sample and unit: b₁ was added to every row, so its bar has "
            "b₁'s shape (H,)."),
    Mistake("b1_bar-over-units", _network_backward(b1_bar=lambda v: v.z1_bar.sum(axis=1)),
            "summed over the hidden units (axis 1): b₁ has one entry per unit; it was copied "
            "to every sample."),
]


@check(NOTEBOOK, "the network's forward pass",
       refuses=_the_passes_refused,
       solution=_engine_forward, configurations=NETWORKS, make=_make_forward,
       returns=("values",), crash_hints=CRASH_HINTS,
       formulas={f"values[{name!r}]": formula for name, formula in FORWARD_FORMULAS.items()},
       mistakes=FORWARD_MISTAKES,
       success=f"z₁, h, z₂, logp and E equal the engine's forward values on {len(NETWORKS)} "
               "networks, among them 3 classes from 4 inputs and logits near ±1000.")
def check_classifier_forward(network_forward):
    """`network_forward(X, t, W1, b1, W2, b2)` -> {"z1", "h", "z2", "logp", "E"}."""


@check(NOTEBOOK, "the network's backward pass",
       refuses=_the_passes_refused, exact=True,
       solution=_engine_backward, configurations=NETWORKS, make=_make_backward,
       returns=("bars",), crash_hints=CRASH_HINTS,
       formulas={f"bars[{name!r}]": formula for name, formula in BACKWARD_FORMULAS.items()},
       mistakes=BACKWARD_MISTAKES,
       success=f"all seven bars, z̄₂, W̄₂, b̄₂, h̄, z̄₁, W̄₁, b̄₁, equal the engine's on "
               f"{len(NETWORKS)} networks, each with the shape of its value.")
def check_classifier_backward(network_backward):
    """`network_backward(X, t, W1, b1, W2, b2, values)` -> the seven bars, as the engine's."""


# -- exercise 5: one epoch of mini-batch gradient descent ---------------------------------------

#: The epochs tried: samples, batch size, rate, the generator's seed (never 0: a generator of
#: the student's own, seeded 0, must not agree by chance).
EPOCHS = [
    dict(label="10 samples, batches of 4 (the last of 2), η = 0.5", N=10, B=4, rate=0.5, seed=7),
    dict(label="9 samples, batches of 3, η = 0.2", N=9, B=3, rate=0.2, seed=8),
    dict(label="6 samples, batches of 1, η = 0.1", N=6, B=1, rate=0.1, seed=9),
    dict(label="7 samples in one batch of 7, η = 1", N=7, B=7, rate=1.0, seed=10),
    dict(label="8 samples, batches of 3, η = 0.5, with the passes of another cost (E plus "
         "weight decay) as `forward` and `backward`", N=8, B=3, rate=0.5, seed=15, decay=True),
]

DECAY = 0.05   # λ of the other cost, E + ½λ(ΣW₁² + ΣW₂²)


def _decayed_forward(X, t, W1, b1, W2, b2):
    """The forward pass of another cost, E plus weight decay: passes the student did not write,
    handed over so that a loop that ignores its passes shows."""
    values = _forward(X, t, W1, b1, W2, b2)
    return values | {"E": values["E"] + 0.5 * DECAY * (np.sum(W1 ** 2) + np.sum(W2 ** 2))}


def _decayed_backward(X, t, W1, b1, W2, b2, values):
    bars = _backward(X, t, W1, b1, W2, b2, values)
    return bars | {"W1_bar": bars["W1_bar"] + DECAY * W1, "W2_bar": bars["W2_bar"] + DECAY * W2}


def _passes(c: dict) -> tuple:
    return (_decayed_forward, _decayed_backward) if c.get("decay") else (_forward, _backward)


def _make_epoch(c: dict) -> tuple:
    n = network(dict(N=c["N"], D=5, H=4, K=3, seed=c["seed"], scale=1.0))
    return (n.X, n.t, n.params, c["rate"], c["B"], np.random.default_rng(c["seed"]),
            *_passes(c))


def _epoch(order=None, rate=None, steps=None, batches=_batches, labels_in_order=False,
           start_values=False, divide=False):
    """One epoch with a mistake: another order, rate, number of steps or batches, labels left
    in order, every step's passes at the starting parameters, bars divided by the batch."""
    def sgd_epoch(X, t, params, learning_rate, batch_size, rng, forward, backward):
        start = params
        chosen = rng.permutation(len(X)) if order is None else order(rng, len(X))
        for k, rows in enumerate(batches(len(X), batch_size, chosen)):
            if steps is not None and k == steps:
                break
            at = start if start_values else params
            labels = t[np.sort(rows)] if labels_in_order else t[rows]
            values = forward(X[rows], labels, **at)
            bars = backward(X[rows], labels, **at, values=values)
            step = (learning_rate if rate is None else rate) / (len(rows) if divide else 1)
            params = {name: value - step * bars[name + "_bar"]
                      for name, value in params.items()}
        return params
    return sgd_epoch


def _whole_batches(n, size, order):
    yield from (order[s:s + size] for s in range(0, n - size + 1, size))


EPOCH_MISTAKES = [
    Mistake("own-passes", lambda X, t, p, r, b, rng, f, g: _sgd_epoch(X, t, p, r, b, rng, _forward,
                                                                      _backward),
            "your epoch did not use the passes it is handed: here `forward` and `backward` are "
            "those of another cost, and your steps are those of the notebook's cost. Call the "
            "two passes the epoch receives as arguments."),
    Mistake("no-shuffle", _epoch(order=lambda rng, n: np.arange(n)),
            "the samples are taken in their stored order: an epoch visits them in a shuffled "
            "order, drawn from the generator you are given."),
    Mistake("own-generator", _epoch(order=lambda rng, n: np.random.default_rng(0).permutation(n)),
            "another shuffle than the generator you are given makes: the order must come from "
            "`rng`, so that the epochs differ and the run can be repeated."),
    Mistake("labels-not-shuffled", _epoch(labels_in_order=True),
            "the labels do not travel with their samples: the rows of X and of t must be "
            "picked with the same indices."),
    Mistake("last-batch-dropped", _epoch(batches=_whole_batches),
            "the last, smaller batch is missing: every sample is used once per epoch."),
    Mistake("one-step", _epoch(steps=1),
            "only one step was taken: an epoch takes one step per batch."),
    Mistake("fixed-rate", _epoch(rate=0.1),
            "that is the epoch of η = 0.1: use the `learning_rate` argument."),
    Mistake("uphill", lambda X, t, p, r, b, rng, f, g: _epoch()(X, t, p, -r, b, rng, f, g),
            "a step uphill, along the bars: gradient descent goes against them."),
    Mistake("divided-by-batch", _epoch(divide=True),
            "the steps are too short: the bars are already the mean over the batch (the "
            "backward pass's 1/N), so do not divide them again."),
    Mistake("stale-parameters", _epoch(start_values=True),
            "every step's passes ran at the starting parameters: each batch must see the "
            "parameters the step before left."),
    Mistake("start-returned", lambda X, t, p, r, b, rng, f, g: dict(p),
            "the parameters are unchanged: return the parameters after the last step."),
]


@check(NOTEBOOK, "one epoch of mini-batch gradient descent",
       refuses=lambda: (("reference.sgd_epoch", _sgd_epoch), *_tables_and_factories()),
       solution=_sgd_epoch, configurations=EPOCHS, make=_make_epoch,
       returns=("the new params",), mistakes=EPOCH_MISTAKES, crash_hints=LOOP_HINTS,
       formulas={"the step": "value - learning_rate * bars[name + '_bar']",
                 "the order": "rng.permutation(len(X))"}, same_inputs_twice=False,
       success=f"your epoch takes the same steps as the reference on {len(EPOCHS)} epochs: "
               "shuffled by the generator it is given, one step per batch (the last one "
               "smaller), batches of 1 and the full batch included.")
def check_sgd_epoch(sgd_epoch):
    """`sgd_epoch(X, t, params, learning_rate, batch_size, rng, forward, backward)` -> params."""


# -- exercise 6: gradient accumulation, PyTorch's convention -------------------------------------

ACCUMULATIONS = [
    dict(label="10 samples in micro-batches of 4 (the last of 2)", N=10, m=4, seed=11),
    dict(label="9 samples in micro-batches of 3", N=9, m=3, seed=12),
    dict(label="5 samples in micro-batches of 1", N=5, m=1, seed=13),
    dict(label="6 samples in one micro-batch of 6", N=6, m=6, seed=14),
    dict(label="7 samples in micro-batches of 3, with the passes of another cost (E plus weight "
         "decay) as `forward` and `backward`", N=7, m=3, seed=16, decay=True),
]


class _Buffers(dict):
    """The `.grad` buffers handed in, remembering their arrays: an update in place keeps them
    (as PyTorch's .grad), `grad[name] = ...` puts new ones in their place."""
    arrays: dict


class _Watched:
    """A backward pass that remembers the most rows it was called on: accumulation exists
    to hold one micro-batch at a time."""

    def __init__(self, backward):
        self.backward, self.most_rows = backward, 0

    def __call__(self, X, *args, **kwargs):
        self.most_rows = max(self.most_rows, len(X))
        return self.backward(X, *args, **kwargs)


def _in_place(args, returned) -> str | None:
    """The judge of accumulation: at most a micro-batch per backward pass, and every buffer
    still the array the caller handed in."""
    micro_batch, backward = args[4], args[6]
    if getattr(backward, "most_rows", 0) > micro_batch:
        return (f"`backward` ran on {backward.most_rows} rows at once, with micro-batches of "
                f"{micro_batch}: accumulation is there for a batch too big for one pass, so each "
                "pass may see one micro-batch only, and the buffers add up their shares.")
    grad = args[3]
    new = [name for name, array in getattr(grad, "arrays", {}).items()
           if grad.get(name) is not array]
    if new:
        return (f"grad[{new[0]!r}] is a new array, not the buffer you were handed: a caller "
                "that holds the buffers (PyTorch's optimiser holds .grad) never sees it. Change "
                "the arrays themselves, in place (`buffer[...] = 0`, `buffer += ...`).")
    return None


def _make_accumulation(c: dict) -> tuple:
    """The data, parameters and `.grad` buffers as after an earlier step: they still hold the
    gradient at other parameters, as PyTorch's do until zero_grad()."""
    n = network(dict(N=c["N"], D=5, H=4, K=3, seed=c["seed"], scale=1.0))
    old = network(dict(N=c["N"], D=5, H=4, K=3, seed=c["seed"] + 50, scale=1.0)).params
    stale = _backward(n.X, n.t, **old, values=_forward(n.X, n.t, **old))
    grad = _Buffers({name: stale[name + "_bar"].copy() for name in PARAMS})
    grad.arrays = dict(grad)
    forward, backward = _passes(c)
    return (n.X, n.t, n.params, grad, c["m"], forward, _Watched(backward))


def _accumulation(zero=True, weight=lambda rows, n, count: len(rows) / n, replace=False,
                  batches=_batches, first_only=False):
    """Accumulation with a mistake: no zero_grad, another weight per micro-batch, `=` instead
    of `+=`, other micro-batches."""
    def accumulate_gradient(X, t, params, grad, micro_batch, forward, backward):
        if zero:
            for buffer in grad.values():
                buffer[...] = 0.0
        chosen = list(batches(len(X), micro_batch, np.arange(len(X))))
        for rows in chosen[:1] if first_only else chosen:
            bars = backward(X[rows], t[rows], **params,
                            values=forward(X[rows], t[rows], **params))
            for name, buffer in grad.items():
                share = weight(rows, len(X), len(chosen)) * bars[name + "_bar"]
                if replace:
                    buffer[...] = share
                else:
                    buffer += share
    return accumulate_gradient


ACCUMULATION_MISTAKES = [
    Mistake("own-passes", lambda X, t, p, grad, m, f, g: _accumulate_gradient(
        X, t, p, grad, m, _forward, _backward),
            "the buffers hold the notebook's cost's gradient, not that of the passes you are "
            "handed: here `forward` and `backward` are another cost's. Call the two passes the "
            "function receives as arguments."),
    Mistake("no-zero-grad", _accumulation(zero=False),
            "the buffers still hold the last step's gradient, with this one added on top: "
            "like PyTorch's .grad they add up across calls until you zero them."),
    Mistake("not-weighted", _accumulation(weight=lambda rows, n, count: 1.0),
            "the sum of the micro-batches' mean gradients: each is the mean over its own rows, "
            "so adding them counts the gradient once per micro-batch."),
    Mistake("mean-of-micro-batches", _accumulation(weight=lambda rows, n, count: 1 / count),
            "every micro-batch weighs the same: a smaller last micro-batch holds fewer samples "
            "and must count for fewer."),
    Mistake("assigned-not-added", _accumulation(replace=True),
            "only the last micro-batch's share is left: each micro-batch replaced the one "
            "before instead of adding to it."),
    Mistake("divided-by-N", _accumulation(weight=lambda rows, n, count: 1 / n),
            "every micro-batch's mean gradient is divided by the number of samples N, whatever "
            "the micro-batch holds: how much of the full batch is one micro-batch?"),
    Mistake("first-only", _accumulation(first_only=True),
            "only the first micro-batch's share: add the share of every micro-batch."),
    Mistake("last-dropped", _accumulation(batches=_whole_batches),
            "the last, smaller micro-batch is missing: every sample must reach the buffers."),
    Mistake("zeroed-only", _accumulation(weight=lambda rows, n, count: 0.0),
            "the buffers hold zeros: they were zeroed, but the micro-batches' bars never "
            "reached them. Add into the arrays of `grad` in place (a new dict or new arrays "
            "bound to a name inside the function do not reach the caller)."),
    Mistake("buffers-untouched", lambda X, t, p, grad, m, f, g: None,
            "the buffers are as they were: change them in place, as PyTorch's .grad is "
            "(a new dict or new arrays bound to a name inside the function do not reach the "
            "caller)."),
]


@check(NOTEBOOK, "gradient accumulation with zero_grad",
       refuses=lambda: (("reference.accumulate_gradient", _accumulate_gradient),
                        ("reference.sgd_epoch", _sgd_epoch),     # the epoch that 09 binds
                        *_tables_and_factories()),
       solution=_accumulate_gradient, configurations=ACCUMULATIONS, make=_make_accumulation,
       returns=(), mistakes=ACCUMULATION_MISTAKES, crash_hints=LOOP_HINTS,
       judge=_in_place, judged=(),
       formulas={"a share": "len(rows) / len(X) * bars[name + '_bar']"},
       success=f"after your call the buffers hold the full batch's gradient on "
               f"{len(ACCUMULATIONS)} batches, whatever they held before: zeroed first, then "
               "every micro-batch added with its share of the samples.")
def check_accumulate_gradient(accumulate_gradient):
    """`accumulate_gradient(X, t, params, grad, micro_batch, forward, backward)`: fills grad."""

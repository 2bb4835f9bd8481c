"""Checks of notebooks 07-08: training the lecture's network on XOR, and the cost of gradients.

The checks build the same 2-H-1 network as notebook 07 with the reference engine (the four XOR
samples as constants, weights drawn by `np.random.default_rng(seed)`, biases 0, cost = the mean
of the per-sample losses ½(y − t)²) and judge the student's answer by what it does to it.
"""
from __future__ import annotations

import numbers
from types import SimpleNamespace

import numpy as np

from ..engine import OPERATIONS, Node, add, matmul, sigmoid
from ..lecture import half_squared_error
from ._verdict import call_student, check, correct, fmt, stop, wrong

__all__ = ["check_update_step", "check_training_setup", "check_forward_evaluations"]

#: The lecture's training set: (0,1)→1, (1,1)→0, (0,0)→0, (1,0)→1.
X = np.array([[0, 1], [1, 1], [0, 0], [1, 0]], dtype=float)
T = np.array([[1], [0], [0], [1]], dtype=float)

EPOCHS = 1000        # the training budget of notebook 07
SEEDS = range(6)     # the random starts the setup check tries
LEARNED = 0.25       # learned: every output within 0.25 of its label (so all four correct)


def xor_network(hidden: int, seed: int = 0) -> SimpleNamespace:
    """Notebook 07's network: W1 (2×H), b1 (H), W2 (H×1), b2 (1), the outputs y and the cost E."""
    rng = np.random.default_rng(seed)
    W1 = Node(rng.normal(size=(2, hidden)), name="W1")
    b1 = Node(np.zeros(hidden), name="b1")
    W2 = Node(rng.normal(size=(hidden, 1)), name="W2")
    b2 = Node(np.zeros(1), name="b2")
    z1 = add(matmul(X, W1), b1, name="z1")
    h = sigmoid(z1, name="h")
    z2 = add(matmul(h, W2), b2, name="z2")
    y = sigmoid(z2, name="y")
    L = half_squared_error(y, T, name="L")
    E = OPERATIONS["mean"](L, name="E")
    return SimpleNamespace(params=[W1, b1, W2, b2], z2=z2, y=y, E=E)


# --------------------------------------------------------------------------------------------
# Notebook 07, exercise 1: the update step
# --------------------------------------------------------------------------------------------

def _moved(node, before) -> bool:
    return np.shape(node.value) != before.shape or not np.array_equal(node.value, before)


@check
def check_update_step(update_step):
    """`update_step(params, learning_rate)`: every p.value becomes p.value − learning_rate·p.bar.

    Tried on the XOR network after one forward and backward pass, then on the lecture's w and b.
    """
    net = xor_network(3, seed=1)
    lecture = SimpleNamespace(w=Node(0.5, name="w"), b=Node(0.1, name="b"))
    lecture_L = half_squared_error(sigmoid(lecture.w * 2.0 + lecture.b), 1.0)
    for params, output, rate in ((net.params, net.E, 0.5), ([lecture.w, lecture.b], lecture_L, 2.0)):
        output.forward()
        output.backward()
        values = [p.value.copy() for p in params]
        bars = [p.bar.copy() for p in params]
        returned = call_student(update_step, list(params), rate)
        _judge_step(params, values, bars, rate, returned)
    return correct("every parameter moved against its bar, p.value − η·p.bar, on the XOR network "
                   "(W1, b1, W2, b2) and on the lecture's w and b; the bars stayed as the "
                   "backward pass left them.")


def _judge_step(params, values, bars, rate, returned):
    names = ", ".join(p.name for p in params)
    for p, bar in zip(params, bars):
        if p.bar is None or np.shape(p.bar) != bar.shape or not np.allclose(p.bar, bar):
            _judge_changed_bar(p, bar, params, values)
    for p, value, bar in zip(params, values, bars):      # the first parameter that moved wrongly
        if _moved(p, value):
            _judge_value(p, value, bar, rate)
    unchanged = [p.name for p, v in zip(params, values) if not _moved(p, v)]
    if len(unchanged) == len(params):
        if returned is not None:
            stop(wrong(f"no parameter changed: your function returned something, but the nodes "
                       f"{names} still hold their old values. The next forward pass reads "
                       "p.value, so assign it: `p.value = p.value - learning_rate * p.bar`."))
        stop(wrong(f"no parameter changed ({names} all hold their old values). Did you compute "
                   "the new value into a local variable without storing it? Assign it: "
                   "`p.value = p.value - learning_rate * p.bar`."))
    if unchanged:
        only_first = len(unchanged) == len(params) - 1 and params[0].name not in unchanged
        why = (" Only the first one moved: is there a `return` inside your loop? It ends the "
               "function after the first parameter." if only_first else "")
        stop(wrong(f"{', '.join(unchanged)} did not change, while the other parameters did.{why} "
                   "Every weight and every bias is a coordinate of the gradient (one coordinate "
                   "for each weight/bias in all the layers): update all of `params`."))


def _judge_changed_bar(p, bar, params, values):
    if not any(_moved(q, v) for q, v in zip(params, values)):
        stop(wrong(f"{p.name}.bar changed but no parameter's value did: you updated the "
                   f"bars instead of the values. The bar is the gradient the backward "
                   f"pass computed; the parameter is .value: "
                   f"`p.value = p.value - learning_rate * p.bar`."))
    if p.bar is None or np.shape(p.bar) == bar.shape and not np.any(p.bar):
        stop(wrong(f"your step {'set ' + p.name + '.bar to None' if p.bar is None else 'zeroed ' + p.name + '.bar'}"
                   ": leave the bars as the backward pass left them (the stepper and the "
                   "gradient check read them). There is nothing to reset: unlike PyTorch's "
                   "`.grad`, the engine recomputes every bar from scratch in each backward pass."))
    where, was, now = _first_difference(p.bar, bar, f"{p.name}.bar")
    stop(wrong(f"your step changed {p.name}.bar ({where} was {was}, is now {now}): an "
               "in-place operation such as `p.bar *= learning_rate` or `g = p.bar; g -= ...` "
               "changes the bar array itself, and in the engine one array can be shared by "
               "several nodes. Read the bars, do not modify them: compute a new array, "
               "`p.value = p.value - learning_rate * p.bar`."))


def _first_difference(got, want, name):
    """(`name[i, j]`, want, got) at the first entry where got and want differ."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    close = np.isclose(got, want, rtol=1e-9, atol=1e-12)
    index = tuple(int(i) for i in np.argwhere(~close)[0]) if not close.all() else ()
    where = f"{name}[{', '.join(map(str, index))}]" if index else name
    return where, fmt(want[index]), fmt(got[index])


def _judge_value(p, value, bar, rate):
    got, want = p.value, value - rate * bar
    if got.shape != want.shape:
        stop(wrong(f"{p.name} has shape {got.shape} after the step, expected {want.shape}: "
                   "the step must keep each parameter's shape (its bar has the same shape)."))
    if np.allclose(got, want, rtol=1e-9, atol=1e-12):
        return
    mistakes = [
        (value + rate * bar, "that is p.value + η·p.bar: a step uphill, along the gradient. "
                             "Gradient descent steps against it: subtract."),
        (value - bar, "that is p.value − p.bar: the learning rate is missing."),
        (value - rate * value, "that is p.value − η·p.value: the step uses the bar (the "
                               "gradient), not the value."),
        (-rate * bar, "that is only the step −η·p.bar: add it to the old value."),
        (rate * bar, "that is η·p.bar alone: the new value is the old value minus that step."),
        (value - rate * bar * value, "that is p.value − η·p.bar·p.value: the step is η·p.bar, "
                                     "not multiplied by the value."),
        (value - bar / rate, "that divides by the learning rate; multiply by it."),
        (value - rate * bar * rate, "the learning rate is applied twice."),
    ]
    hint = next((text for result, text in mistakes
                 if not np.allclose(result, want) and np.allclose(got, result)), None)
    if hint is None:
        hint = _fixed_rate_hint(got, value, bar, rate)
    if hint is None and value.size > 1 and np.allclose(got - value, (got - value).flat[0]):
        hint = (f"your step moves every entry of {p.name} by the same amount: each entry moves "
                f"by its own entry of the bar (p.bar has the shape of p), η·p.bar entry by entry.")
    where, want_change, got_change = _first_difference(got - value, want - value, p.name)
    stop(wrong(f"{p.name} moved by the wrong step (η = {rate:g}): {where} should change by "
               f"−η·{where.replace(p.name, p.name + '.bar', 1)} = {want_change}, got "
               f"{got_change}; {hint or 'the new value is p.value − η·p.bar.'}"))


def _fixed_rate_hint(got, value, bar, rate):
    """A step c·p.bar with the same c everywhere but c ≠ η: a learning rate of one's own."""
    big = np.abs(bar) > 1e-12
    if not big.any():
        return None
    c = (value - got)[big] / bar[big]
    if np.allclose(c, c[0], rtol=1e-6) and not np.isclose(c[0], rate) \
            and np.allclose(got, value - c[0] * bar, rtol=1e-9, atol=1e-12):
        return (f"your step is {c[0]:g}·p.bar, not η·p.bar with η = {rate:g}: use the "
                "`learning_rate` argument, not a number of your own.")
    return None


# --------------------------------------------------------------------------------------------
# Notebook 07, exercise 2: a learning rate and a hidden size
# --------------------------------------------------------------------------------------------

def _sigma_prime_mean(z) -> float:
    s = 0.5 * (1.0 + np.tanh(0.5 * z))
    return float(np.mean(s * (1 - s)))


def train_xor(learning_rate: float, hidden: int, seed: int, epochs: int = EPOCHS,
              stop_when_learned: bool = True) -> SimpleNamespace:
    """Full-batch gradient descent on the XOR network; the costs per epoch and how it ended."""
    net = xor_network(hidden, seed)
    start_slope = None
    costs = []
    for epoch in range(epochs):
        net.E.forward()
        costs.append(float(net.E.value))
        if start_slope is None:
            start_slope = _sigma_prime_mean(net.z2.value)
        if stop_when_learned and np.all(np.abs(net.y.value - T) < LEARNED):
            break
        net.E.backward()
        for p in net.params:
            p.value = p.value - learning_rate * p.bar
    net.E.forward()
    costs.append(float(net.E.value))
    correct_count = int(np.sum((net.y.value > 0.5) == (T > 0.5)))
    return SimpleNamespace(costs=costs, learned=bool(np.all(np.abs(net.y.value - T) < LEARNED)),
                           correct=correct_count, epochs=len(costs) - 1, seed=seed,
                           start_slope=start_slope, end_slope=_sigma_prime_mean(net.z2.value))


def _as_number(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        stop(wrong(f"the {what} should be a number, got {type(value).__name__} {value!r}."))
    return value


@check
def check_training_setup(choose_setup):
    """`choose_setup()` returns (learning_rate, hidden_size); the check trains with them.

    From each of the random starts SEEDS, full-batch gradient descent for EPOCHS epochs must
    bring every output within LEARNED of its label. A failure is explained by what happened.
    """
    result = call_student(choose_setup)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = "None" if result is None else (f"{len(result)} value{'s' * (len(result) != 1)}"
                                             if isinstance(result, (tuple, list)) else repr(result))
        stop(wrong(f"`choose_setup` should return two values, (learning_rate, hidden_size); "
                   f"got {got}."))
    rate, hidden = _as_number(result[0], "learning rate"), _as_number(result[1], "hidden size")
    if not np.isfinite(rate) or rate <= 0:
        stop(wrong(f"learning rate {rate}: it must be a positive number. With η ≤ 0 a step goes "
                   "uphill or nowhere: w ← w − η·w̄ only descends for η > 0."))
    if int(hidden) != hidden or hidden < 1:
        swapped = (" Did you swap the two? The order is (learning_rate, hidden_size)."
                   if rate >= 1 and int(rate) == rate else "")
        stop(wrong(f"hidden size {hidden}: it must be a whole number of units, at least 1."
                   + swapped))
    hidden = int(hidden)
    if hidden > 512:
        stop(wrong(f"hidden size {hidden}: far more than XOR needs (4 samples); choose at most "
                   "512 so the check runs quickly."))
    if hidden == 1:
        stop(wrong("one hidden unit cannot do it, whatever the learning rate. The output "
                   "σ(w2·h + b2) with h = σ(w1·x + b1) only grows or shrinks along the single "
                   "direction w1·x, so its decision boundary is still one straight line, like the "
                   "single sigmoid unit's, and no line separates XOR. You need at least 2."))
    runs = []
    for seed in SEEDS:
        run = train_xor(rate, hidden, seed)
        runs.append(run)
        if not run.learned and hidden != 2:
            break
    failed = [run for run in runs if not run.learned]
    if not failed:
        slowest = max(run.epochs for run in runs)
        return correct(f"η = {rate:g} with {hidden} hidden units learns XOR from all "
                       f"{len(runs)} random starts (seeds {SEEDS[0]}–{SEEDS[-1]}), all four "
                       f"samples right, within {slowest} of the {EPOCHS} epochs.")
    run = failed[0]
    where = (f"from seed {run.seed}, after {run.epochs} epochs the cost is {run.costs[-1]:.4f} "
             f"and {run.correct} of 4 samples are right")
    if run.start_slope < 1e-3:
        stop(wrong(f"{hidden} hidden units is too many for weights drawn with size ~1: {where}. "
                   f"z2 = h·W2 + b2 adds up {hidden} terms, so it is huge from the start; "
                   f"y = σ(z2) sits at 0 or 1, where σ'(z2) ≈ 0 (mean {run.start_slope:.1e}), "
                   "so every bar below y is ≈ 0 and gradient descent cannot move, whatever the "
                   "learning rate. Use fewer hidden units."))
    peak = max(run.costs)
    if peak > run.costs[0] + 0.01:
        stalled = (f" Then the units saturate: y = σ(z2) sits near 0 or 1, where σ'(z2) ≈ 0 "
                   f"(mean {run.end_slope:.1e}), so the bars vanish and training stalls."
                   if run.end_slope < 0.01 else "")
        stop(wrong(f"η = {rate:g} is too large: {where}. The steps overshoot: the cost went up "
                   f"from {run.costs[0]:.4f} to {peak:.4f} on the way.{stalled} Take a smaller "
                   "learning rate."))
    if hidden == 2 and len(failed) < len(runs):
        stop(wrong(f"two hidden units can represent XOR, and learned it from "
                   f"{len(runs) - len(failed)} of {len(runs)} random starts, but {where}: "
                   "gradient descent ended in a flat region it does not leave, a local minimum. "
                   "With only two hidden units there are few ways down; with 3 or 4 every start "
                   "gets there."))
    moved = (f"it started at {run.costs[0]:.4f} and went down steadily, without overshooting"
             if run.costs[0] - run.costs[-1] > 1e-3 else
             f"it barely moved from {run.costs[0]:.4f}")
    if run.start_slope < 0.05:
        why = (f"The output starts out saturated (mean σ'(z2) = {run.start_slope:.2g}, far "
               "below its ¼ at ½), so the bars are small, and small steps on small bars barely "
               "move.")
    elif abs(run.costs[-1] - 0.125) < 0.01:
        why = ("On the plateau near ⅛ every output is close to ½ and the gradient is small, so "
               "small steps barely move.")
    else:
        why = f"Each step, η times the bar, is tiny: {EPOCHS} of them do not get far."
    stop(wrong(f"η = {rate:g} is too small for {EPOCHS} epochs: {where} ({moved}). {why} "
               "Take a larger learning rate."))


# --------------------------------------------------------------------------------------------
# Notebook 08: forward evaluations of finite differences
# --------------------------------------------------------------------------------------------

def _count(value, what):
    if value is None:
        stop(wrong(f"the number of forward evaluations for {what} is None: return a number."))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or int(value) != value:
        stop(wrong(f"the number of forward evaluations for {what} should be a whole number, got "
                   f"{value!r}."))
    return int(value)


@check
def check_forward_evaluations(forward_evaluations):
    """`forward_evaluations(params)` returns (one_sided, central) for the list of parameter
    nodes: P + 1 and 2P forward evaluations, with P the number of parameter entries."""
    first = None
    for hidden in (4, 5):
        params = xor_network(hidden).params
        result = call_student(forward_evaluations, list(params))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            stop(wrong("`forward_evaluations` should return two numbers, (one_sided, central); "
                       f"got {result!r}."))
        counts = (_count(result[0], "one-sided differences"),
                  _count(result[1], "central differences"))
        _judge_counts(params, hidden, *counts, first)
        first = counts
    P = sum(p.value.size for p in xor_network(4).params)
    return correct(f"the 2-4-1 XOR network has P = {P} parameters (8 + 4 + 4 + 1): one-sided "
                   f"differences need P + 1 = {P + 1} forward evaluations, central differences "
                   f"2P = {2 * P}; backprop needs one forward and one backward pass.")


def _judge_counts(params, hidden, one_sided, central, first):
    sizes = " + ".join(f"{p.value.size} ({p.name})" for p in params)
    P = sum(p.value.size for p in params)
    weights = sum(p.value.size for p in params if p.value.ndim == 2)
    nodes = len(params)
    net = f"the 2-{hidden}-1 network, P = {sizes} = {P}"
    if (one_sided, central) == (P + 1, 2 * P):
        return
    if (one_sided, central) == (2 * P, P + 1):
        stop(wrong(f"the two are swapped: one-sided differences need P + 1 = {P + 1} and central "
                   f"differences 2P = {2 * P} ({net})."))
    if (one_sided, central) == first:
        stop(wrong(f"for {net}, expected ({P + 1}, {2 * P}), got ({one_sided}, {central}), the "
                   "same numbers as for the 2-4-1 network: compute P from `params` (the sizes "
                   "of their values), so your answer fits any network."))
    if central > 0 and central % 2 == 0 and one_sided == central // 2 + 1:
        _judge_wrong_P(params, central // 2, net, weights, nodes)
    for count, per, base, what in ((one_sided, 1, 1, "one-sided"), (central, 2, 0, "central")):
        want = per * P + base
        if count == want:
            continue
        formula = "P + 1" if what == "one-sided" else "2P"
        head = f"{what} differences for {net}: expected {formula} = {want}, got {count}"
        if count in (weights * per + base, weights * per + 1 - base) and weights != P:
            stop(wrong(f"{head}. You counted only the weights ({weights}); the biases "
                       f"({P - weights} numbers) are coordinates of the gradient too, each needs "
                       "its own perturbation."))
        if count in (nodes * per + base, nodes * per, nodes * per + 1):
            stop(wrong(f"{head}. You counted parameter nodes ({nodes}), not parameters: every "
                       "entry of W1, b1, W2 and b2 is a coordinate, perturbed on its own "
                       "(p.value.size entries per node)."))
        if what == "one-sided" and count == P:
            stop(wrong(f"{head}: off by one. Each (f(θ + h·e_i) − f(θ)) / h also needs f(θ) "
                       "itself, the unperturbed forward pass (one evaluation, shared by all)."))
        if what == "one-sided" and count == 2 * P:
            stop(wrong(f"{head}. 2P is the count of central differences; the one-sided "
                       "difference needs one shifted evaluation per parameter, plus f(θ) once."))
        if what == "central" and count == 2 * P + 1:
            stop(wrong(f"{head}: off by one. (f(θ + h·e_i) − f(θ − h·e_i)) / 2h never uses the "
                       "unperturbed f(θ): two shifted evaluations per parameter, nothing more."))
        if what == "central" and count == 2 * P + 2:
            stop(wrong(f"{head}, which is 2(P + 1). The + 1 belongs to one-sided differences "
                       "(their f(θ)); central differences never use f(θ): two shifted "
                       "evaluations per parameter, nothing more."))
        if what == "central" and count in (P, P + 1):
            stop(wrong(f"{head}. Central differences shift each parameter both ways, θ + h·e_i "
                       "and θ − h·e_i: two evaluations per parameter."))
        if count in (2 * want, want * want, P * P):
            stop(wrong(f"{head}. One perturbed forward pass gives the whole cost, so each "
                       "parameter needs its own shifted evaluation(s), not one per pair."))
        stop(wrong(f"{head}. Count the evaluations of the cost: one per shift, one shift per "
                   "parameter entry (two for central differences), plus f(θ) once for one-sided."))


def _judge_wrong_P(params, Q, net, weights, nodes):
    """The formulas P + 1 and 2P are right, but with Q instead of the number of entries P."""
    P = sum(p.value.size for p in params)
    rows = sum(len(p.value) for p in params)
    head = (f"your formulas (P + 1, 2P) are right, but your P is {Q}: got ({Q + 1}, {2 * Q}), "
            f"expected ({P + 1}, {2 * P}) for {net}")
    if Q == weights:
        why = (f"You counted only the weights ({weights}); the biases ({P - weights} numbers) are "
               "coordinates of the gradient too, each needs its own perturbation.")
    elif Q == nodes:
        why = (f"You counted parameter nodes ({nodes}), not parameters: every entry of W1, b1, W2 "
               "and b2 is a coordinate, perturbed on its own (p.value.size entries per node).")
    elif Q == rows:
        W = params[0]
        why = (f"You counted rows, len(p.value) ({rows}): {W.name}, a {W.value.shape[0]}×"
               f"{W.value.shape[1]} matrix, has {W.value.size} entries, each a coordinate. "
               "Count entries: p.value.size.")
    else:
        left_out = [p.name for p in params if P - p.value.size == Q]
        why = (f"That is P without {left_out[0]}: count every node of `params`." if left_out else
               "Count the entries of every node: p.value.size, summed over `params`.")
    stop(wrong(f"{head}. {why}"))

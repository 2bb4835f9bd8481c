"""The engine at its edges: no silently wrong number, and a message wherever one is promised."""
import inspect

import numpy as np
import pytest
from test_engine import assert_bars_match_finite_differences

from course_utils import engine, notation
from course_utils.engine import OPERATIONS, Node, exp, log, sigmoid, tanh, topological_order
from course_utils.gradcheck import numerical_bar
from course_utils.lecture import regularised_example
from course_utils.widgets.recording import record_backward

# -- derivatives at the edges -------------------------------------------------------------------


def test_x_to_the_power_0_has_bar_0_also_at_0():
    x = Node([0.0, 2.0], name="x")
    (x ** 0).sum().backward(check_finite=True)
    assert np.array_equal(x.bar, [0.0, 0.0])


def test_x_to_the_power_1_and_2_at_0_keep_their_derivatives():
    x = Node(0.0, name="x")
    (x ** 1).backward()
    assert x.bar == 1.0
    (x ** 2).backward()
    assert x.bar == 0.0


@pytest.mark.parametrize("a", [-30.0, -100.0, -700.0])
def test_log_sigmoid_is_finite_and_exact_far_into_the_left_tail(a):
    x = Node(a, name="x")
    out = log(sigmoid(x))
    out.backward(check_finite=True)
    exact = a - np.log1p(np.exp(a))                      # log σ(a) = a − log(1 + e^a)
    assert float(out.value) == pytest.approx(exact, rel=1e-14)
    assert float(x.bar) == pytest.approx(1 / (1 + np.exp(a)), rel=1e-12)   # 1 − σ(a)


def test_sigmoid_is_accurate_to_the_last_digits_at_minus_30():
    value = float(sigmoid(Node(-30.0)).value)
    assert value == pytest.approx(np.exp(-30.0) / (1 + np.exp(-30.0)), rel=1e-14, abs=0)


def test_sigmoid_saturates_without_warnings(recwarn):
    assert np.array_equal(sigmoid(Node([-1000.0, 0.0, 1000.0])).value, [0.0, 0.5, 1.0])
    assert not recwarn.list


# -- stale values ---------------------------------------------------------------------------------

def test_backward_after_a_leaf_changed_without_forward_is_refused():
    x = Node(1.0, name="x")
    out = exp(x) * x
    x.value = 2.0
    with pytest.raises(RuntimeError, match=r"x changed after .* run forward\(\)"):
        out.backward()
    out.forward()
    out.backward()
    assert float(x.bar) == pytest.approx(np.exp(2.0) * 3.0)       # 22.17, not a mix


def test_a_graph_built_after_a_leaf_changed_is_refused_where_it_is_stale():
    x = Node(1.0, name="x")
    inner = exp(x, name="inner")
    x.value = 2.0
    out = inner * x                       # built from the new x and the old inner
    with pytest.raises(RuntimeError, match="x changed after inner"):
        out.backward()


def test_the_readme_pattern_change_forward_backward_works():
    g = regularised_example(w=0.5)
    g.L_reg.backward()
    g.w.value = 0.7
    g.L_reg.forward()
    g.L_reg.backward()
    fresh = regularised_example(w=0.7)
    fresh.L_reg.backward()
    assert float(g.w.bar) == pytest.approx(float(fresh.w.bar), rel=1e-14)


# -- labels -------------------------------------------------------------------------------------

def test_labels_of_shared_unnamed_subexpressions_stay_short_and_cheap(monkeypatch):
    h = Node(0.5, name="x")
    for _ in range(16):  # each level uses the one below twice: 2**16 copies if spelled out
        h = tanh(h * h)
    visited, spell = [], notation.label

    def counted(node, depth):
        visited.append(node)
        return spell(node, depth)

    monkeypatch.setattr(notation, "label", counted)
    monkeypatch.setattr(engine, "label", counted)
    text = repr(h)
    assert len(visited) <= 1 + 2 + 4 + 8, "a label visits only the three levels it spells out"
    assert len(text) < 200 and "…" in text
    for _ in range(29):  # 45 levels, as deep as the graph that took over 5 s to print
        h = tanh(h * h)
    assert len(repr(h)) == len(text)


@pytest.mark.parametrize("length", [300, 5000])
def test_a_long_unnamed_chain_prints_and_explains_without_recursion_error(length):
    node = Node(np.ones(2), name="v")
    for _ in range(length):
        node = node * 1.0
    assert repr(node).startswith("Node(")
    with pytest.raises(ValueError, match="must be a scalar"):
        node.backward()


def test_short_labels_are_spelled_out():
    w, x = Node(0.5, name="w"), Node(2.0, name="x")
    assert (w * x + 1).label == "(w·x) + 1"
    assert tanh(tanh(tanh(tanh(w)))).label == "tanh((tanh((tanh(…)))))"


# -- axes, shapes, empty arrays -------------------------------------------------------------------

@pytest.mark.parametrize("shape, axis, kind, words", [
    ((3,), 2, ValueError, r"axis 2 is out of range for shape \(3,\); expected an axis from -1"),
    ((2, 3), (0, -2), ValueError, r"axis \(0, -2\) names the same axis twice"),
    ((2, 3), [0, 1], TypeError, r"axis must be .*, got list \[0, 1\]; write axis=\(0, 1\)"),
    ((), 0, ValueError, "a 0-d value .* has no axis 0; leave the axis out"),
    ((2, 3), 1.0, TypeError, "axis must be None, an int or a tuple of ints"),
])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_a_bad_axis_is_named_as_such(shape, axis, kind, words, reduction):
    with pytest.raises(kind, match=f"{reduction}: {words}"):
        getattr(Node(np.ones(shape), name="a"), reduction)(axis=axis)


def test_matmul_with_a_0d_operand_asks_for_1d():
    with pytest.raises(ValueError, match=r"matmul needs at least 1-d operands.*\(\) @ \(3,\)"):
        Node(2.0) @ Node(np.ones(3))


@pytest.mark.parametrize("shape, axis", [((0,), None), ((2, 0), 1)])
def test_the_mean_of_an_empty_array_is_refused(shape, axis):
    with pytest.raises(ValueError, match="mean: nothing to average.*empty array is undefined"):
        Node(np.ones(shape)).mean(axis=axis)


# -- cycles ---------------------------------------------------------------------------------------

def test_a_cycle_made_by_editing_args_is_detected():
    a = Node(1.0, name="a")
    b = a * 2
    b.name = "b"
    c = b + 1
    c.name = "c"
    b.args, b.parents = (c, b.args[1]), (c,)
    for run in (lambda: topological_order(c), c.forward, c.backward):
        with pytest.raises(ValueError, match="cycle, c → b → c"):
            run()


def test_a_node_that_is_its_own_parent_is_a_cycle():
    a = Node(1.0, name="a")
    b = tanh(a, name="b")
    b.args, b.parents = (b,), (b,)
    with pytest.raises(ValueError, match="cycle"):
        topological_order(b)


# -- numpy and Python around nodes ----------------------------------------------------------------

def test_two_to_the_x_has_its_derivative():
    x = Node([0.5, -1.0], name="x")
    out = (2 ** x).sum()
    assert np.allclose(out.value, 2 ** 0.5 + 2 ** -1.0)
    out.backward()
    assert np.allclose(x.bar, 2 ** x.value * np.log(2))
    assert_bars_match_finite_differences(out, [x])
    assert (2 ** x).label == "2^x"


@pytest.mark.parametrize("base", [0, -2.0])
def test_a_base_that_is_not_positive_is_refused(base):
    with pytest.raises(ValueError, match="base of `k \\*\\* x` must be positive"):
        base ** Node(1.0, name="x")


@pytest.mark.parametrize("call, words", [
    (np.exp, r"np.exp does not take a Node \(x\).*write `exp\(x\)` with `from course_utils"),
    (np.tanh, r"write `tanh\(x\)`"),
    (np.sum, r"np.sum .* write `x.sum\(\)`"),
    (np.mean, r"write `x.mean\(\)`"),
    (np.sqrt, r"use `x.value` for its numbers, or build the node from the engine's operations"),
])
def test_numpy_functions_on_a_node_say_what_to_write_instead(call, words):
    with pytest.raises(TypeError, match=words):
        call(Node(np.ones(3), name="x"))


def test_an_unnamed_node_is_called_x_in_what_to_write_instead():
    with pytest.raises(TypeError, match=r"np.exp does not take a Node \(w·2\).*`exp\(x\)`"):
        np.exp(Node(1.0, name="w") * 2)


def test_numpy_numbers_and_arrays_on_the_left_still_give_nodes():
    x = Node(np.ones(3), name="x")
    for out in (np.float64(2.0) * x, np.ones(3) - x, np.ones(3) / x, np.ones((2, 3)) @ x,
                np.ones(3) ** x, np.add(x, 1.0)):
        assert isinstance(out, Node)
    assert np.array_equal((np.arange(3.0) - x).value, [-1.0, 0.0, 1.0])


# -- constants ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, bool])
def test_constants_of_every_dtype_are_copied_when_the_node_is_built(dtype):
    data = np.ones(3, dtype=dtype)
    x = Node([1.0, 2.0, 3.0], name="x")
    out = (x * data).sum()
    data[0] = 0
    out.forward()
    assert float(out.value) == 6.0


def test_a_value_set_later_is_copied_too():
    x = Node(1.0, name="x")
    new = np.array([1.0, 2.0])
    x.value = new
    new[0] = 5.0
    assert np.array_equal(x.value, [1.0, 2.0])


def test_a_read_only_array_that_owns_its_memory_is_kept_without_a_copy():
    data = np.arange(3.0)
    data.setflags(write=False)
    out = Node(np.ones(3), name="x") * data
    assert np.shares_memory(out.args[1], data)


def test_a_read_only_view_of_a_writable_array_is_copied():
    base = np.arange(3.0)
    view = base[:]
    view.setflags(write=False)
    x = Node(np.ones(3), name="x")
    out = (x * view).sum()
    base[0] = 10.0          # the view changes with its base: the graph must not
    out.forward()
    assert float(out.value) == 3.0


# -- bars: plain arrays, each a node's own -----------------------------------------------------

def bars_of(output):
    return [node.bar for node in topological_order(output)]


def assert_bars_are_separate_writable_arrays(bars):
    assert all(isinstance(bar, np.ndarray) and bar.flags.writeable for bar in bars)
    for i, one in enumerate(bars):
        for other in bars[i + 1:]:
            assert not np.shares_memory(one, other)


def test_the_lecture_graph_bars_share_no_memory_and_are_writable():
    g = regularised_example()
    g.L_reg.backward()
    assert_bars_are_separate_writable_arrays(bars_of(g.L_reg))


def test_bars_of_a_broadcast_sum_share_no_memory_and_are_writable():
    a, b = Node(np.ones((2, 3)), name="a"), Node(np.ones(3), name="b")
    out = (a + b).sum()
    out.backward()
    assert_bars_are_separate_writable_arrays(bars_of(out))
    a.bar[0, 0] = 5.0
    assert b.bar[0] == 2.0


def test_recorded_messages_carry_their_argument_index():
    g = regularised_example()
    record = record_backward(g.L_reg)
    steps = {step.node.name: step for step in record}
    assert [(m.child.name, m.index) for m in steps["w"].messages] == [("z", 0), ("R", 0)]
    assert [(m.child.name, m.index) for m in steps["b"].messages] == [("z", 2)]
    assert [(m.child.name, m.index) for m in steps["R"].messages] == [("L_reg", 1)]
    assert float(g.w.bar) == pytest.approx(sum(float(m.product) for m in steps["w"].messages))
    assert float(g.w.bar) == pytest.approx(float(numerical_bar(g.L_reg, g.w)))


def test_the_table_names_message_arguments_as_students_write_them():
    for op in OPERATIONS.values():
        for vjp in op.vjps:
            if vjp is not None:
                assert list(inspect.signature(vjp).parameters)[:2] == ["bar", "out"], op.name
    assert not hasattr(engine, "O")

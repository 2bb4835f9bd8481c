"""The engine on tensors, random cases: every bar against finite differences (no other autodiff)."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_engine import assert_bars_match_finite_differences

from course_utils.engine import Node, exp, sigmoid, tanh

FEW = settings(max_examples=25, deadline=None, derandomize=True)  # the same cases every run


def leaf(shape, seed, name, low=0.5, high=2.0):
    """Entries of size low..high with random signs: away from 0, so division stays smooth."""
    rng = np.random.default_rng(seed)
    return Node(rng.uniform(low, high, size=shape) * rng.choice([-1, 1], size=shape), name=name)


def weighted_sum(out, seed):
    """A scalar that depends on every entry of out with its own weight."""
    return (out * np.random.default_rng(seed).normal(size=out.shape)).sum()


BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b}


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       symbol=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_every_binary_operation_broadcasts_its_bars_back(shapes, symbol, seed):
    a, b = leaf(shapes.input_shapes[0], seed, "a"), leaf(shapes.input_shapes[1], seed + 1, "b")
    out = BINARY[symbol](a, b)
    assert out.shape == shapes.result_shape
    assert_bars_match_finite_differences(weighted_sum(out, seed), [a, b])


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       symbol=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_a_constant_on_either_side_broadcasts_too(shapes, symbol, seed):
    a = leaf(shapes.input_shapes[0], seed, "a")
    c = leaf(shapes.input_shapes[1], seed + 1, "c").value
    assert_bars_match_finite_differences(weighted_sum(BINARY[symbol](a, c), seed)
                                         + weighted_sum(BINARY[symbol](c, a), seed + 2), [a])


def matmul_shapes(rank_a, rank_b, n=2, k=3, m=2):
    """Shapes of every rank 1-4 with batch dimensions that broadcast: (1,) or (2, 1) with (3,)
    or (1, 3)."""
    a = (k,) if rank_a == 1 else (2, 1)[4 - rank_a:] + (n, k)
    b = (k,) if rank_b == 1 else (1, 3)[4 - rank_b:] + (k, m)
    return a, b


@pytest.mark.parametrize("ranks", list(itertools.product([1, 2, 3, 4], repeat=2)), ids=str)
def test_matmul_of_every_rank_combination_matches_finite_differences(ranks):
    shape_a, shape_b = matmul_shapes(*ranks)
    a, b = leaf(shape_a, 1, "a"), leaf(shape_b, 2, "b")
    out = a @ b
    assert out.shape == np.matmul(a.value, b.value).shape
    assert_bars_match_finite_differences(weighted_sum(out, 3), [a, b])


@st.composite
def shapes_and_axes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    n = len(shape)
    one = st.integers(-n, n - 1)
    distinct = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)
    axis = draw(st.one_of(st.none(), one,
                          distinct.flatmap(lambda ks: st.tuples(*[st.sampled_from([k, k - n])
                                                                  for k in ks]))))
    return shape, axis


@FEW
@given(case=shapes_and_axes(), reduction=st.sampled_from(["sum", "mean"]),
       seed=st.integers(0, 2**16))
def test_sum_and_mean_over_any_axis_match_finite_differences(case, reduction, seed):
    shape, axis = case
    a = leaf(shape, seed, "a")
    out = getattr(a, reduction)(axis=axis)
    assert out.shape == getattr(np, reduction)(a.value, axis=axis).shape
    assert_bars_match_finite_differences(weighted_sum(out, seed), [a])


@FEW
@given(shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       k=st.floats(-2.5, 2.5).filter(lambda k: abs(k) > 0.05), seed=st.integers(0, 2**16))
def test_pow_with_any_real_exponent_matches_finite_differences(shape, k, seed):
    a = Node(np.random.default_rng(seed).uniform(0.5, 2.0, size=shape), name="a")
    assert_bars_match_finite_differences(weighted_sum(a ** k, seed), [a])


@FEW
@given(n=st.integers(1, 3), d=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_fan_out_of_tensors_sums_the_messages_of_every_child(n, d, seed):
    X, W, b = leaf((n, d), seed, "X"), leaf((d, d), seed + 1, "W"), leaf((d,), seed + 2, "b")
    h = tanh(X @ W + b)                           # h has four children below, W has two
    out = (h * h).sum() + (h @ W).mean() + sigmoid(h).sum(axis=0) @ b + exp(-h).sum()
    assert_bars_match_finite_differences(out, [X, W, b])


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3), seed=st.integers(0, 2**16))
def test_forward_after_new_leaf_values_gives_the_bars_of_a_fresh_graph(shape, seed):
    def build(a_value, b_value):
        a, b = Node(a_value, name="a"), Node(b_value, name="b")
        return a, b, (tanh(a * b) / (1 + b * b) + a ** 2).mean()

    first, second = leaf(shape, seed, "_"), leaf(shape, seed + 1, "_")
    a, b, out = build(first.value, first.value[::-1])
    out.backward()
    a.value, b.value = second.value, second.value[::-1]
    out.forward()
    out.backward()
    fresh_a, fresh_b, fresh_out = build(second.value, second.value[::-1])
    fresh_out.backward()
    assert float(out.value) == pytest.approx(float(fresh_out.value), rel=1e-12)
    np.testing.assert_allclose(a.bar, fresh_a.bar, rtol=1e-12)
    np.testing.assert_allclose(b.bar, fresh_b.bar, rtol=1e-12)
    assert_bars_match_finite_differences(out, [a, b])

"""Headless tests of the two explorers: their state follows their public controls."""
import re

import ipywidgets
import numpy as np
import pytest

from course_utils.widgets import GradientDescentExplorer, SensitivityExplorer
from course_utils.widgets.explorers import (
    DescentState,
    SensitivityState,
    descent_html,
    sensitivity_html,
)

# -- the sensitivity state: the chain rule in numbers ------------------------------------------


def test_chain_rule_numbers_are_the_product_of_the_local_derivatives():
    n = SensitivityState(g=np.sin, f=np.exp, dg=np.cos, df=np.exp, x=0.7).numbers()
    assert n["dy_dx"] == pytest.approx(np.cos(0.7))
    assert n["dz_dy"] == pytest.approx(np.exp(np.sin(0.7)))
    assert n["dz_dx"] == pytest.approx(np.exp(np.sin(0.7)) * np.cos(0.7))


def test_measured_change_approaches_derivative_times_nudge_for_small_nudges():
    n = SensitivityState(x=0.7, dx=1e-4).numbers()
    assert n["dz"] == pytest.approx(n["dz_dx"] * n["dx"], rel=1e-3)


def test_missing_derivatives_are_computed_numerically():
    n = SensitivityState(g=lambda x: x ** 2, f=lambda y: 3 * y, x=2.0).numbers()
    assert n["dy_dx"] == pytest.approx(4.0, rel=1e-6)
    assert n["dz_dx"] == pytest.approx(12.0, rel=1e-6)


def test_negative_numbers_read_with_a_minus_sign_and_parentheses_as_factors():
    text = sensitivity_html(SensitivityState(x=-1.2, dx=-0.3))
    assert "Δx = −0.3" in text and "0.3624·(−0.3) = −0.1087" in text
    assert "-" not in re.sub(r'style="[^"]*"', "", text)


def test_sensitivity_rejects_a_non_function():
    with pytest.raises(TypeError, match="g: expected a function"):
        SensitivityState(g=3.0)


# -- the descent state: w ← w − η f'(w) --------------------------------------------------------

def test_each_step_is_w_minus_rate_times_slope():
    state = DescentState(rate=0.3, start=2.5, steps=5, step=5)
    path = state.trajectory
    assert np.allclose(path[1:], path[:-1] - 0.3 * 2 * (path[:-1] - 1.0))


def test_good_rate_converges_to_the_minimum():
    state = DescentState(rate=0.1, start=-1.0, steps=40, step=40)
    assert state.converged and not state.diverged
    assert state.w == pytest.approx(1.0, abs=1e-3)


def test_too_large_rate_diverges():
    state = DescentState(rate=1.1, start=-1.0, steps=20, step=20)
    assert state.diverged and not state.converged
    assert abs(state.w - 1.0) > 10 * abs(state.start - 1.0)


def test_too_small_rate_neither_converges_nor_diverges():
    state = DescentState(rate=0.005, start=-1.0, steps=20, step=20)
    assert not state.converged and not state.diverged
    assert -1.0 < state.w < 0.0


def test_a_run_that_blows_up_stops_at_its_last_iterate():
    state = DescentState(rate=3.16, start=-1.0, steps=20, step=20)
    assert state.diverged and len(state.path) - 1 < 20
    assert state.step == len(state.path) - 1
    assert state.w == state.path[-1]
    assert f"step {state.step} of {state.step}:" in descent_html(state)


def test_descent_text_shows_the_update_with_the_states_numbers():
    state = DescentState(rate=0.1, start=-1.0, steps=20, step=0)
    assert "w = −1, f(w) = 4.5, f'(w) = −4" in descent_html(state)
    assert "= −1 − 0.1·(−4) = −0.6" in descent_html(state)


def test_descent_rejects_a_non_positive_rate():
    with pytest.raises(ValueError, match="learning rate must be positive"):
        DescentState(rate=0.0)


# -- the widgets: public controls set the state; text and picture follow ------------------------

def test_both_explorers_are_boxes_of_their_controls_text_and_picture():
    sensitivity, descent = SensitivityExplorer(), GradientDescentExplorer()
    for explorer in (sensitivity, descent):
        assert isinstance(explorer, ipywidgets.VBox) and explorer.widget is explorer
        assert explorer.children[-1] is explorer.shown    # numbers and picture: one message
        assert explorer.shown.value == (f'<div class="bp-numbers">{explorer.html()}</div>'
                                        f'{explorer.picture_html()}')
    assert list(sensitivity.children[0].children) == [sensitivity.x_slider, sensitivity.dx_slider]
    assert list(descent.children[1].children) == [descent.play, descent.step_slider]


def test_x_slider_moves_the_numbers_the_text_and_the_picture():
    explorer = SensitivityExplorer(x=1.0)
    before = (explorer.numbers(), explorer.shown.value)
    explorer.x_slider.value = 2.0
    assert explorer.state.x == 2.0
    assert explorer.numbers()["dz_dx"] != pytest.approx(before[0]["dz_dx"])
    assert explorer.shown.value == explorer.shown_html() != before[1]
    assert sensitivity_html(explorer.state) in explorer.shown.value
    assert explorer.picture_html() in explorer.shown.value
    assert explorer.picture().data == explorer.render()


def test_nudge_slider_changes_the_measured_change_not_the_derivative():
    explorer = SensitivityExplorer(x=1.0, dx=0.1)
    before = explorer.numbers()
    explorer.dx_slider.value = 0.3
    after = explorer.numbers()
    assert after["dx"] == pytest.approx(0.3)
    assert after["dz"] != pytest.approx(before["dz"])
    assert after["dz_dx"] == pytest.approx(before["dz_dx"])


def test_step_slider_extends_the_trajectory():
    explorer = GradientDescentExplorer(rate=0.1, steps=10)
    assert len(explorer.trajectory) == 1
    explorer.step_slider.value = 4
    assert len(explorer.trajectory) == 5
    assert explorer.state.w == pytest.approx(explorer.trajectory[-1])
    assert '">step 4 of' in explorer.shown.value


def test_rate_slider_changes_the_trajectory_and_too_large_diverges():
    explorer = GradientDescentExplorer(rate=0.1, steps=20)
    explorer.step_slider.value = 20
    good, picture = explorer.trajectory.copy(), explorer.picture_html()
    explorer.rate_slider.value = 1.5
    assert explorer.state.rate == pytest.approx(1.5)
    assert explorer.state.diverged
    assert not np.allclose(explorer.trajectory[:5], good[:5])
    assert explorer.picture_html() != picture and explorer.picture_html() in explorer.shown.value
    assert "diverges" in explorer.shown.value


def test_start_slider_moves_the_first_point_and_the_view():
    explorer = GradientDescentExplorer(start=-1.0)
    before = (explorer.html(), explorer.picture_html())
    explorer.start_slider.value = 3.0
    assert explorer.trajectory[0] == pytest.approx(3.0)
    assert "w = 3," in explorer.html() != before[0]
    assert explorer.picture_html() != before[1] and explorer.shown.value == explorer.shown_html()


def test_settings_outside_the_sliders_range_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"x = 5 lies outside the slider's range \[-2, 3\]"):
        SensitivityExplorer(x=5.0)
    with pytest.raises(ValueError, match="start = 9 lies outside"):
        GradientDescentExplorer(start=9.0)


@pytest.mark.parametrize("make", [SensitivityExplorer, GradientDescentExplorer])
def test_repr_is_short_deterministic_and_the_notebooks_text(make):
    a, b = repr(make()), repr(make())
    assert a == b and len(a) <= 110 and "0x" not in a
    assert make()._repr_mimebundle_()["text/plain"] == a


# -- reading without a kernel, without a mouse, without colour -----------------------------------

def test_picture_carries_its_numbers_as_a_text_alternative():
    explorer = SensitivityExplorer(x=1.0, dx=0.1)
    alt = re.search(r'alt="([^"]+)"', explorer.shown.value).group(1)
    assert "chain rule: dz/dx = dz/dy · dy/dx" in alt and "<" not in alt
    assert f"= {explorer.numbers()['dz_dx']:.4f}" in alt


def test_mimebundle_carries_the_numbers_and_the_picture_as_html():
    for explorer in (SensitivityExplorer(), GradientDescentExplorer()):
        bundle = explorer._repr_mimebundle_()
        assert bundle["text/html"] == explorer.shown.value
        assert "application/vnd.jupyter.widget-view+json" in bundle


def test_every_control_is_labelled_and_typed_values_are_rounded():
    explorer = SensitivityExplorer(x=1.0, dx=0.1)
    for control in explorer.children[0].children:
        assert control.description.strip()
    explorer.x_slider.value = 0.1 + 0.7            # 0.7999999999999999 in binary
    assert explorer.state.x == 0.8
    descent = GradientDescentExplorer()
    assert [c.description for c in descent.children[1].children] == ["play", "step"]


def test_play_steps_the_descent_to_its_end(monkeypatch):
    scheduled = []
    loop = type("Loop", (), {"call_later": lambda self, delay, f: scheduled.append(f)})()
    monkeypatch.setattr("asyncio.get_event_loop", lambda: loop)
    explorer = GradientDescentExplorer(rate=0.1, start=-1.0, steps=5)
    explorer.play.value = True
    while scheduled:
        scheduled.pop()()
    assert explorer.state.step == 5 and not explorer.play.value
    assert '">step 5 of 5' in explorer.shown.value

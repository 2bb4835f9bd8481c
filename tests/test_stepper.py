"""BackpropStepper, headless: it replays the engine's own passes, one node per step."""
import base64
import html
import re
import unicodedata
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from course_utils.engine import Node, tanh, topological_order
from course_utils.lecture import regularised_example
from course_utils.notation import number
from course_utils.widgets import BackpropStepper
from course_utils.widgets.recording import BackwardStep, ForwardStep

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["w", "x", "b", "z", "y", "t", "L", "R", "L_reg"]


def shown(html: str) -> dict:
    """What the view shows: name -> (value text, bar text) of every node box, and the equation."""
    root = ET.fromstring(html)                       # the view is well-formed markup
    boxes = {}
    for group in root.iter(SVG + "g"):
        if group.get("class") == "bp-node":
            texts = {t.get("class"): "".join(t.itertext()) for t in group.iter(SVG + "text")}
            boxes[group.get("data-node")] = (texts.get("bp-value"), texts.get("bp-bar"))
    equation = next(div for div in root.iter("div") if div.get("class") == "bp-equation")
    return {"boxes": boxes, "equation": "".join(equation.itertext())}


def shown_number(text: str) -> float:
    return float(text.rsplit(" = ", 1)[1].replace("−", "-"))


def nfc(text: str) -> str:
    """Bars as one character where Unicode has one (ū), so texts compare as they read."""
    return unicodedata.normalize("NFC", text)


def texts(stepper) -> list[str]:
    return [nfc(stepper.text(i)) for i in range(len(stepper.steps))]


@pytest.fixture
def engine():
    """The lecture's graph, evaluated by the engine on its own (not through the stepper)."""
    e = regularised_example()
    e.L_reg.forward()
    e.L_reg.backward()
    return e


@pytest.fixture
def stepper():
    return BackpropStepper(regularised_example().L_reg)


# -- the steps are the engine's own passes -----------------------------------------------------

def test_one_forward_and_one_backward_step_for_every_node(stepper):
    phases = [s.phase for s in stepper.steps]
    assert phases == ["order"] + ["forward"] * 9 + ["seed"] + ["backward"] * 8
    forward = [s.node.name for s in stepper.steps if s.phase == "forward"]
    backward = [s.node.name for s in stepper.steps if s.phase in ("seed", "backward")]
    assert sorted(forward) == sorted(backward) == sorted(NAMES)


def test_forward_goes_in_topological_order_and_backward_in_reverse(stepper):
    output = next(s.node for s in stepper.steps if s.phase == "seed")
    order = [n.name for n in topological_order(output)]
    assert [s.node.name for s in stepper.steps if s.phase == "forward"] == order
    assert [s.node.name for s in stepper.steps if s.phase in ("seed", "backward")] == order[::-1]


def test_steps_are_the_engines_own_records(stepper):
    records = [s.record for s in stepper.steps[1:]]
    assert all(isinstance(r, ForwardStep) for r in records[:9])
    assert all(isinstance(r, BackwardStep) for r in records[9:])
    assert records[9].messages == ()                     # the seed has no messages
    w_step = records[-1]
    assert w_step.node.name == "w"
    assert [(m.child.name, m.index) for m in w_step.messages] == [("z", 0), ("R", 0)]


def test_recorded_steps_do_not_follow_later_changes_of_the_graph():
    W = Node(np.full((2, 2), 0.5), name="W")
    x = Node([1.0, 2.0], name="x")
    L = (W @ x).sum(name="L")
    stepper = BackpropStepper(L)
    before = [stepper.text(i) for i in range(len(stepper.steps))]
    W.value = np.full((2, 2), -3.0)
    x.value = [7.0, 8.0]
    L.forward()
    L.backward()
    assert [stepper.text(i) for i in range(len(stepper.steps))] == before
    stepper.step = len(stepper.steps) - 1
    assert shown(stepper.render())["boxes"]["W"] == ("W = [[0.5 0.5] [0.5 0.5]]",
                                                     "W̄ = [[1 2] [1 2]]")


# -- what is shown equals what the engine computes ---------------------------------------------

def test_shown_numbers_equal_the_engines_at_every_step(stepper, engine):
    for index in range(len(stepper.steps)):
        stepper.step = index
        boxes = shown(stepper.render())["boxes"]
        for name, (value, bar) in boxes.items():
            node = getattr(engine, name)
            if value is not None:
                assert value.endswith(" = " + number(node.value)), (index, name, value)
                assert shown_number(value) == pytest.approx(float(node.value), rel=1e-3)
            if bar is not None:
                assert bar.endswith(" = " + number(node.bar)), (index, name, bar)
                assert shown_number(bar) == pytest.approx(float(node.bar), rel=1e-3, abs=1e-12)


def test_values_appear_one_per_forward_step_and_bars_one_per_backward_step(stepper):
    counts = []
    for index in range(len(stepper.steps)):
        stepper.step = index
        boxes = shown(stepper.render())["boxes"].values()
        counts.append((sum(v is not None for v, _ in boxes), sum(b is not None for _, b in boxes)))
    assert counts == [(0, 0)] + [(k, 0) for k in range(1, 10)] + [(9, k) for k in range(1, 10)]


def test_a_graph_of_a_single_node_has_an_order_a_forward_and_a_seed_step():
    stepper = BackpropStepper(Node(2.0, name="a"))
    assert [s.phase for s in stepper.steps] == ["order", "forward", "seed"]
    stepper.step = 2
    assert shown(stepper.render())["boxes"] == {"a": ("a = 2", "a\u0304 = 1")}


# -- the equations: the lecture's notation, with the numbers substituted ------------------------

def test_forward_step_shows_the_equation_with_numbers_substituted(stepper):
    z_step = next(i for i, s in enumerate(stepper.steps) if s.phase == "forward"
                  and s.node.name == "z")
    assert stepper.text(z_step) == "z = w·x + b = 0.5·2 + 0.1 = 1.1"
    stepper.step = z_step
    assert shown(stepper.render())["equation"] == "z = w·x + b = 0.5·2 + 0.1 = 1.1"


def test_seed_step_sets_the_output_bar_to_one(stepper):
    seed = next(i for i, s in enumerate(stepper.steps) if s.phase == "seed")
    assert stepper.steps[seed].node.name == "L_reg"
    assert stepper.text(seed) == "L̄_reg = 1 (the seed)"


def test_w_bar_is_shown_as_the_sum_of_two_messages(stepper, engine):
    last = len(stepper.steps) - 1
    assert stepper.steps[last].node.name == "w"
    expected = (f"w̄ = z̄·x + R̄·w = {number(engine.z.bar)}·{number(engine.x.value)} + "
                f"{number(engine.R.bar)}·{number(engine.w.value)} = {number(engine.w.bar)}")
    assert stepper.text(last) == expected
    stepper.step = last
    html = stepper.render()
    assert shown(html)["equation"] == expected
    messages = re.findall(r'<g class="bp-message">.*?>← ([^<]+)</text></g>', html)
    assert sorted(messages) == sorted([number(engine.z.bar * engine.x.value),
                                       number(engine.R.bar * engine.w.value)])
    assert float(engine.w.bar) == pytest.approx(float(engine.z.bar * engine.x.value
                                                      + engine.R.bar * engine.w.value))


def test_lambda_is_written_as_on_the_slide_and_its_value_in_the_numbers():
    shown_texts = texts(BackpropStepper(regularised_example(lam=0.1).L_reg))
    assert nfc("L_reg = L + λ·R = 0.03119 + 0.1·0.125 = 0.04369") in shown_texts
    assert nfc("R\u0304 = L\u0304_reg·λ = 1·0.1 = 0.1") in shown_texts


def test_a_node_used_twice_by_one_child_gets_both_messages():
    w = Node(3.0, name="w")
    square = w * w
    square.name = "q"
    stepper = BackpropStepper(square)
    assert stepper.text(len(stepper.steps) - 1) == "w̄ = q̄·w + q̄·w = 1·3 + 1·3 = 6"


def test_each_message_takes_the_local_derivative_of_its_own_argument():
    w = Node(3.0, name="w")
    d = w - w                                            # d/d arg 0 is 1, d/d arg 1 is −1
    d.name = "d"
    stepper = BackpropStepper(d)
    assert stepper.text(len(stepper.steps) - 1) == "w̄ = d̄ + d̄·(−1) = 1 + 1·(−1) = 0"
    x = Node(2.0, name="x")
    e = x / w
    e.name = "e"
    assert texts(BackpropStepper(e))[-2:] == [nfc("w̄ = ē·(−x/w²) = 1·(−0.2222) = −0.2222"),
                                              nfc("x̄ = ē·1/w = 1·0.3333 = 0.3333")]


def test_tensor_nodes_show_shapes_instead_of_scalar_arithmetic():
    W = Node(np.full((2, 2), 0.5), name="W")
    x = Node([1.0, 2.0], name="x")
    L = (W @ x).sum()
    L.name = "L"
    shown_texts = texts(BackpropStepper(L))
    assert "n_3 = W @ x, shapes (2, 2) @ (2,) → (2,): [1.5 1.5]" in shown_texts
    assert shown_texts[-1] == nfc("W̄ = n̄_3·xᵀ = [[1 2] [1 2]] (shape (2, 2))")


def test_matrix_product_messages_keep_their_order():
    x = Node([1.0, -2.0], name="x")
    W = Node([[0.5, -0.3], [0.2, 0.8]], name="W")
    a = x @ W
    a.name = "a"
    shown_texts = texts(BackpropStepper(tanh(a).sum(name="L")))
    assert any(t.startswith(nfc("W\u0304 = x\u1d40·a\u0304 = ")) for t in shown_texts)
    assert any(t.startswith(nfc("x\u0304 = a\u0304·W\u1d40 = ")) for t in shown_texts)


def test_one_element_vectors_are_shown_as_arrays_not_scalars():
    u, v = Node([2.0], name="u"), Node(3.0, name="v")
    stepper = BackpropStepper((u * v).sum(name="L"))
    stepper.step = len(stepper.steps) - 1
    assert nfc(stepper.text()) == nfc("u\u0304 = n\u0304_3·v = [3] (shape (1,))")


# -- the picture of a step ---------------------------------------------------------------------

def test_backward_step_lights_the_edges_to_its_children(stepper):
    stepper.step = len(stepper.steps) - 1
    html = stepper.render()
    assert re.search(r'stroke="#D55E00" stroke-width="[\d.]+" data-edge="w→z"', html)
    assert re.search(r'stroke="#D55E00" stroke-width="[\d.]+" data-edge="w→R"', html)
    assert not re.search(r'stroke="#D55E00" stroke-width="[\d.]+" data-edge="x→z"', html)


def test_phase_indicator_follows_the_step(stepper):
    def phase():
        return re.search(r'class="bp-phase bp-current"[^>]*>(\w+)<', stepper.render()).group(1)
    assert phase() == "order"
    stepper.step = 1
    assert phase() == "forward"
    stepper.step = 10
    assert phase() == "backward"


def test_stepping_back_restores_the_earlier_view(stepper):
    views = []
    for index in range(len(stepper.steps)):
        stepper.step = index
        views.append(stepper.render())
    for index in reversed(range(len(stepper.steps))):
        stepper.step = index
        assert stepper.render() == views[index]
    assert len(set(views)) == len(views)                 # every step looks different


def test_lecture_option_uses_fonts_of_18_px_and_more_and_fits_a_projector():
    stepper = BackpropStepper(regularised_example().L_reg, lecture=True)
    shown = stepper.render()     # (subscripts, as in L_reg, are 75 % of their text's size)
    sizes = [int(px) for px in re.findall(r'font-size="(\d+)"|font-size:(\d+)px', shown)
             for px in px if px]
    assert min(sizes) >= 18 and len(sizes) > 10
    buttons = [stepper.reset_button, stepper.previous_button, stepper.next_button, stepper.play]
    assert all(button.style.font_size == "18px" for button in buttons)
    assert "font-size:18px" in stepper.children[0].children[-1].value   # the step box
    for index in range(len(stepper.steps)):
        svg = ET.fromstring(re.search(r"<svg.*</svg>", stepper.render(index), re.S).group(0))
        assert float(svg.get("width")) <= 1000 and float(svg.get("height")) <= 400
        node = stepper.steps[index].node
        if node is not None:   # the current node lies inside the part shown
            x0, y0, w, h = map(float, svg.get("viewBox").split())
            x, y, width = stepper.state.layout.boxes[stepper.state.layout.index[node]]
            assert x0 <= x and x + width <= x0 + w and y0 <= y and y <= y0 + h


def test_a_tall_picture_pans_to_keep_the_current_node_in_view():
    from course_utils.widgets.stepper import WINDOW_HEIGHT
    node = Node(0.5, name="x")
    for i in range(14):                        # a chain as long as the XOR network's graph
        node = tanh(node, name=f"h_{i + 1}")
    stepper = BackpropStepper(node.sum(name="L"))
    lay = stepper.state.layout
    assert lay.height > WINDOW_HEIGHT
    for index, step in enumerate(stepper.steps):
        svg = ET.fromstring(re.search(r"<svg.*</svg>", stepper.render(index), re.S).group(0))
        x0, y0, w, h = map(float, svg.get("viewBox").split())
        assert (x0, w) == (0, lay.width) and h == WINDOW_HEIGHT   # all the width, some height
        if step.node is not None:
            _, y, _ = lay.boxes[lay.index[step.node]]
            assert y0 <= y and y + lay.box_height <= y0 + h


def test_each_step_is_announced_and_is_the_pictures_text_alternative(stepper):
    stepper.step = 4
    shown = stepper.render()
    assert re.search(r'class="bp-equation" role="status" aria-live="polite"', shown)
    assert f'aria-label="Step 5: {stepper.text()}"' in shown


def test_text_is_in_the_themes_ink_with_the_phase_as_a_border(stepper):
    stepper.step = 12
    shown = stepper.render()
    assert "color:var(--jp-content-font-color1, #1A1A1A)" in shown
    assert "border-left:6px solid #D55E00" in shown
    assert not re.search(r"[^-]color:#", shown), "a text colour that ignores the theme"


def test_mimebundle_carries_the_current_step_for_readers_without_a_kernel(stepper):
    stepper.step = 3
    bundle = stepper._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    static, live = bundle["text/html"], stepper.render()
    assert static == stepper.picture().data == stepper.picture(3).data
    # the same HTML, with the graph as an image (sanitised HTML keeps images, not inline SVG)
    svg = re.search(r"<svg.*</svg>", live, re.S).group(0)
    image = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"', static)
    assert "<svg" not in static and base64.b64decode(image.group(1)).decode() == svg
    assert html.unescape(image.group(2)) == "Step 4: " + stepper.text()
    assert static.split("<img")[0] == live.split("<svg")[0]        # the same text above it
    assert stepper.step == 3                       # a picture does not move the stepper
    assert 'data-step="7"' in stepper.picture(7).data and stepper.step == 3


# -- the controls ------------------------------------------------------------------------------

def test_buttons_slider_and_play_move_the_view(stepper):
    stepper.next_button.click()
    stepper.next_button.click()
    assert stepper.step == 2 and stepper.view.value == stepper.render()
    stepper.previous_button.click()
    assert stepper.step == 1 and 'data-step="1"' in stepper.view.value
    stepper.step_slider.value = 8                        # the box counts from 1
    assert stepper.step == 7 and 'data-step="7"' in stepper.view.value
    stepper.reset_button.click()
    assert stepper.step == 0 and 'data-step="0"' in stepper.view.value


def test_buttons_are_disabled_where_they_cannot_move(stepper):
    assert stepper.previous_button.disabled and stepper.reset_button.disabled
    assert not stepper.next_button.disabled
    for _ in range(len(stepper.steps) - 1):
        stepper.next_button.click()
    assert stepper.step == len(stepper.steps) - 1
    assert stepper.next_button.disabled and not stepper.previous_button.disabled
    stepper.next_button.click()                          # a click more stays on the last step
    assert stepper.step == len(stepper.steps) - 1


def test_setting_the_step_moves_the_slider_and_the_view(stepper):
    stepper.step = 5
    assert stepper.step_slider.value == 6 and 'data-step="5"' in stepper.view.value


def test_play_ticks_one_step_at_a_time_and_stops_at_the_end(stepper, monkeypatch):
    scheduled = []
    loop = type("Loop", (), {"call_later": lambda self, delay, f: scheduled.append(f)})()
    monkeypatch.setattr("asyncio.get_event_loop", lambda: loop)
    stepper.play.value = True
    assert stepper.play.description == "pause" and len(scheduled) == 1
    while scheduled:
        scheduled.pop()()
    assert stepper.step == len(stepper.steps) - 1 and not stepper.play.value
    assert stepper.play.description == "play"
    stepper.play.value = True                    # at the end, play starts again from step 0
    assert stepper.step == 0
    stepper.play.value = False
    scheduled.pop().__self__.tick()              # a tick after pause moves nothing
    assert stepper.step == 0


def test_every_control_has_a_name_a_screen_reader_can_read(stepper):
    for control in stepper.children[0].children:
        assert control.description.strip()
    assert len(stepper.children[0].children) == 5


def test_the_widget_is_an_ipywidgets_box_holding_the_view_and_the_controls(stepper):
    import ipywidgets

    assert isinstance(stepper, ipywidgets.VBox)
    controls, view = stepper.children           # the controls above the picture
    assert view is stepper.view
    assert list(controls.children) == [stepper.reset_button, stepper.previous_button,
                                       stepper.next_button, stepper.play, stepper.step_slider]


def test_step_out_of_range_says_which_steps_exist(stepper):
    with pytest.raises(ValueError, match="from 0 to 18"):
        stepper.step = 19
    with pytest.raises(ValueError, match="whole number"):
        stepper.step = 1.5
    assert stepper.step == 0


def test_repr_is_short_and_deterministic(stepper):
    assert repr(stepper) == "BackpropStepper(L_reg: 19 steps)"
    assert stepper._repr_mimebundle_()["text/plain"] == repr(stepper)


def test_output_that_is_not_a_node_is_refused():
    with pytest.raises(TypeError, match="expected the output Node"):
        BackpropStepper(1.0)


def test_a_non_scalar_output_is_refused_with_the_engines_explanation():
    with pytest.raises(ValueError, match="must be a scalar"):
        BackpropStepper(Node(np.ones((2, 2)), name="W") @ np.ones(2))

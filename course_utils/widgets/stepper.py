"""BackpropStepper: watch the lecture's algorithm run on any graph, one step at a time.

The steps replay what the engine itself computed, kept by the hooks of its passes
(`recording.py`); nothing is recomputed here. They follow the lecture's four steps:

1. the topological order;
2. the forward pass, one node per step: n_i from its parents, numbers substituted;
3. the seed: the output's bar is 1;
4. the backward pass, one node per step in reverse order: n̄_i = Σ_children n̄_j ∂n_j/∂n_i,
   each term a message from one child, e.g. w̄ = z̄·x + R̄·w.

`Stepper` holds the state in plain Python and `render_step` draws it (a pure function);
`BackpropStepper` is only the ipywidgets shell around them: buttons, a step box and a play
toggle.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML

from .. import draw as pictures
from ..engine import Node
from ..notation import (
    BLUE,
    VERMILLION,
    bar_name,
    constant,
    factor,
    fill,
    markup,
    number,
    show,
    symbol,
)
from ..style import RULE, image_html, text_style
from .play import PlayButton
from .recording import BackwardStep, ForwardStep, record_backward, record_forward

PHASES = ("order", "forward", "backward")
EXPLAIN = {
    "order": "1. Topological order: every node comes after the nodes it is computed from.",
    "forward": "2. Forward pass: evaluate each node from its parents, in topological order.",
    "seed": "3. The seed: the output's bar is 1 (the output changes one for one with itself).",
    "backward": "4. Backward pass, in reverse order: each node's bar is the sum of the messages "
                "its children send it, child's bar × local derivative.",
}


@dataclass(frozen=True)
class Step:
    """One step: its phase ("order", "forward", "seed", "backward"), its node and the record."""
    phase: str
    node: Node | None = None
    record: ForwardStep | BackwardStep | None = None


def record_steps(output: Node) -> list[Step]:
    """Run the engine once with recording on and turn its records into the stepper's steps."""
    if not isinstance(output, Node):
        raise TypeError("BackpropStepper: expected the output Node of a graph (e.g. the loss "
                        f"L), got {type(output).__name__}.")
    forward, backward = record_forward(output), record_backward(output)
    return ([Step("order")] + [Step("forward", r.node, r) for r in forward]
            + [Step("seed" if i == 0 else "backward", r.node, r) for i, r in enumerate(backward)])


# --------------------------------------------------------------------------------------------
# Equations: what each step says, in text or HTML
# --------------------------------------------------------------------------------------------

def _values(steps: list[Step], upto: int) -> dict:
    """node -> value, for the nodes evaluated in the steps before `upto`."""
    records = [s.record for s in steps[:upto]]
    return {r.node: r.value for r in records if isinstance(r, ForwardStep)}


def _bars(steps: list[Step], upto: int) -> dict:
    """node -> bar, for the nodes whose bar was computed in the steps before `upto`."""
    records = [s.record for s in steps[:upto]]
    return {r.node: r.bar for r in records if isinstance(r, BackwardStep)}


def _forward(step: Step) -> ForwardStep:
    assert isinstance(step.record, ForwardStep), f"a {step.phase} step has no forward record"
    return step.record


def _backward(step: Step) -> BackwardStep:
    assert isinstance(step.record, BackwardStep), f"a {step.phase} step has no backward record"
    return step.record


def message_terms(lay: pictures.Layout, steps: list[Step], index: int,
                  style: str) -> list[tuple]:
    """For backward step `index`: (child, symbolic term, numeric term) per message, e.g.
    (z, "z̄·x", "−0.04679·2"); the numeric term is None when a tensor is involved."""
    bars = _bars(steps, index)
    terms = []
    for message in _backward(steps[index]).messages:
        child = message.child
        names = [markup(lay.name(a), style) if isinstance(a, Node) else symbol(child, k)
                 for k, a in enumerate(child.args)]
        bar = bar_name(lay.name(child), style)
        assert child.op is not None, "a message comes from an operation"
        template = child.op.local[message.index]
        local = None
        if "{bar}" in template:  # the whole message, in its own order: xᵀ·ā
            symbolic = fill(template.replace("{bar}", f"{{{len(names)}}}"), names + [bar], style)
        else:
            local = fill(template, names, style)
            symbolic = bar if local == "1" else f"{bar}·{factor(local)}"
        numeric = None
        if message.local is not None:
            numeric = number(bars[child])
            if local != "1":
                numeric += "·" + factor(number(message.local))
        terms.append((child, symbolic, numeric))
    return terms


def _order_equation(lay: pictures.Layout, steps: list[Step], index: int, style: str) -> str:
    return "order: " + ", ".join(markup(n, style) for n in lay.names)


def _forward_equation(lay: pictures.Layout, steps: list[Step], index: int, style: str) -> str:
    """n_i = formula = numbers = value; for tensors the shapes instead of the numbers."""
    record = _forward(steps[index])
    node, value = record.node, record.value
    name = markup(lay.name(node), style)
    if node.op is None:
        return f"{name} = {show(value)} (an input)"
    left = f"{name} = {lay.formula(node, style)}"
    values = _values(steps, index)
    if np.ndim(value) == 0 and all(np.ndim(values[p]) == 0 for p in node.parents):
        return f"{left} = {lay.formula(node, style, values)} = {show(value)}"
    shapes = [str(values[a].shape) if isinstance(a, Node) else str(np.shape(a))
              for a in node.args]
    return (f"{left}, shapes {fill(node.op.formula, shapes, style)} → "
            f"{value.shape}: {show(value)}")


def _seed_equation(lay: pictures.Layout, steps: list[Step], index: int, style: str) -> str:
    return f"{bar_name(lay.name(_backward(steps[index]).node), style)} = 1 (the seed)"


def _backward_equation(lay: pictures.Layout, steps: list[Step], index: int, style: str) -> str:
    """n̄_i = sum of the messages, symbolic, then in numbers (scalars) or products (tensors)."""
    record = _backward(steps[index])
    terms = message_terms(lay, steps, index, style)
    text = f"{bar_name(lay.name(record.node), style)} = " + " + ".join(t for _, t, _ in terms)
    numeric = [n for _, _, n in terms]
    result = show(record.bar)
    if all(n is not None for n in numeric):
        if numeric != [result]:
            text += " = " + " + ".join(numeric)
        return f"{text} = {result}"
    products = [show(m.product) for m in record.messages]
    if len(products) > 1:
        text += " = " + " + ".join(products)
    if result.startswith("array of shape"):
        result = show(record.bar, ".2g", most=EQUATION_ENTRIES)
    shape = "" if result.startswith("array of shape") else f" (shape {np.shape(record.bar)})"
    return f"{text} = {result}{shape}"


EQUATIONS = {"order": _order_equation, "forward": _forward_equation, "seed": _seed_equation,
             "backward": _backward_equation}


#: The most entries a bar's numbers show in a step's equation, which has a line of its own (the
#: 2-4-1 network's W̄1 has 8); a bigger bar is named by its shape.
EQUATION_ENTRIES = 8


def equation(lay: pictures.Layout, steps: list[Step], index: int, style: str = "text") -> str:
    """What step `index` computes, e.g. "z = w·x + b = 0.5·2 + 0.1 = 1.1" or
    "w̄ = z̄·x + R̄·w = −0.04679·2 + 0.1·0.5 = −0.04359"."""
    return EQUATIONS[steps[index].phase](lay, steps, index, style)


# --------------------------------------------------------------------------------------------
# The picture of one step: a pure function of the steps and the index
# --------------------------------------------------------------------------------------------

def _lighting(step: Step) -> tuple[frozenset, frozenset, dict]:
    """What a step lights: its node; the edges from its parents (forward) or to its children
    with the messages written on them (backward)."""
    lit = frozenset() if step.node is None else frozenset([step.node])
    if isinstance(step.record, ForwardStep):
        return lit, frozenset((p, step.node) for p in step.record.node.parents), {}
    labels: dict = {}
    if step.phase == "backward":
        for message in _backward(step).messages:
            pair = (step.node, message.child)
            text = (show(message.product) if message.product.size <= 3   # else its shape,
                    else constant(message.product))                     # [2×4], short
            labels[pair] = labels[pair] + ", " + text if pair in labels else "← " + text
    return lit, frozenset(labels), labels


def _phases(current: str, accent: str) -> str:
    """The three phases as pills, the current one bold and outlined in its colour."""
    return "".join(
        f'<span class="bp-phase{" bp-current" if p == current else ""}" style="padding:2px 10px;'
        f'margin-right:6px;border-radius:10px;border:2px solid '
        f'{accent if p == current else RULE};{"font-weight:bold;" if p == current else ""}">'
        f'{p}</span>' for p in PHASES)


#: The most of the picture a lecture stepper shows (a projector's 1024×600, less the text):
#: its graph stays in one band, and the view pans along it to the current node.
LECTURE_WINDOW = (1000.0, 400.0)
#: The tallest picture a stepper shows in a notebook (a laptop's 768 pixels, less JupyterLab's
#: bars, the controls and the text); a taller graph (wrapped into bands) pans down and up.
WINDOW_HEIGHT = 500.0


def _window(lay: pictures.Layout, step: Step) -> tuple[float, float, float, float] | None:
    """The part of the picture around the current node (the start for the order step) when
    the whole would not fit, so that the node stays on screen with the text and the
    controls."""
    width, height = LECTURE_WINDOW if lay.lecture else (lay.width, WINDOW_HEIGHT)
    if lay.width <= width and lay.height <= height:
        return None
    x, y, w = lay.boxes[lay.index[step.node]] if step.node is not None else lay.boxes[0]
    x0 = min(max(x + w / 2 - width / 2, 0.0), max(lay.width - width, 0.0))
    y0 = min(max(y + lay.box_height / 2 - height / 2, 0.0), max(lay.height - height, 0.0))
    return (round(x0, 1), round(y0, 1), min(width, lay.width), min(height, lay.height))


def render_step(lay: pictures.Layout, steps: list[Step], index: int, image: bool = False) -> str:
    """The HTML shown at step `index`: phase, explanation, equation, and the lit graph.

    Text is in the theme's ink; the phase's colour marks the equation's border. The equation
    is an aria-live region, so a screen reader reads each new step, and it is also the
    picture's text alternative. `image=True` gives the graph as an image instead of inline
    SVG, for HTML that is shown sanitised (see `style.image_html`)."""
    step = steps[index]
    values, bars = _values(steps, index + 1), _bars(steps, index + 1)
    label = f"Step {index + 1}: {equation(lay, steps, index)}"
    window = _window(lay, step)
    svg = pictures.render_svg(lay, values, bars, *_lighting(step), step.phase, label=label,
                              window=window)
    if image:
        svg = image_html(svg.encode(), label, round(window[2] if window else lay.width),
                         "image/svg+xml")
    size = "18px" if lay.lecture else "15px"
    current = "backward" if step.phase == "seed" else step.phase
    accent = VERMILLION if current == "backward" else BLUE
    where = "" if step.node is None else f" · node {lay.index[step.node] + 1} of {len(lay.order)}"
    return (f'<div class="bp-stepper" data-step="{index}" data-phase="{step.phase}" '
            f'style="{text_style(size)}">'
            f'<div style="margin-bottom:6px">{_phases(current, accent)}<span class="bp-counter" '
            f'style="margin-left:10px">step {index + 1} of {len(steps)}{where}</span></div>'
            f'<div class="bp-explain" style="margin-bottom:4px">{html.escape(EXPLAIN[step.phase])}'
            f'</div><div class="bp-equation" role="status" aria-live="polite" '
            f'style="font-size:1.3em;border-left:6px solid {accent};padding-left:8px;'
            f'margin-bottom:6px;min-height:1.5em">{equation(lay, steps, index, "html")}</div>'
            f'<div class="bp-picture">{svg}</div></div>')


class Stepper:
    """The stepper's state in plain Python: the recorded steps and the current index."""

    def __init__(self, output: Node, lecture: bool = False):
        self.steps = record_steps(output)      # first: it checks that output is a Node
        self.layout = pictures.layout(output, lecture, wrap=not lecture)
        self._step = 0

    @property
    def step(self) -> int:
        return self._step

    @step.setter
    def step(self, index: int) -> None:
        if not isinstance(index, (int, np.integer)) or not 0 <= index < len(self.steps):
            raise ValueError(f"step must be a whole number from 0 to {len(self.steps) - 1}, "
                             f"got {index!r}.")
        self._step = int(index)

    def render(self, index: int | None = None) -> str:
        """The HTML of a step (the current step by default)."""
        return render_step(self.layout, self.steps, self._step if index is None else index)

    def text(self, index: int | None = None) -> str:
        """The equation of a step as plain text (the current step by default)."""
        return equation(self.layout, self.steps, self._step if index is None else index)

    def picture(self, index: int | None = None) -> HTML:
        """A step (the current one by default) as a static picture, without moving the
        stepper: its HTML with the graph as an image, which every reader shows."""
        return HTML(render_step(self.layout, self.steps,
                                self._step if index is None else index, image=True))

    def __repr__(self) -> str:
        return f"Stepper({self.layout.names[-1]}: {len(self.steps)} steps)"


# --------------------------------------------------------------------------------------------
# The widget: a thin shell
# --------------------------------------------------------------------------------------------

LECTURE_CSS = ("<style>.bp-lecture .widget-text input, .bp-lecture .widget-label "
               "{font-size:18px; height:auto}</style>")


class BackpropStepper(widgets.VBox):
    """Step through the forward and backward pass of the graph of `output`.

    `.steps` lists the steps, `.step` is the current one (set it and the view follows),
    `.render()` is the HTML shown, `.picture(i)` step i as a static picture. `lecture=True`:
    fonts of 18 px and more, and the picture cut to the part around the current node, to fit a
    projector.
    The controls stand above the view and are public: `.reset_button`, `.previous_button`,
    `.next_button`, `.play` (a play/pause toggle, one step every `.interval` seconds) and
    `.step_slider` (a box with the step's number, 1 to the number of steps); `.view` shows
    the step. Every control is labelled, so a screen reader names it (see `play`).
    """

    interval = 1.2

    def __init__(self, output: Node, lecture: bool = False):
        self.state = Stepper(output, lecture)
        n = len(self.state.steps)
        self.view = widgets.HTML(self.state.render())
        font = {"font_size": "18px"} if lecture else {}
        self.reset_button = widgets.Button(description="reset", icon="fast-backward",
                                           style=font)
        self.previous_button = widgets.Button(description="previous", icon="step-backward",
                                              style=font)
        self.next_button = widgets.Button(description="next", icon="step-forward", style=font)
        self.play = PlayButton(self._advance, self._restart, self.interval, style=font)
        self.step_slider = widgets.BoundedIntText(1, min=1, max=n, description="step",
                                                  layout=widgets.Layout(width="150px"))
        self.reset_button.on_click(lambda _: setattr(self, "step", 0))
        self.previous_button.on_click(lambda _: setattr(self, "step", max(self.step - 1, 0)))
        self.next_button.on_click(lambda _: setattr(self, "step", min(self.step + 1, n - 1)))
        self.step_slider.observe(self._follow, names="value")
        self._update_buttons()
        controls = widgets.HBox([self.reset_button, self.previous_button, self.next_button,
                                 self.play, self.step_slider],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.view])
        self.add_class("bp-stepper-widget")
        if lecture:   # the step box's label and number have no font size of their own
            self.add_class("bp-lecture")
            controls.children += (widgets.HTML(LECTURE_CSS),)

    @property
    def steps(self) -> list[Step]:
        return self.state.steps

    @property
    def step(self) -> int:
        return self.state.step

    @step.setter
    def step(self, index: int) -> None:
        self.state.step = index                   # checks the index
        self.step_slider.value = int(index) + 1   # the view follows through _follow

    def render(self, index: int | None = None) -> str:
        """The HTML of a step (the current step by default): what the view shows."""
        return self.state.render(index)

    def text(self, index: int | None = None) -> str:
        return self.state.text(index)

    def picture(self, index: int | None = None) -> HTML:
        return self.state.picture(index)

    def _follow(self, change: dict) -> None:
        self.state.step = change["new"] - 1
        self.view.value = self.state.render()
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous_button.disabled = self.reset_button.disabled = self.step == 0
        self.next_button.disabled = self.step == len(self.steps) - 1

    def _restart(self) -> None:
        if self.step == len(self.steps) - 1:
            self.step = 0

    def _advance(self) -> bool:
        self.step = min(self.step + 1, len(self.steps) - 1)
        return self.step < len(self.steps) - 1

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The live widget, and the current step as HTML for readers without a kernel or a
        widget manager (an HTML export, GitHub): they show the picture and the equation."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        return {**bundle, "text/html": self.picture().data}

    def __repr__(self) -> str:
        return f"BackpropStepper({self.state.layout.names[-1]}: {len(self.steps)} steps)"

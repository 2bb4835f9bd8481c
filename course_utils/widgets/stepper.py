"""BackpropStepper: watch the lecture's algorithm run on any graph, one step at a time.

The steps replay what the engine itself recorded (`output.forward(record=...)` and
`output.backward(record=...)`); nothing is recomputed here. They follow the lecture's four steps:

1. the topological order;
2. the forward pass, one node per step: n_i from its parents, numbers substituted;
3. the seed: the output's bar is 1;
4. the backward pass, one node per step in reverse order: n̄_i = Σ_children n̄_j ∂n_j/∂n_i,
   each term a message from one child, e.g. w̄ = z̄·x + R̄·w.

`Stepper` holds the state in plain Python and `render_step` draws it (a pure function);
`BackpropStepper` is only the ipywidgets shell around them: buttons, a slider and Play.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from .. import draw as pictures
from ..engine import BackwardStep, ForwardStep, Node

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
    forward, backward = [], []
    output.forward(record=forward)
    output.backward(record=backward)
    return ([Step("order")] + [Step("forward", r.node, r) for r in forward]
            + [Step("seed" if i == 0 else "backward", r.node, r) for i, r in enumerate(backward)])


# --------------------------------------------------------------------------------------------
# Equations: what each step says, in text or HTML
# --------------------------------------------------------------------------------------------

def _is_scalar(a) -> bool:
    return np.ndim(a) == 0


def _wrap(text: str) -> str:
    """Parentheses around a factor that needs them: −1, 1 − tanh²(z), −0.25."""
    plain = text.startswith("(") and text.endswith(")")
    return f"({text})" if not plain and (" " in text or text.startswith("−")) else text


def message_terms(lay: pictures.Layout, step: Step, style: str) -> list[tuple]:
    """For a backward step: (child, symbolic term, numeric term) per message, e.g.
    (z, "z̄·x", "−0.04679·2"); the numeric term is None when a tensor is involved."""
    node = step.node
    # The engine sends messages child by child in topological order, argument by argument.
    slots = [(child, i) for child in lay.order
             for i, arg in enumerate(child.args) if arg is node]
    terms = []
    for (child, i), message in zip(slots, step.record.messages):
        assert message.child is child, "messages out of the engine's order"
        names = [pictures.markup(lay.name(a), style) if isinstance(a, Node)
                 else pictures.symbol(child, k) for k, a in enumerate(child.args)]
        bar = pictures.markup(lay.name(child), style, bar=True)
        template = child.op.local[i]
        local = None
        if "{bar}" in template:  # the whole message, in its own order: xᵀ·ā
            symbolic = pictures.fill(template.replace("{bar}", f"{{{len(names)}}}"),
                                     names + [bar], style)
        else:
            local = pictures.fill(template, names, style)
            symbolic = bar if local == "1" else f"{bar}·{_wrap(local)}"
        numeric = None
        if message.local is not None:
            numeric = pictures.number(message.child_bar)
            if local != "1":
                numeric += "·" + _wrap(pictures.number(message.local))
        terms.append((child, symbolic, numeric))
    return terms


def equation(lay: pictures.Layout, steps: list[Step], index: int, style: str = "text") -> str:
    """What step `index` computes, e.g. "z = w·x + b = 0.5·2 + 0.1 = 1.1" or
    "w̄ = z̄·x + R̄·w = −0.04679·2 + 0.1·0.5 = −0.04359"."""
    step = steps[index]
    if step.phase == "order":
        return "order: " + ", ".join(pictures.markup(n, style) for n in lay.names)
    name = lay.name(step.node)
    if step.phase == "forward":
        value = step.record.value
        if step.node.op is None:
            return f"{pictures.markup(name, style)} = {pictures.show(value)} (an input)"
        left = f"{pictures.markup(name, style)} = {lay.formula(step.node, style)}"
        values = {s.node: s.record.value for s in steps[1:index] if s.phase == "forward"}
        if _is_scalar(value) and all(_is_scalar(v) for v in map(values.get, step.node.parents)):
            return f"{left} = {lay.formula(step.node, style, values)} = {pictures.show(value)}"
        shapes = [str(values[a].shape) if isinstance(a, Node) else str(np.shape(a))
                  for a in step.node.args]
        return (f"{left}, shapes {pictures.fill(step.node.op.formula, shapes, style)} → "
                f"{value.shape}: {pictures.show(value)}")
    bar = pictures.markup(name, style, bar=True)
    if step.phase == "seed":
        return f"{bar} = 1 (the seed)"
    terms = message_terms(lay, step, style)
    text = f"{bar} = " + " + ".join(symbolic for _, symbolic, _ in terms)
    numeric = [n for _, _, n in terms]
    result = pictures.show(step.record.bar)
    if all(n is not None for n in numeric):
        if numeric != [result]:
            text += " = " + " + ".join(numeric)
        return f"{text} = {result}"
    products = [pictures.show(m.product) for m in step.record.messages]
    if len(products) > 1:
        text += " = " + " + ".join(products)
    shape = "" if result.startswith("array of shape") else f" (shape {np.shape(step.record.bar)})"
    return f"{text} = {result}{shape}"


# --------------------------------------------------------------------------------------------
# The picture of one step: a pure function of the steps and the index
# --------------------------------------------------------------------------------------------

def render_step(lay: pictures.Layout, steps: list[Step], index: int) -> str:
    """The HTML shown at step `index`: phase, explanation, equation, and the lit graph."""
    step = steps[index]
    done = steps[:index + 1]
    values = {s.node: s.record.value for s in done if s.phase == "forward"}
    bars = {s.node: s.record.bar for s in done if s.phase in ("seed", "backward")}
    lit, lit_edges, labels = frozenset(), frozenset(), {}
    if step.node is not None:
        lit = frozenset([step.node])
    if step.phase == "forward":
        lit_edges = frozenset((p, step.node) for p in step.node.parents)
    elif step.phase == "backward":
        for message in step.record.messages:
            pair = (step.node, message.child)
            text = (pictures.show(message.product) if message.product.size <= 3
                    else f"shape {message.product.shape}")
            labels[pair] = labels[pair] + ", " + text if pair in labels else "← " + text
        lit_edges = frozenset(labels)
    svg = pictures.render_svg(lay, values, bars, lit, lit_edges, labels, step.phase)

    big = lay.lecture
    size, ink = ("22px", "#000000") if big else ("15px", "#1A1A1A")
    current = "backward" if step.phase == "seed" else step.phase
    accent = pictures.VERMILLION if current == "backward" else pictures.BLUE
    pills = "".join(
        f'<span class="bp-phase{" bp-current" if p == current else ""}" style="padding:2px 10px;'
        f'margin-right:6px;border-radius:10px;border:2px solid '
        f'{accent if p == current else "#BBBBBB"};'
        f'{"font-weight:bold;" if p == current else "color:#6E6E6E;"}">{p}</span>'
        for p in PHASES)
    where = "" if step.node is None else f" · node {lay.index[step.node] + 1} of {len(lay.order)}"
    return (f'<div class="bp-stepper" data-step="{index}" data-phase="{step.phase}" '
            f'style="font-family:{pictures.FONT};font-size:{size};color:{ink}">'
            f'<div style="margin-bottom:6px">{pills}<span class="bp-counter" style="margin-left:'
            f'10px">step {index + 1} of {len(steps)}{where}</span></div>'
            f'<div class="bp-explain" style="margin-bottom:4px">{html.escape(EXPLAIN[step.phase])}'
            f'</div><div class="bp-equation" style="font-size:1.25em;color:{accent};'
            f'margin-bottom:6px;min-height:1.5em">{equation(lay, steps, index, "html")}</div>'
            f'<div style="overflow-x:auto">{svg}</div></div>')


class Stepper:
    """The stepper's state in plain Python: the recorded steps and the current index."""

    def __init__(self, output: Node, lecture: bool = False):
        self.layout = pictures.layout(output, lecture)
        self.steps = record_steps(output)
        self._step = 0

    @property
    def step(self) -> int:
        return self._step

    @step.setter
    def step(self, index: int):
        if not isinstance(index, (int, np.integer)) or not 0 <= index < len(self.steps):
            raise ValueError(f"step must be a whole number from 0 to {len(self.steps) - 1}, "
                             f"got {index!r}.")
        self._step = int(index)

    def render(self) -> str:
        return render_step(self.layout, self.steps, self._step)

    def text(self, index: int | None = None) -> str:
        """The equation of a step as plain text (the current step by default)."""
        return equation(self.layout, self.steps, self._step if index is None else index)

    def __repr__(self) -> str:
        return f"Stepper({self.layout.names[-1]}: {len(self.steps)} steps)"


# --------------------------------------------------------------------------------------------
# The widget: a thin shell
# --------------------------------------------------------------------------------------------

class BackpropStepper(widgets.VBox):
    """Step through the forward and backward pass of the graph of `output`.

    `.steps` lists the steps, `.step` is the current one (set it and the view follows),
    `.render()` is the HTML shown. `lecture=True`: large fonts and high contrast.
    """

    def __init__(self, output: Node, lecture: bool = False):
        self._state = Stepper(output, lecture)
        last = len(self._state.steps) - 1
        self._view = widgets.HTML(self._state.render())
        self._slider = widgets.IntSlider(0, min=0, max=last, description="step",
                                         readout=False, layout=widgets.Layout(width="320px"))
        self._play = widgets.Play(0, min=0, max=last, interval=1200, description="play")
        widgets.link((self._play, "value"), (self._slider, "value"))
        self._reset = widgets.Button(description="reset", icon="fast-backward")
        self._previous = widgets.Button(description="previous", icon="step-backward")
        self._next = widgets.Button(description="next", icon="step-forward")
        self._reset.on_click(lambda _: setattr(self, "step", 0))
        self._previous.on_click(lambda _: setattr(self, "step", max(self.step - 1, 0)))
        self._next.on_click(lambda _: setattr(self, "step", min(self.step + 1, last)))
        self._slider.observe(self._follow, names="value")
        self._update_buttons()
        controls = widgets.HBox([self._reset, self._previous, self._next, self._play,
                                 self._slider])
        super().__init__([self._view, controls])
        self.add_class("bp-stepper-widget")

    @property
    def steps(self) -> list[Step]:
        return self._state.steps

    @property
    def step(self) -> int:
        return self._state.step

    @step.setter
    def step(self, index: int):
        self._state.step = index          # checks the index
        self._slider.value = int(index)   # the view follows through _follow

    def render(self) -> str:
        return self._state.render()

    def text(self, index: int | None = None) -> str:
        return self._state.text(index)

    def _follow(self, change):
        self._state.step = change["new"]
        self._view.value = self._state.render()
        self._update_buttons()

    def _update_buttons(self):
        self._previous.disabled = self._reset.disabled = self.step == 0
        self._next.disabled = self.step == len(self.steps) - 1

    def __repr__(self) -> str:
        return f"BackpropStepper({self._state.layout.names[-1]}: {len(self.steps)} steps)"

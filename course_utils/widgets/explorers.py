"""Two explorers for the first notebooks: the derivative as sensitivity, and 1-d gradient descent.

Each explorer is three layers, so it works (and is tested) without a browser:

* a state in plain Python (`SensitivityState`, `DescentState`): the numbers and the stepping;
* drawing as a pure function of the state (`draw_sensitivity`, `draw_descent` onto matplotlib
  axes, and `*_html` for the numbers), also usable for static plots in a notebook;
* a thin ipywidgets shell (`SensitivityExplorer`, `GradientDescentExplorer`): a VBox, like the
  `BackpropStepper`, with public controls that set the state (labelled number boxes and a
  play toggle, which a screen reader can name: see `play`; they keep the name `*_slider`),
  and two HTML widgets showing the numbers and the picture (a PNG with a text alternative).
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..notation import BLACK, BLUE, GREEN, ORANGE, VERMILLION, factor, number
from ..style import Picture, image_html, text_style
from .play import PlayButton
from .states import DescentState, SensitivityState

FONT_SIZE = 13
DPI = 90  # the widget shows the picture at this size, pixel for pixel (figure inches x DPI)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _rounded(value: float) -> float:
    """A number typed or stepped in a box, without the binary noise of 0.1 + 0.7."""
    return round(float(value), 9)


def _within(value: float, low: float, high: float, what: str, hint: str) -> None:
    """A clear error when a setting lies outside the range its slider can show."""
    if not low <= value <= high:
        raise ValueError(f"{what} = {value:g} lies outside the slider's range "
                         f"[{low:g}, {high:g}]; {hint}")


class _Explorer(widgets.VBox):
    """What both explorers share: a VBox of their controls and `.shown`, one HTML widget with
    the numbers above the picture (the PNG with a text alternative, which ipywidgets' Image
    cannot carry), redrawn from `.state` whenever a control moves. One widget, so one message:
    the numbers and the picture on screen always belong to the same state."""

    state: Any

    def __init__(self, controls: list, figure: Callable[[Any], Figure],
                 html: Callable[[Any], str], figsize: tuple) -> None:
        self._figure, self._html, self._figsize = figure, html, figsize
        self.shown = widgets.HTML()
        super().__init__(controls + [self.shown])
        self._refresh()

    @property
    def widget(self) -> widgets.VBox:
        """The box to display or style: the explorer itself."""
        return self

    def render(self) -> bytes:
        """The picture of the current state, as PNG bytes."""
        return _png(self._figure(self.state))

    def html(self) -> str:
        """The numbers of the current state, as HTML."""
        return self._html(self.state)

    def alt(self) -> str:
        """The picture in words: its numbers, as text."""
        return re.sub(r"<[^>]+>", "", self.html().replace("<br>", "; "))

    def picture_html(self) -> str:
        """The picture of the current state as an HTML image with its text alternative."""
        return image_html(self.render(), self.alt(), int(self._figsize[0] * DPI))

    def shown_html(self) -> str:
        """What `.shown` holds: the numbers (in a `bp-numbers` block) above the picture."""
        return f'<div class="bp-numbers">{self.html()}</div>{self.picture_html()}'

    def _refresh(self) -> None:
        self.shown.value = self.shown_html()

    def picture(self) -> Picture:
        """The picture currently shown, as a static image with its text alternative (`.data`
        is the PNG), for exports without a kernel."""
        return Picture(self.render(), self.alt(), int(self._figsize[0] * DPI))

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The live widget, and the current numbers and picture as HTML for readers without
        a kernel or a widget manager (an HTML export, GitHub)."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        return {**bundle, "text/html": self.shown.value}


# ============================================================================================
# Sensitivity and the chain rule: y = g(x), z = f(y)
# ============================================================================================

def sensitivity_html(state: SensitivityState) -> str:
    """The numbers of the state: the nudges measured, and the chain rule with numbers."""
    n = state.numbers()
    x, dx = number(n["x"], ".3f"), factor(number(n["dx"], ".3g"))

    def f4(key: str) -> str:   # a derivative or a change, 4 decimals
        return number(n[key], ".4f")

    rows = [
        f"nudge x by Δx = {number(n['dx'], '.3g')}: x = {x} → {number(n['x'] + n['dx'], '.3f')}",
        f"y = {state.g_name} moves by Δy = {f4('dy')} ≈ dy/dx·Δx = {f4('dy_dx')}·{dx} "
        f"= {number(n['dy_dx'] * n['dx'], '.4f')}",
        f"z = {state.f_name} moves by Δz = {f4('dz')} ≈ dz/dx·Δx = {f4('dz_dx')}·{dx} "
        f"= {number(n['dz_dx'] * n['dx'], '.4f')}",
        f"chain rule: dz/dx = dz/dy · dy/dx = {f4('dz_dy')} · {factor(f4('dy_dx'))} "
        f"= <b>{f4('dz_dx')}</b>",
    ]
    return f'<div style="{text_style()}">' + "<br>".join(rows) + "</div>"


def _link(ax, grid: np.ndarray, curve, colour: str, label: str, names: tuple[str, str],
          at: tuple[float, float], nudge: tuple[float, float], slope: float) -> None:
    """One link of the chain, out = h(in): the curve, its tangent at the point `at`, and the
    nudge as a triangle, Δin along the horizontal axis and Δout along the vertical."""
    (inp, out), (a, fa), (da, dfa) = names, at, nudge
    ax.plot(grid, curve, color=colour, lw=2.5, label=label)
    half_width = 0.25 * (grid[-1] - grid[0])
    xs = np.array([a - half_width, a + half_width])
    ax.plot(xs, fa + slope * (xs - a), "--", color=ORANGE, lw=2,
            label=f"tangent, slope {number(slope, '.3f')}")
    ax.plot([a, a + da], [fa, fa], ":", color=BLACK, lw=1.5)
    ax.plot([a + da, a + da], [fa, fa + dfa], ":", color=VERMILLION, lw=2)
    ax.plot([a, a + da], [fa, fa + dfa], "o", color=VERMILLION, ms=7,
            label=f"nudge: Δ{out} for Δ{inp}")
    ax.set(xlabel=inp, ylabel=out)
    ax.set_title(f"Δ{out} = {number(dfa, '.3f')},  d{out}/d{inp} = {number(slope, '.3f')}",
                 fontsize=FONT_SIZE)


def draw_sensitivity(state: SensitivityState, axes) -> None:
    """Draw y = g(x) and z = f(y) with the nudge and the tangent lines onto two axes."""
    n = state.numbers()
    xs = np.linspace(*state.x_range, 300)
    ys = np.array([state.g(v) for v in xs], dtype=float)
    _link(axes[0], xs, ys, BLUE, f"y = {state.g_name}", ("x", "y"), (n["x"], n["y"]),
          (n["dx"], n["dy"]), n["dy_dx"])
    lo, hi = ys.min(), ys.max()
    y_grid = np.linspace(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), 300)
    _link(axes[1], y_grid, [state.f(v) for v in y_grid], GREEN, f"z = {state.f_name}",
          ("y", "z"), (n["y"], n["z"]), (n["dy"], n["dz"]), n["dz_dy"])
    for ax in axes:
        ax.legend(fontsize=FONT_SIZE - 1, loc="best")
        ax.tick_params(labelsize=FONT_SIZE - 1)
        ax.xaxis.label.set_size(FONT_SIZE)
        ax.yaxis.label.set_size(FONT_SIZE)
        ax.grid(alpha=0.3)


SENSITIVITY_SIZE, DESCENT_SIZE = (11, 4.2), (8, 4.5)


def sensitivity_figure(state: SensitivityState) -> Figure:
    figure = Figure(figsize=SENSITIVITY_SIZE)
    draw_sensitivity(state, figure.subplots(1, 2))
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.22)
    return figure


class SensitivityExplorer(_Explorer):
    """Nudge x in its box; watch y = g(x) and z = f(y) move; the chain rule with numbers.

    `SensitivityExplorer(g=np.sin, f=np.exp, x=1.0, dx=0.1)`; optional exact derivatives
    `dg`, `df` (else central differences), names `g_name`, `f_name` for the labels.
    The number boxes `.x_slider` and `.dx_slider` set `.state`; `.render()` is the PNG shown.
    """

    def __init__(self, **settings):
        self.state = SensitivityState(**settings)
        lo, hi = self.state.x_range
        _within(self.state.x, lo, hi, "x", "choose x inside x_range or widen x_range.")
        _within(self.state.dx, -0.5, 0.5, "dx", "a nudge is small: choose |dx| <= 0.5.")
        self.x_slider = widgets.BoundedFloatText(value=self.state.x, min=lo, max=hi, step=0.05,
                                                 description="x", continuous_update=False)
        self.dx_slider = widgets.BoundedFloatText(value=self.state.dx, min=-0.5, max=0.5,
                                                  step=0.01, description="nudge Δx",
                                                  continuous_update=False,
                                                  style={"description_width": "initial"})
        self.x_slider.observe(self._on_slider, names="value")
        self.dx_slider.observe(self._on_slider, names="value")
        super().__init__([widgets.HBox([self.x_slider, self.dx_slider])], sensitivity_figure,
                         sensitivity_html, SENSITIVITY_SIZE)

    def _on_slider(self, change: dict) -> None:
        self.state = replace(self.state, x=_rounded(self.x_slider.value),
                             dx=_rounded(self.dx_slider.value))
        self._refresh()

    def numbers(self) -> dict:
        return self.state.numbers()

    def draw(self, axes) -> None:
        """Draw the current state onto two matplotlib axes (for a static plot)."""
        draw_sensitivity(self.state, axes)

    def __repr__(self) -> str:
        n = self.numbers()
        return (f"SensitivityExplorer(y = {self.state.g_name}, z = {self.state.f_name}, "
                f"x = {n['x']:.3g}, dz/dx = {n['dz_dx']:.4f})")


# ============================================================================================
# 1-d gradient descent: w ← w − η f'(w)
# ============================================================================================

def descent_html(state: DescentState) -> str:
    """The current step as numbers: w, f(w), the slope and the update."""
    w = state.w
    slope = state.slope(w)
    rate = number(state.rate, ".3g")
    rows = [f"step {state.step} of {len(state.path) - 1}: w = {number(w)}, "
            f"f(w) = {number(state.f(w))}, f'(w) = {number(slope)}",
            f"next: w ← w − η·f'(w) = {number(w)} − {rate}·{factor(number(slope))} "
            f"= {number(w - state.rate * slope)}"]
    if state.diverged:
        rows.append("<b>diverges</b>: the learning rate is too large, each step overshoots "
                    "farther than the last")
    elif state.converged:
        rows.append("<b>converges</b> to the minimum within the steps shown")
    else:
        rows.append("not at the minimum after all steps: a too small rate crawls, a rate "
                    "near the limit bounces from side to side")
    return f'<div style="{text_style()}">' + "<br>".join(rows) + "</div>"


def draw_descent(state: DescentState, ax) -> None:
    """Draw the function and the trajectory up to the current step onto one axes."""
    path = state.trajectory
    lo, hi = state.w_range
    lo, hi = min(lo, path.min() - 0.2), max(hi, path.max() + 0.2)
    grid = np.linspace(lo, hi, 400)
    values = np.array([state.f(v) for v in grid], dtype=float)
    ax.plot(grid, values, color=BLUE, lw=2.5, label=f"f(w) = {state.f_name}")
    f_path = np.array([state.f(v) for v in path], dtype=float)
    ax.plot(path, f_path, "-", color=ORANGE, lw=1.5, alpha=0.8)
    ax.scatter(path, f_path, c=np.arange(len(path)), cmap="cividis", s=50, zorder=3,
               edgecolors=BLACK, label=f"steps, η = {number(state.rate, '.3g')}")
    ax.plot(path[-1], f_path[-1], "o", color=VERMILLION, ms=12, zorder=4, label="current w")
    ax.set_xlabel("w", fontsize=FONT_SIZE)
    ax.set_ylabel("f(w)", fontsize=FONT_SIZE)
    ax.set_title(f"learning rate η = {number(state.rate, '.3g')}: step {state.step}, "
                 f"w = {number(state.w, '.3g')}",
                 fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE - 1)
    ax.legend(fontsize=FONT_SIZE - 1, loc="upper center")
    ax.grid(alpha=0.3)


def descent_figure(state: DescentState) -> Figure:
    figure = Figure(figsize=DESCENT_SIZE)
    draw_descent(state, figure.subplots())
    figure.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.9)
    return figure


class GradientDescentExplorer(_Explorer):
    """1-d gradient descent: a learning rate, a start point, play through the steps.

    `GradientDescentExplorer(f=..., df=..., rate=0.1, start=-1.0, steps=20)`; by default
    f(w) = (w − 1)² + 0.5, which diverges for rates above 1. `.rate_slider`, `.start_slider`
    and `.step_slider` (advanced by the `.play` toggle) set `.state`; `.render()` is the PNG.
    """

    def __init__(self, **settings):
        self.state = DescentState(**settings)
        lo, hi = self.state.w_range
        _within(self.state.start, lo, hi, "start", "choose a start inside w_range or widen "
                "w_range.")
        _within(self.state.rate, 1e-3, 10 ** 0.5, "rate", "choose a rate between 0.001 and 3.16.")
        self.rate_slider = widgets.BoundedFloatText(value=self.state.rate, min=1e-3,
                                                    max=10 ** 0.5, step=0.01,
                                                    description="rate η",
                                                    continuous_update=False)
        self.start_slider = widgets.BoundedFloatText(value=self.state.start, min=lo, max=hi,
                                                     step=0.1, description="start w₀",
                                                     continuous_update=False)
        self.step_slider = widgets.BoundedIntText(value=self.state.step, min=0,
                                                  max=self.state.steps, description="step")
        self.play = PlayButton(self._advance, self._restart, 0.7)
        for slider in (self.rate_slider, self.start_slider, self.step_slider):
            slider.observe(self._on_control, names="value")
        super().__init__([widgets.HBox([self.rate_slider, self.start_slider]),
                          widgets.HBox([self.play, self.step_slider])], descent_figure,
                         descent_html, DESCENT_SIZE)

    def _on_control(self, change: dict) -> None:
        self.state = replace(self.state, rate=_rounded(self.rate_slider.value),
                             start=_rounded(self.start_slider.value),
                             step=self.step_slider.value)
        self._refresh()

    def _restart(self) -> None:
        if self.state.step == len(self.state.path) - 1:
            self.step_slider.value = 0

    def _advance(self) -> bool:
        """The next step; whether there is one more after it."""
        last = len(self.state.path) - 1
        self.step_slider.value = min(self.state.step + 1, last)
        return self.state.step < last

    @property
    def trajectory(self) -> np.ndarray:
        return self.state.trajectory

    def draw(self, ax) -> None:
        """Draw the current state onto a matplotlib axes (for a static plot)."""
        draw_descent(self.state, ax)

    def __repr__(self) -> str:
        s = self.state
        return (f"GradientDescentExplorer(f(w) = {s.f_name}, rate = {s.rate:.3g}, "
                f"start = {s.start:.3g}, step {s.step}/{s.steps}, w = {s.w:.4g})")

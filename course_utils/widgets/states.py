"""The explorers' states, in plain Python: the numbers and the stepping (no widgets, no
pictures), so that the checks can tell when a student's answer hands its work to them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def _derivative(f: Callable, h: float = 1e-5) -> Callable:
    """The central difference quotient of f, used when no derivative is given."""
    return lambda x: (f(x + h) - f(x - h)) / (2 * h)


def _function(f, what: str) -> Callable:
    if not callable(f):
        raise TypeError(f"{what}: expected a function of one number (e.g. np.sin), got "
                        f"{type(f).__name__} {f!r}.")
    return f


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: expected a number, got {type(value).__name__} {value!r}.") \
            from None
    if not np.isfinite(number):
        raise ValueError(f"{what}: expected a finite number, got {number}.")
    return number


def _call(f: Callable | None, x: float) -> float:
    """f(x) as a float, for a derivative that the state's __post_init__ has filled in."""
    assert f is not None, "the state fills in every derivative"
    return float(f(x))


@dataclass(frozen=True)
class SensitivityState:
    """x, a nudge dx, and the two functions of the chain y = g(x), z = f(y) with derivatives."""
    g: Callable = np.sin
    f: Callable = np.exp
    dg: Callable | None = None
    df: Callable | None = None
    x: float = 1.0
    dx: float = 0.1
    g_name: str = "sin(x)"
    f_name: str = "exp(y)"
    x_range: tuple[float, float] = (-2.0, 3.0)

    def __post_init__(self):
        object.__setattr__(self, "g", _function(self.g, "g"))
        object.__setattr__(self, "f", _function(self.f, "f"))
        object.__setattr__(self, "dg", _derivative(self.g) if self.dg is None
                           else _function(self.dg, "dg"))
        object.__setattr__(self, "df", _derivative(self.f) if self.df is None
                           else _function(self.df, "df"))
        object.__setattr__(self, "x", _number(self.x, "x"))
        object.__setattr__(self, "dx", _number(self.dx, "dx"))

    def numbers(self) -> dict:
        """Everything the explorer shows, as plain floats."""
        x, dx = self.x, self.dx
        y, y_new = float(self.g(x)), float(self.g(x + dx))
        z, z_new = float(self.f(y)), float(self.f(y_new))
        dy_dx, dz_dy = _call(self.dg, x), _call(self.df, y)
        return dict(x=x, dx=dx, y=y, dy=y_new - y, z=z, dz=z_new - z,
                    dy_dx=dy_dx, dz_dy=dz_dy, dz_dx=dz_dy * dy_dx)


def _bowl(w):
    return (w - 1.0) ** 2 + 0.5


def _bowl_slope(w):
    return 2.0 * (w - 1.0)


#: Past this distance from the start, a run counts as diverged and stops.
BLOW_UP = 1e6


@dataclass(frozen=True)
class DescentState:
    """A 1-d function with its derivative, a learning rate, a start, and the current step."""
    f: Callable = _bowl
    df: Callable | None = _bowl_slope
    rate: float = 0.1
    start: float = -1.0
    steps: int = 20
    step: int = 0
    f_name: str = "(w − 1)² + 0.5"
    w_range: tuple[float, float] = (-1.5, 3.5)
    path: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "f", _function(self.f, "f"))
        object.__setattr__(self, "df", _derivative(self.f) if self.df is None
                           else _function(self.df, "df"))
        rate, start = _number(self.rate, "rate"), _number(self.start, "start")
        if rate <= 0:
            raise ValueError(f"rate: the learning rate must be positive, got {rate}.")
        if not isinstance(self.steps, (int, np.integer)) or self.steps < 1:
            raise ValueError(f"steps: expected a positive whole number, got {self.steps!r}.")
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "path", self._descend())
        # a run that blew up stops early: its last step is the last iterate there is
        object.__setattr__(self, "step", int(min(max(self.step, 0), len(self.path) - 1)))

    def _descend(self) -> tuple:
        """All iterates w_0 = start, w_{k+1} = w_k − η f'(w_k); stops early once it blows up."""
        path = [self.start]
        for _ in range(self.steps):
            w = path[-1] - self.rate * self.slope(path[-1])
            if not np.isfinite(w) or abs(w - self.start) > BLOW_UP:
                break
            path.append(w)
        return tuple(path)

    def slope(self, w: float) -> float:
        """f'(w), from the derivative given or by central differences."""
        return _call(self.df, w)

    @property
    def trajectory(self) -> np.ndarray:
        """The iterates up to the current step."""
        return np.array(self.path[: self.step + 1])

    @property
    def w(self) -> float:
        return float(self.trajectory[-1])

    @property
    def diverged(self) -> bool:
        """Whether the whole run moves away: blew up, or ends farther from a minimum than it
        began."""
        p = self.path
        if len(p) < self.steps + 1:
            return True
        steeper = abs(self.slope(p[-1])) > abs(self.slope(p[0]))
        return steeper and abs(p[-1] - p[-2]) > abs(p[1] - p[0])

    @property
    def converged(self) -> bool:
        """Whether the whole run ends where the slope is nearly zero (under 5 % of the start's)."""
        end, begin = abs(self.slope(self.path[-1])), abs(self.slope(self.path[0]))
        return not self.diverged and end <= 0.05 * begin

"""A Play control a screen reader can name, for the stepper and the descent explorer.

ipywidgets' `Play` draws three icon-only buttons with no accessible name, and its sliders have
none either, so the widgets here use labelled controls instead: this toggle, labelled "play"
or "pause", and number boxes. While it is on, the kernel advances one step per `interval`.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import ipywidgets as widgets


class PlayButton(widgets.ToggleButton):
    """Toggle labelled play/pause. On: `restart()` once (e.g. back to the start when at the
    end), then `advance()` every `interval` seconds while it returns True (more to come)."""

    def __init__(self, advance: Callable[[], bool], restart: Callable[[], None],
                 interval: float, **kwargs):
        super().__init__(False, description="play", icon="play", **kwargs)
        self._advance, self._restart, self.interval = advance, restart, interval
        self.observe(self._on_toggle, names="value")

    def _on_toggle(self, change: dict) -> None:
        self.description = self.icon = "pause" if change["new"] else "play"
        if change["new"]:
            self._restart()
            self._schedule()

    def _schedule(self) -> None:
        asyncio.get_event_loop().call_later(self.interval, self.tick)

    def tick(self) -> None:
        """One step of play; a tick that comes after a pause does nothing."""
        if not self.value:  # type: ignore[has-type]  # a traitlet, typed at run time
            return
        if self._advance():
            self._schedule()
        else:
            self.value = False

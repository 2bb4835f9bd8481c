"""Interactive widgets: the backprop stepper and the explorers of the first notebooks.

Imported lazily, so `import course_utils.widgets` stays fast and each widget loads on first use.
"""
import importlib

_WHERE = {
    "BackpropStepper": ".stepper",
    "SensitivityExplorer": ".explorers",
    "GradientDescentExplorer": ".explorers",
}
__all__ = list(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"course_utils.widgets has no {name!r}; it has {', '.join(_WHERE)}")
    return getattr(importlib.import_module(_WHERE[name], __name__), name)

"""Exercise checks, one module per part of the series; each check returns a Verdict.

    basics    notebooks 01-03: chain rule, gradient descent, sigmoid least squares
    graphs    notebooks 04-06: topological order, the backprop algorithm, modularity and tensors
    training  notebooks 07-08: training on XOR, the cost of gradients

Every check is registered in `_runner.REGISTRY` by `@check`; `_runner` runs them all alike.
"""
from ._runner import Verdict  # noqa: F401
from .basics import *  # noqa: F401,F403
from .graphs import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

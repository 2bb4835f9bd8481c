"""Exercise checks, one module per part of the series; each check returns a Verdict.

    basics    notebooks 01-03: chain rule, gradient descent, sigmoid least squares
    graphs    notebooks 04-06: topological order, the backprop algorithm, modularity and tensors
    own_engine  notebook 05: the student's own scalar engine, against the reference engine
    graph_ideas  notebook 04: which nodes a change of one leaf reaches
    flow      notebook 06: patterns in the backward flow, planted bugs found by gradient checks
    training  notebooks 07-08: training on XOR, the cost of gradients
    capstone  notebook 07: the XOR network's forward and backward pass by hand
    checkpoints  notebook 08: a checkpointed backward pass, its memory and recomputation measured
    modes     notebook 08: forward mode against reverse mode
    classifier  notebook 09: softmax and cross-entropy, a digits classifier and its training loop

Every check is registered in `_runner.REGISTRY` by `@check`; `_runner` runs them all alike.
"""
from ._runner import Verdict  # noqa: F401
from .basics import *  # noqa: F401,F403
from .capstone import *  # noqa: F401,F403
from .checkpoints import *  # noqa: F401,F403
from .classifier import *  # noqa: F401,F403
from .flow import *  # noqa: F401,F403
from .graph_ideas import *  # noqa: F401,F403
from .graphs import *  # noqa: F401,F403
from .modes import *  # noqa: F401,F403
from .own_engine import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

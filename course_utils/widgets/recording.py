"""What the engine's forward and backward passes did, node by node, for the stepper to replay.

The engine knows nothing of this: `forward` and `backward` call a hook once a node has its value
or its bar, and the functions below keep a copy of what the hook was shown.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Node, message


@dataclass(frozen=True)
class ForwardStep:
    """Step 2 for one node: its value, evaluated from its parents."""
    node: Node
    value: np.ndarray


@dataclass(frozen=True)
class Message:
    """What `child` sends its argument number `index`: child_bar × local derivative = product.

    `local` is d child / d parent as a number when both are scalars, else None (for tensors the
    message is a vector-Jacobian product, not a number times a number).
    """
    child: Node
    child_bar: np.ndarray
    local: np.ndarray | None
    product: np.ndarray
    index: int


@dataclass(frozen=True)
class BackwardStep:
    """Step 3 or 4 for one node: its bar, the sum of its children's messages (none for the seed)."""
    node: Node
    bar: np.ndarray
    messages: tuple[Message, ...]


def record_forward(output: Node) -> list[ForwardStep]:
    """Run the forward pass, keeping each node's value as it was computed."""
    steps: list[ForwardStep] = []
    output.forward(on_value=lambda node: steps.append(ForwardStep(node, node.value.copy())))
    return steps


def record_backward(output: Node) -> list[BackwardStep]:
    """Run the backward pass, keeping each node's bar and the messages it was summed from."""
    steps: list[BackwardStep] = []

    def keep(node: Node, received: list) -> None:
        assert node.bar is not None, "the hook is called once the bar is set"
        steps.append(BackwardStep(node, node.bar, tuple(
            Message(child, child.bar, _local(child, i), product, i)
            for child, i, product in received)))

    output.backward(on_bar=keep)
    return steps


def _local(child: Node, i: int) -> np.ndarray | None:
    """d child / d arg_i as a number, when child and argument are scalars: the message for a
    bar of 1."""
    argument = child.args[i]
    if child.value.ndim != 0 or np.ndim(argument.value) != 0:
        return None
    return message(child, i, bar=np.ones_like(child.value))

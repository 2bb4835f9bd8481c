"""The worker: runs one student's notebook inside the sandbox and answers calls of its functions.

Started by the grader as `python -I worker.py READ_FD WRITE_FD [UID]` with a copy of
course_utils on its path that holds no reference answers: `course_utils.reference`,
`course_utils.network` and `course_utils.checks` there are stand-ins whose functions raise.
It never sees a verdict, a check's configurations or another student's notebook.

1. As root it first becomes UID (one per parallel job), so that limits per user (number of
   processes) hold, and closes its standard streams: what the student prints goes nowhere.
2. It receives the notebook's code cells (the instructor's cells with the student's solution
   regions put back) and runs them in order, statement by statement, so that one failing
   statement (a stand-in that raises) leaves the rest of the cell running. Before each cell it
   says which, so the grader can tell which cell never finished.
3. At each check cell the statement `__hand_in__(column, lambda: [functions])` records what
   the check would have been given; when all cells ran it sends those functions as handles.
4. Then it answers calls (channel.Peer.answer) until the grader closes the channel, each with
   the course functions refused that the check refuses in the notebook (refusal.py).
"""
from __future__ import annotations

import ast
import importlib
import os
import sys


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _quiet() -> None:
    """The student's output goes to /dev/null: the channel has descriptors of its own."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def _close_figures_unseen(cells: list) -> None:
    """Pictures are for students; grading needs none, and drawing them costs seconds. (Only
    for a notebook that draws: importing matplotlib alone costs most of a second.)"""
    if not any(word in cell.get("source", "") for cell in cells
               for word in ("matplotlib", "show_figure", "course_utils.style")):
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_utils import style
    style.show_figure = lambda fig, *args, **kwargs: plt.close(fig)  # type: ignore[assignment]


def run_cells(cells: list, send_progress) -> tuple[dict, dict, list]:
    """Run the cells; (the namespace, {check: [what was handed in]}, [errors per cell])."""
    from course_utils.grade.channel import describe_error
    handed: dict = {}
    errors: list = []
    namespace: dict = {"__name__": "__main__", "display": lambda *args, **kwargs: None}

    def hand_in(check: str, functions) -> None:
        handed[check] = functions()

    def adapt(name: str, items: list) -> list:
        """A check's `adapt`, here where the student's code runs (course_utils' own only)."""
        module, _, function = name.rpartition(".")
        if not module.startswith("course_utils."):
            raise ValueError(f"{name} is not a function of course_utils")
        return getattr(importlib.import_module(module), function)(*items)

    namespace["__hand_in__"], namespace["__adapt__"] = hand_in, adapt
    for cell in cells:
        send_progress(cell["index"])
        try:
            statements = ast.parse(cell["source"], cell["filename"]).body
        except SyntaxError as error:
            errors.append({"index": cell["index"], **describe_error(error, None),
                           "line": error.lineno or 0})
            continue
        for statement in statements:
            try:
                module = ast.Module(body=[statement], type_ignores=[])
                exec(compile(module, cell["filename"], "exec"), namespace)
            except BaseException as error:  # the student's, or a stand-in's: noted, not fatal
                errors.append({"index": cell["index"], **describe_error(error,
                                                                        error.__traceback__),
                               "line": statement.lineno})
    return namespace, handed, errors


def main(argv: list[str]) -> None:
    read_fd, write_fd = int(argv[1]), int(argv[2])
    if len(argv) > 3 and os.getuid() == 0:
        _drop_privileges(int(argv[3]))
    _quiet()
    sys.setrecursionlimit(3000)
    from course_utils.grade.channel import Codec, describe_error, receive, send
    from course_utils.grade.refusal import RefusingPeer
    peer = RefusingPeer(read_fd, write_fd)
    order = receive(read_fd)
    _close_figures_unseen(order.get("cells", []))
    _, handed, errors = run_cells(order.get("cells", []),
                                  lambda index: send(write_fd, {"op": "cell", "index": index}))
    codec = Codec(peer)
    send(write_fd, {"op": "ready", "errors": errors[:200],
                    "handed": codec.encode({str(k): list(v) if isinstance(v, (list, tuple))
                                            else [v] for k, v in handed.items()})})
    while True:
        message = receive(read_fd)
        if message.get("op") != "call":
            return
        try:
            peer.answer(message)
        except Exception as error:  # a call the channel cannot carry: the caller hears why
            send(write_fd, {"op": "raise", "error": describe_error(error, None)})


if __name__ == "__main__":
    main(sys.argv)

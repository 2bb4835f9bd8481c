"""The channel decodes what the worker sends as data only: no pickle, no code, no objects of
the worker's own classes; identities and in-place changes survive a call."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from course_utils.grade.channel import (
    MAX_MESSAGE,
    ChannelError,
    Codec,
    Opaque,
    Peer,
    rebuild_error,
    receive,
)
from course_utils.lecture import regularised_example


def round_trip(value, codec: Codec | None = None):
    codec = codec or Codec(Peer(-1, -1))
    return codec.decode(json.loads(json.dumps(codec.encode(value))))


def test_a_backward_pass_in_the_worker_writes_bars_into_the_grader_s_nodes():
    ex = regularised_example()
    grader, worker = Codec(Peer(-1, -1)), Codec(Peer(-1, -1))
    [copy] = worker.decode(json.loads(json.dumps(grader.encode([ex.L_reg]))))
    copy.backward()
    order = [copy, *copy.parents]
    after = grader.decode(json.loads(json.dumps(worker.encode([[copy], order]))))
    assert after[1][0] is ex.L_reg and after[1][1] is ex.L_reg.parents[0]
    assert ex.w.bar == pytest.approx(-0.043587, abs=1e-6)


def test_an_array_changed_in_place_is_changed_in_place_on_the_grader_s_side():
    w = np.array([0.5, -0.3])
    grader, worker = Codec(Peer(-1, -1)), Codec(Peer(-1, -1))
    [copy] = worker.decode(json.loads(json.dumps(grader.encode([w]))))
    copy -= 1.0
    grader.decode(json.loads(json.dumps(worker.encode([copy]))))
    assert w.tolist() == [-0.5, -1.3]


def test_an_object_array_or_an_unknown_kind_is_refused():
    codec = Codec(Peer(-1, -1))
    for value in ({"t": "array", "dtype": "|O", "shape": [1], "b64": "AAAAAAAAAAA="},
                  {"t": "pickle", "v": "gASVAAAA"},
                  {"t": "list", "yours": 7, "v": []}):
        with pytest.raises(ChannelError):
            codec.decode({"nodes": [], "value": value})


def test_a_value_of_a_class_of_the_student_s_arrives_as_a_placeholder():
    class Verdict:
        ok = True
    value = round_trip([Verdict()])[0]
    assert isinstance(value, Opaque) and not hasattr(value, "ok")


def test_exits_and_interrupts_raised_by_the_student_become_ordinary_errors():
    assert type(rebuild_error({"type": "NotImplementedError", "text": ""})) is \
        NotImplementedError
    for name in ("SystemExit", "KeyboardInterrupt", "os.system"):
        error = rebuild_error({"type": name, "text": "x"})
        assert isinstance(error, Exception) and not isinstance(error, (SystemExit,
                                                                      KeyboardInterrupt))


def test_a_message_larger_than_allowed_is_refused_before_it_is_read():
    read, write = os.pipe()
    os.write(write, (MAX_MESSAGE + 1).to_bytes(8, "big"))
    with pytest.raises(ChannelError):
        receive(read, None)
    os.close(read)
    os.close(write)


def test_the_worker_refuses_what_the_grader_names_and_runs_nothing_beside_a_thread():
    """The worker's side of a call: a refused course function called by the student's code
    raises ReferenceCalled with its position in the grader's list; with a thread of the
    student's running (which no tracer follows) the student's function does not run at all."""
    import threading

    from course_utils.engine import topological_order
    from course_utils.grade.refusal import ReferenceCalled, RefusingPeer, ThreadsRunning, places

    peer = RefusingPeer(-1, -1)
    refused = places({topological_order.__code__: "engine.topological_order"})
    output = regularised_example().L_reg
    with pytest.raises(ReferenceCalled, match="^0$"):
        peer.run_export(lambda out: topological_order(out), [output], {}, refused)
    assert peer.run_export(lambda out: out.name, [output], {}, refused) == output.name
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with pytest.raises(ThreadsRunning, match="still running"):
            peer.run_export(lambda: 1, [], {}, [])
    finally:
        stop.set()
        thread.join()

"""The channel between the grader and the sandboxed worker: calls as data, never as code.

The grader's checks call the student's functions through `Proxy` objects; each call travels to
the worker as a JSON message, the worker calls the real function and answers with what it
returned and with the state of the arguments after the call (a backward pass writes bars into
the nodes it was given). The grader rebuilds those values from JSON alone: numbers, text,
lists, tuples, dicts, sets, numeric numpy arrays (from their raw bytes, never `pickle`), engine
nodes and operations, and handles of functions that live on the other side. Anything else
arrives as an `Opaque` placeholder. So the worker can only ever say "this is what the function
returned": it cannot hand the grader code, objects of its own classes or a verdict.

Objects keep their identity across a call: an argument the worker changed in place is changed
in place on the grader's side too (`yours`), and an object seen twice is the same object twice
(`same`), so a check sees a list of the very nodes it handed in, or an input changed under it.

Both sides use this module: the worker is a copy of course_utils without the reference answers.
"""
from __future__ import annotations

import base64
import builtins
import json
import os
import select
import struct
import time
from typing import Any

import numpy as np

from .. import engine, lecture
from ..engine import Node, Operation

#: The largest message either side accepts (bytes); more ends the worker.
MAX_MESSAGE = 64 * 2**20
#: How deep values may nest (a list in a dict in a tuple ...).
MAX_DEPTH = 40
#: numpy dtype kinds an array may have: bool, integers, floats, complex. Never object.
NUMERIC = "biufc"

_HEADER = struct.Struct(">Q")


class ChannelError(Exception):
    """The other side broke the protocol, ended, or did not answer in time."""


class Opaque:
    """Stands for a value of a kind the channel does not carry (a student's own class...)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return f"<{self.kind} object>"


def named_operations() -> dict[str, Operation]:
    """Operations both sides have by name: the engine's table and the lecture's own."""
    named = {f"engine.{name}": op for name, op in engine.OPERATIONS.items()}
    named.update({f"lecture.{name}": op for name, op in vars(lecture).items()
                  if isinstance(op, Operation)})
    return named


_OPERATIONS = named_operations()
_OPERATION_NAMES = {id(op): name for name, op in _OPERATIONS.items()}


# -- framing ---------------------------------------------------------------------------------

def send(fd: int, message: dict) -> None:
    data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
    data = _HEADER.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _read(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise ChannelError("the worker ended")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, deadline: float | None = None) -> dict:
    """The next message; TimeoutError after `deadline` (time.monotonic()), ChannelError if the
    other side ended or sent something that is not a message."""
    (size,) = _HEADER.unpack(_read(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE:
        raise ChannelError(f"a message of {size} bytes, more than the {MAX_MESSAGE} accepted")
    try:
        message = json.loads(_read(fd, size, deadline))
    except (ValueError, RecursionError):
        raise ChannelError("a message that is not JSON") from None
    if not isinstance(message, dict):
        raise ChannelError("a message that is not a JSON object")
    return message


# -- values ----------------------------------------------------------------------------------

class Codec:
    """Encodes and decodes the values of one call (its arguments, then its answer).

    `sent` remembers every object this side encoded by its number, so that the answer can
    refer to it (`yours`); `received` remembers the numbers of objects decoded from the other
    side, so that this side's answer can refer to them.
    """

    def __init__(self, peer: Any):
        self.peer = peer                  # exports functions, makes proxies of theirs
        self.sent: dict[int, Any] = {}
        self.received: dict[int, int] = {}   # id(object) -> the other side's number
        self._keep: list = []             # keeps decoded objects alive while ids are in use
        self.stamps: dict[int, int] = {}  # id(node) -> its stamp when decoded

    # encoding: python -> JSON ----------------------------------------------------------------

    def encode(self, value) -> dict:
        self._numbers: dict[int, int] = {}
        self._nodes: list = []
        encoded = self._encode(value, 0)
        return {"nodes": self._nodes, "value": encoded}

    def _number(self, value) -> tuple[dict, bool]:
        """The tag of an object: {"same": n} if already in this message, else its number (and
        "yours" if it came from the other side); True if its contents still need encoding."""
        if id(value) in self._numbers:
            return {"same": self._numbers[id(value)]}, False
        number = len(self.sent) + 1
        self._numbers[id(value)] = number
        self.sent[number] = value
        tag: dict = {"n": number}
        if id(value) in self.received:
            tag["yours"] = self.received[id(value)]
        return tag, True

    def _encode(self, value, depth: int):
        if depth > MAX_DEPTH:
            raise ChannelError("a value nested too deeply")
        if value is None or type(value) in (bool, int, float, str):
            return value
        if isinstance(value, Node):
            return {"t": "node", **self._node(value)}
        if isinstance(value, np.generic) and value.dtype.kind in NUMERIC:
            return {"t": "scalar", "dtype": value.dtype.str,
                    "b64": base64.b64encode(value.tobytes()).decode()}
        tag, fresh = self._number(value)
        if not fresh:
            return tag
        if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC:
            return {"t": "array", **tag, "dtype": value.dtype.str, "shape": list(value.shape),
                    "b64": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode(),
                    "readonly": not value.flags.writeable}
        kinds: dict[type, str] = {list: "list", tuple: "tuple", set: "set",
                                  frozenset: "frozenset"}
        if type(value) in kinds:
            items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
            return {"t": kinds[type(value)], **tag,
                    "v": [self._encode(item, depth + 1) for item in items]}
        if type(value) is dict:
            return {"t": "dict", **tag, "k": [self._encode(k, depth + 1) for k in value],
                    "v": [self._encode(v, depth + 1) for v in value.values()]}
        if isinstance(value, Operation):
            return {"t": "op", **tag, **self._operation(value, depth)}
        if callable(value):
            return {"t": "fn", **tag, "handle": self.peer.export(value),
                    "name": str(getattr(value, "__name__", "function"))[:80]}
        return {"t": "opaque", **tag, "kind": type(value).__name__[:80]}

    def _operation(self, op: Operation, depth: int) -> dict:
        if id(op) in _OPERATION_NAMES:
            return {"name": _OPERATION_NAMES[id(op)]}
        return {"custom": str(op.name), "formula": str(op.formula),
                "local": [str(text) for text in op.local],
                "symbols": [None if s is None else str(s) for s in op.symbols],
                "forward": self._encode(op.forward, depth + 1),
                "vjps": [self._encode(vjp, depth + 1) for vjp in op.vjps]}

    def _node(self, node: Node) -> dict:
        """The node's reference; the node and every node it depends on are recorded in the
        message's node table, parents first (no recursion: graphs may be deep)."""
        stack = [(node, False)]
        while stack:
            current, expanded = stack.pop()
            if id(current) in self._numbers:
                continue
            if not expanded:
                stack.append((current, True))
                stack.extend((p, False) for p in current.parents if id(p) not in self._numbers)
                continue
            tag, _ = self._number(current)
            if "yours" in tag:  # the other side's node: did this side give it a new value?
                tag["changed"] = self.stamps.get(id(current)) != current._stamp
            self._nodes.append({**tag, "name": current.name,
                                "value": self._plain(current.value),
                                "bar": self._plain(current.bar),
                                "op": None if current.op is None else
                                self._encode(current.op, 1),
                                "args": [self._encode(a, 1) for a in current.args],
                                "params": self._encode(dict(current.params), 1),
                                "stamp": int(current._stamp)})
        return {"same": self._numbers[id(node)]}

    def _plain(self, value):
        """A node's value or bar: an array without identity (the node owns it)."""
        if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC:
            return {"t": "array", "dtype": value.dtype.str, "shape": list(value.shape),
                    "b64": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()}
        return self._encode(value, 1)

    # decoding: JSON -> python ----------------------------------------------------------------

    def decode(self, message: dict):
        """The value of a message, with every object that came back from this side updated in
        place to the state the other side left it in."""
        self._objects: dict[int, Any] = {}
        self._restamp: list[tuple[int, Node, np.ndarray]] = []
        records = message.get("nodes")
        if not isinstance(records, list):
            raise ChannelError("a message without its node table")
        for record in records:
            self._decode_node(_expect(record, dict))
        value = self._decode(message.get("value"), 0)
        for _, node, array in sorted(self._restamp, key=lambda change: change[0]):
            node.value = array  # in the other side's order: the engine compares these stamps
        return value

    def _register(self, item: dict, value):
        number = item.get("n")
        if type(number) is int:
            self._objects[number] = value
            self.received[id(value)] = number
            self._keep.append(value)
        return value

    def _mine(self, item: dict, kind: type | tuple):
        """The object this side sent as `yours`, or None for a new one."""
        if "yours" not in item:
            return None
        mine = self.sent.get(item["yours"]) if type(item["yours"]) is int else None
        if not isinstance(mine, kind):
            raise ChannelError("a reference to an object that was never sent")
        return mine

    def _decode(self, item, depth: int):
        if depth > MAX_DEPTH:
            raise ChannelError("a value nested too deeply")
        if item is None or type(item) in (bool, int, float, str):
            return item
        item = _expect(item, dict)
        if "same" in item:
            if item["same"] not in self._objects:
                raise ChannelError("a reference to an object not in the message")
            return self._objects[item["same"]]
        kind = item.get("t")
        if kind == "scalar":
            return _array(item, ())[()]
        if kind == "array":
            array = _array(item, item.get("shape"))
            mine = self._mine(item, np.ndarray)
            if mine is not None and mine.shape == array.shape and mine.dtype == array.dtype:
                if mine.flags.writeable and not np.array_equal(mine, array, equal_nan=True):
                    mine[...] = array    # changed in place by the other side
                array = mine
            elif item.get("readonly") is True:
                array.flags.writeable = False
            return self._register(item, array)
        if kind in ("list", "tuple", "set", "frozenset"):
            return self._container(item, kind, depth)
        if kind == "dict":
            keys, values = _expect(item.get("k"), list), _expect(item.get("v"), list)
            mine = self._mine(item, dict)
            result = self._register(item, {} if mine is None else mine)
            pairs = [(self._decode(k, depth + 1), self._decode(v, depth + 1))
                     for k, v in zip(keys, values, strict=True)]
            try:
                new = dict(pairs)
            except TypeError:
                raise ChannelError("a dict key that cannot be a key") from None
            result.clear()
            result.update(new)
            return result
        if kind == "op":
            return self._register(item, self._mine(item, Operation) or
                                  self._decode_operation(item, depth))
        if kind == "fn":
            mine = self._mine(item, object)
            handle = item.get("handle")
            if mine is None and type(handle) is not int:
                raise ChannelError("a function without its handle")
            return self._register(item, mine if mine is not None else
                                  self.peer.proxy(handle, str(item.get("name", ""))[:80]))
        if kind == "opaque":
            return self._register(item, self._mine(item, object) or
                                  Opaque(str(item.get("kind", "unknown"))[:80]))
        raise ChannelError(f"a value of unknown kind {str(kind)[:40]!r}")

    def _container(self, item: dict, kind: str, depth: int):
        values = _expect(item.get("v"), list)
        if kind == "list":
            mine = self._mine(item, list)
            result = self._register(item, [] if mine is None else mine)
            result[:] = [self._decode(v, depth + 1) for v in values]
            return result
        if kind == "set":
            mine = self._mine(item, set)
            result = self._register(item, set() if mine is None else mine)
            try:
                new = {self._decode(v, depth + 1) for v in values}
            except TypeError:
                raise ChannelError("a set member that cannot be in a set") from None
            result.clear()
            result.update(new)
            return result
        items = [self._decode(v, depth + 1) for v in values]
        try:
            return self._register(item, tuple(items) if kind == "tuple" else frozenset(items))
        except TypeError:
            raise ChannelError("a frozenset member that cannot be in a set") from None

    def _decode_operation(self, item: dict, depth: int) -> Operation:
        if "name" in item:
            if item["name"] not in _OPERATIONS:
                raise ChannelError("an operation of unknown name")
            return _OPERATIONS[item["name"]]
        forward = self._decode(item.get("forward"), depth + 1)
        vjps = tuple(self._decode(v, depth + 1) for v in _expect(item.get("vjps"), list))
        if not callable(forward) or not all(v is None or callable(v) for v in vjps):
            raise ChannelError("an operation whose functions are not functions")
        texts = [_expect(t, str) for t in _expect(item.get("local"), list)]
        symbols = [s if s is None else _expect(s, str)
                   for s in _expect(item.get("symbols", []), list)]
        return Operation(_expect(item.get("custom"), str)[:80], forward, vjps,
                         _expect(item.get("formula"), str), tuple(texts), tuple(symbols))

    def _decode_node(self, record: dict) -> None:
        value = self._decode(record.get("value"), 1)
        bar = self._decode(record.get("bar"), 1)
        op = self._decode(record.get("op"), 1)
        args = tuple(self._decode(a, 1) for a in _expect(record.get("args"), list))
        params = _expect(self._decode(record.get("params"), 1), dict)
        name = record.get("name")
        if not isinstance(value, np.ndarray) or not (name is None or isinstance(name, str)) \
                or not (op is None or isinstance(op, Operation)) \
                or not all(isinstance(a, (Node, np.ndarray)) for a in args) \
                or not all(isinstance(k, str) for k in params):
            raise ChannelError("a node that is not a node")
        node = self._mine(record, Node)
        stamp: int = record["stamp"] if type(record.get("stamp")) is int else 0
        if node is None:
            node = Node.__new__(Node)
            node.name = name
            node.value = value
        if "yours" not in record or record.get("changed"):
            self._restamp.append((stamp, node, value))
        node.name, node.op, node.args, node.params, node.bar = name, op, args, params, bar
        node.parents = tuple(a for a in args if isinstance(a, Node))
        self._register(record, node)
        self.stamps[id(node)] = node._stamp


def _expect(value, kind: type | tuple[type, ...]):
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ChannelError(f"expected {getattr(kind, '__name__', 'a sequence')} in a message")
    return value


def _array(item: dict, shape) -> np.ndarray:
    """A numeric array from its dtype, shape and bytes; refuses any other dtype."""
    try:
        dtype = np.dtype(_expect(item.get("dtype"), str))
        shape = tuple(_expect(s, int) for s in _expect(shape, (list, tuple)))
        data = base64.b64decode(_expect(item.get("b64"), str), validate=True)
    except (TypeError, ValueError):
        raise ChannelError("an array that is not an array") from None
    if dtype.kind not in NUMERIC or dtype.hasobject or any(s < 0 for s in shape) or \
            len(data) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ChannelError("an array that is not a numeric array")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


# -- errors ----------------------------------------------------------------------------------

def describe_error(error: BaseException, tb) -> dict:
    """An exception as data: its type's name, its text, and the frames it passed through."""
    import traceback
    frames = [[f.filename, f.lineno or 0, f.name] for f in traceback.extract_tb(tb)]
    return {"type": type(error).__name__, "text": str(error)[:2000], "frames": frames[-20:]}


class StudentError(Exception):
    """An error raised in the student's code whose type is not a builtin exception."""


def rebuild_error(described: dict) -> Exception:
    """The exception the student's code raised, rebuilt from its name and text: a builtin
    exception type when it is one (NotImplementedError stays NotImplementedError), else a
    StudentError named after it. Exits and interrupts become errors: they are the student's."""
    name = str(described.get("type", "Exception"))[:80]
    text = str(described.get("text", ""))[:2000]
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind.__module__ == "builtins":
        try:
            return kind(text)
        except Exception:
            pass
    safe = name if name.isidentifier() else "StudentError"
    return type(safe, (StudentError,), {})(text)


# -- calls -----------------------------------------------------------------------------------

class Peer:
    """One side of the channel: calls the other side's functions and answers its calls (a
    call may call back, e.g. a student's training loop calling the `forward` it was given)."""

    #: What an answered call may raise and still be reported to the caller: the worker reports
    #: everything; the grader lets its own time guard (a BaseException) pass through.
    REPORTED: tuple[type[BaseException], ...] = (BaseException,)

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.exports: list = []

    def export(self, function) -> int:
        self.exports.append(function)
        return len(self.exports) - 1

    def proxy(self, handle: int, name: str) -> Proxy:
        return Proxy(self, handle, name)

    def deadline(self) -> float | None:
        return None

    def call(self, handle: int, args: tuple, kwargs: dict | None = None):
        codec = Codec(self)
        send(self.write_fd, {"op": "call", "handle": handle, "refused": self.refused(),
                             "args": codec.encode([list(args), dict(kwargs or {})])})
        while True:
            message = receive(self.read_fd, self.deadline())
            kind = message.get("op")
            if kind == "call":
                self.answer(message)
            elif kind == "return":
                after = codec.decode(_expect(message.get("value"), dict))
                if not isinstance(after, list) or len(after) != 2:
                    raise ChannelError("an answer that is not (arguments, result)")
                return after[1]
            elif kind == "raise":
                raise self.failed(_expect(message.get("error"), dict))
            else:
                raise ChannelError(f"an unexpected message {str(kind)[:40]!r}")

    def failed(self, described: dict) -> Exception:
        return rebuild_error(described)

    def refused(self) -> list:
        """What the called side must refuse to the student's code during this call (the
        grader names the course functions the running check refuses)."""
        return []

    def run_export(self, function, args: list, kwargs: dict, refused) -> object:
        """Run an exported function for the other side (the worker refuses what the grader
        names while the student's function runs)."""
        return function(*args, **kwargs)

    def answer(self, message: dict) -> None:
        """Run the function the other side asked for, and send back what it returned and the
        state of its arguments (or the error it raised)."""
        codec = Codec(self)
        handle = message.get("handle")
        if type(handle) is not int or not 0 <= handle < len(self.exports):
            raise ChannelError("a call of a function that was never exported")
        given = codec.decode(_expect(message.get("args"), dict))
        if not (isinstance(given, list) and len(given) == 2 and isinstance(given[0], list)
                and isinstance(given[1], dict) and all(isinstance(k, str) for k in given[1])):
            raise ChannelError("a call whose arguments are not (args, kwargs)")
        args, kwargs = given
        try:
            result = self.run_export(self.exports[handle], args, kwargs, message.get("refused"))
        except self.REPORTED as error:
            send(self.write_fd, {"op": "raise",
                                 "error": describe_error(error, error.__traceback__)})
            return
        send(self.write_fd, {"op": "return", "value": codec.encode([args, result])})


class Proxy:
    """A function of the other side: calling it is a call over the channel."""

    def __init__(self, peer: Peer, handle: int, name: str):
        self.peer, self.handle = peer, handle
        self.__name__ = self.__qualname__ = name or "function"

    def __call__(self, *args, **kwargs):
        return self.peer.call(self.handle, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"

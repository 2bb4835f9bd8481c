"""The worker's cage, and the copy of course_utils it runs with.

With bubblewrap (`bwrap`, Debian's `bubblewrap`) the worker sees the system read-only, the
Python installation read-only, the copy of course_utils below and an empty /tmp of its own;
nothing else: no other student's submission, no instructor notebook, no grader output. It has
no network, its own process ids (it cannot see or signal the grader) and, when the grader runs
as root, a user id of its own per parallel job, so a limit on processes holds. Without
bubblewrap it falls back to the same limits, a fresh temporary folder and time-outs, and the
report says so: then files the grader's user can read, it can read too.

Limits in both cases: address space (memory), file size, no core files, processor time, and
with a user id of its own, the number of processes (a fork bomb stops there).
"""
from __future__ import annotations

import compileall
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]           # course_utils
#: Modules with reference answers: the worker gets stand-ins that raise instead.
WITHHELD = ("reference", "network", "checks")
#: The first user id of the workers (when the grader runs as root): one per parallel job.
FIRST_UID = 61000

STAND_IN = '''"""Not available while grading: the reference answers stay with the grader."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)

    def unavailable(*args, **kwargs):
        raise RuntimeError(f"{__name__}.{name} is not available while grading: "
                           "write the answer yourself")
    unavailable.__name__ = name
    return unavailable
'''


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    processes: int = 64
    file_mb: int = 64
    cpu_seconds: int = 300


def bubblewrap_works() -> bool:
    """True if bwrap is installed and can start a namespace here."""
    if not shutil.which("bwrap"):
        return False
    try:
        done = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net",
                               "--die-with-parent", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def other_users_can_run_python() -> bool:
    """True if an unprivileged user id can start this interpreter with numpy. Without
    bubblewrap's binds, an interpreter under /root (pyenv's, say) is out of its reach."""
    def as_first_uid() -> None:
        os.setgroups([])
        os.setgid(FIRST_UID)
        os.setuid(FIRST_UID)
    try:
        done = subprocess.run([os.path.realpath(sys.executable), "-I", "-c", "import numpy"],
                              capture_output=True, timeout=60, cwd="/", preexec_fn=as_first_uid,
                              env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def build_runtime(folder: Path) -> Path:
    """Write the worker's course_utils to folder/course_utils: the package without its
    reference answers (stand-ins for WITHHELD), with the grade package's channel and worker."""
    target = folder / "course_utils"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", *(f"{name}.py" for name in WITHHELD), *WITHHELD, "grade"))
    (target / "grade").mkdir()
    for name in ("__init__.py", "channel.py", "refusal.py", "worker.py"):
        shutil.copy2(PACKAGE / "grade" / name, target / "grade" / name)
    (target / "reference.py").write_text(STAND_IN)
    # the XOR data of network.py are the notebooks' data, not an answer: kept
    from .. import network
    data = "".join(f"{name} = np.array({getattr(network, name).tolist()!r})\n"
                   for name in ("X", "T"))
    (target / "network.py").write_text(STAND_IN + f"\nimport numpy as np\n\n{data}"
                                       f"BARS = {network.BARS!r}\n")
    (target / "checks").mkdir()
    (target / "checks" / "__init__.py").write_text(STAND_IN)
    for module in (PACKAGE / "checks").glob("*.py"):
        if module.name != "__init__.py":
            (target / "checks" / module.name).write_text(STAND_IN)
    compileall.compile_dir(target, quiet=1)   # once per run, not once per worker
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def _python_roots() -> list[str]:
    """Folders the interpreter and its packages live in (read-only in the cage)."""
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    return sorted(roots)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32", "etc/alternatives"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def command(runtime: Path, read_fd: int, write_fd: int, uid: int | None,
            bubblewrap: bool) -> list[str]:
    """The worker's command line, caged by bwrap or not."""
    folder = "/grader" if bubblewrap else str(runtime.parent)
    launch = (f"import sys; sys.path.insert(0, {folder!r}); "
              "from course_utils.grade.worker import main; main(sys.argv)")
    worker = [os.path.realpath(sys.executable), "-I", "-c", launch, str(read_fd), str(write_fd)]
    if uid is not None:
        worker.append(str(uid))
    if not bubblewrap:
        return worker
    cage = ["bwrap", *_system_binds()]
    for root in _python_roots():
        for parent in reversed(Path(root).parents[:-1]):   # reachable by the worker's user
            cage += ["--perms", "0755", "--dir", str(parent)]
        cage += ["--ro-bind", root, root]
        if PACKAGE.is_relative_to(root):  # an installed course_utils, reference answers and all
            cage += ["--tmpfs", str(PACKAGE)]
    cage += ["--ro-bind", str(runtime.parent), "/grader", "--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--tmpfs", "/tmp", "--unshare-ipc", "--unshare-pid",
             "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
             "--new-session", "--chdir", "/tmp"]
    return cage + worker


def limiter(limits: Limits, own_user: bool):
    """The function run in the worker's process before it starts (subprocess's preexec_fn)."""
    def limit() -> None:
        os.setsid()
        memory = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = limits.file_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        if own_user:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    return limit


def environment(scratch: str) -> dict[str, str]:
    """A small environment: no grader secrets, one thread for numpy's libraries."""
    return {"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": scratch, "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def scratch_folder() -> str:
    """A fresh folder for a worker without bubblewrap (with it, /tmp is fresh already)."""
    return tempfile.mkdtemp(prefix="grade-worker-")

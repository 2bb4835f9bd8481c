"""The folder a build writes to: checked before anything is built, written whole or not at all.

A build goes to a temporary folder beside OUT and is moved into place only when it succeeded,
so a failure leaves OUT as it was. OUT then holds MARKER, which says that this tool made it:
a rebuild may replace such a folder. Any other non-empty folder is someone's, and is refused
unless `force` says to replace it; a folder that holds what the build reads (the notebooks,
the README), or sits inside the notebooks' folder, is refused even then.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from course_utils.student_edition import move_into_place

MARKER = ".course-site"
MARKER_TEXT = ("Made by `python -m course_utils.site`; building again into this folder "
               "replaces all of it.\n")


class FolderError(ValueError):
    """OUT cannot receive the build; the message says why and what to do."""


def refusal(out: Path, sources: list[Path], force: bool) -> str | None:
    """Why `out` must not receive a build that reads `sources` (files and folders), or None
    when it may."""
    target = out.resolve()
    for source in (path.resolve() for path in sources):
        if source.is_dir() and (target == source or source in target.parents):
            return f"OUT {out} is inside {source}, which the build reads; choose another folder"
        if target in source.parents:
            return (f"OUT {out} holds {source}, which a build would replace; choose a folder "
                    "of its own")
    if target.exists() and not target.is_dir():
        return f"OUT {out} is an existing file, not a folder; choose a folder"
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file() \
            and not force:
        return (f"OUT {out} already holds files this tool did not make; choose a new or empty "
                "folder, or add --force to replace everything in it")
    return None


def mathjax_source() -> Path:
    """MathJax 2 as jupyter_server_mathjax ships it (the renderer nbconvert's pages are
    written for), or a one-line error saying how to install it."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise FolderError("the pages' math renderer comes from the jupyter-server-mathjax "
                          "package, which is not installed: pip install -r requirements.txt"
                          ) from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(folder: Path) -> None:
    """MathJax into `folder`/mathjax, where the pages load it from. The package's
    jax/output/SVG holds fonts but not the SVG renderer itself, so it is left out."""
    def unusable(directory: str, names: list[str]) -> list[str]:
        return ["SVG"] if Path(directory).parts[-2:] == ("jax", "output") else []
    shutil.copytree(mathjax_source(), folder / "mathjax", ignore=unusable)


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A temporary folder beside `out` to build in; moved to `out` (replacing it) when the
    block succeeds, removed when it fails."""
    target = out.resolve()  # "." has no name to put beside it
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        staging.chmod(0o755)
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        yield staging
        move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

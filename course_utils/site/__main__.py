"""`python -m course_utils.site OUT [--export NOTEBOOK...] [--force]`: see the package's
docstring. Errors are one line on stderr and exit status 1; OUT is then left as it was."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from course_utils.site.build import build_site, export
from course_utils.site.folder import MARKER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.site",
        description="Build the course website from the notebooks as committed (their stored "
                    "outputs, nothing re-run): OUT/index.html, a page per notebook, and the "
                    "math renderer, so it works from disk or any static host with no network.")
    parser.add_argument("out", type=Path, metavar="OUT",
                        help="folder to write to: new, empty, or made by this tool before "
                             f"(it holds {MARKER}), which is then replaced")
    parser.add_argument("--export", nargs="+", type=Path, metavar="NOTEBOOK",
                        help="write only these notebooks' pages, each standing alone, with "
                             "their math renderer beside them")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="folder of the notebooks for the website (default: notebooks/ "
                             "of this repository); the README beside it is the front page")
    parser.add_argument("--force", action="store_true",
                        help="replace OUT even if it holds files this tool did not make")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.export:
            written = export(args.out, args.export, args.force)
        else:
            written = build_site(args.out, args.notebooks, force=args.force)
    except (OSError, ValueError) as error:  # FolderError and unreadable notebooks included
        print(f"error: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    pages = f"{len(written)} page" + ("s" if len(written) != 1 else "")
    print(f"Wrote {pages} to {args.out} in {seconds:.1f} s; "
          f"open {written[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every link and picture of a built site resolves inside it, and no page loads anything from
another host.

Checked on the finished build, before it is moved into place, so that a link to a notebook
that is not there, or an output that would fetch from a CDN, fails the build (and CI) rather
than a reader's click. Links to other sites (`<a href="https://…">`) are links, not loads:
they are left alone.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

TAG = re.compile(r"<(a|area|link|img|script|iframe|source|video|audio|embed|track)\b[^>]*>",
                 re.I)
ATTRIBUTE = re.compile(r'\s(href|src)="([^"]*)"', re.I)
ID = re.compile(r'\s(?:id|name)="([^"]*)"')


def references(html: str) -> list[tuple[str, str]]:
    """(tag, target) for each href and src of `html` (nbconvert quotes every attribute)."""
    return [(tag.group(1).lower(), attribute.group(2))
            for tag in TAG.finditer(html) for attribute in ATTRIBUTE.finditer(tag.group(0))]


def problems(folder: Path, follow_links: bool = True) -> list[str]:
    """What is wrong with the pages in `folder`, one line each; empty when nothing is.
    Without `follow_links` only what a page loads is checked, not where its links lead."""
    pages = {path.resolve(): path.read_text(encoding="utf-8")
             for path in sorted(folder.glob("*.html"))}
    ids = {path: set(ID.findall(html)) for path, html in pages.items()}
    found = []
    for page, html in pages.items():
        for tag, target in references(html):
            if tag in ("a", "area") and not follow_links:
                continue
            problem = check(page, tag, target, ids)
            if problem:
                found.append(f"{page.name}: {problem}")
    return found


def check(page: Path, tag: str, target: str, ids: dict[Path, set[str]]) -> str | None:
    """What is wrong with `target`, referred to by a `tag` of `page`, or None."""
    parts = urlsplit(target)
    if parts.scheme == "data" or (tag in ("a", "area") and (parts.scheme or parts.netloc)):
        return None  # an inline picture, or a link to another site
    if parts.scheme or parts.netloc:
        return f"<{tag}> loads {target} from another host"
    path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    if not path.exists():
        return f"<{tag}> refers to {target}, which the site does not have"
    if parts.fragment and path in ids and not {parts.fragment, unquote(parts.fragment)} & ids[path]:
        return f"<{tag}> refers to {target}, but {path.name} has no #{parts.fragment}"
    return None

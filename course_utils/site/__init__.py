"""The course website and offline exports: the notebooks as committed, read without a kernel.

    python -m course_utils.site OUT                       # the website, OUT/index.html
    python -m course_utils.site OUT --export NOTEBOOK...  # single notebooks' pages

Readers without Jupyter (a phone, a syllabus link, a static host, a folder on disk) see every
stored output: graph pictures, plots, each widget's static copy (never a widget view, which
would need a kernel or a CDN), and formulas rendered by the MathJax copied into OUT. No page
loads anything from another host.

Modules: `pages` (a notebook as a page, through nbconvert and templates/course_site), `folder`
(OUT checked and replaced whole), `links` (every link and load of a build checked), `build`
(the website and exports), `__main__` (the command line).
"""
from course_utils.site.build import build_site, export

__all__ = ["build_site", "export"]

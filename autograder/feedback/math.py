"""Formulas in feedback pages, rendered offline: `$...$` and `$$...$$` in Markdown cells become inline SVG.

nbconvert's HTML pages load MathJax from a CDN, so a student who opens their feedback offline
sees raw `$\\sqrt{v_t}$`. This preprocessor renders each formula with matplotlib's mathtext
(installed with the course, no network, no fonts to fetch: glyphs become SVG paths) into an
`<img>` with a data URI, and the `feedback_offline` template drops the MathJax script. A formula
mathtext cannot parse stays readable as TeX in a code span. Code spans and fenced blocks are
left alone.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re

from nbgrader.preprocessors import NbGraderPreprocessor

# code (fenced blocks, inline spans) is skipped; then display math, then inline math
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)", re.DOTALL)


@functools.lru_cache(maxsize=512)
def formula_svg(tex: str, fontsize: float = 13.0) -> str | None:
    """The formula as an SVG document (None if mathtext cannot parse it)."""
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buf = io.BytesIO()
    try:
        mathtext.math_to_image(f"${tex.strip()}$", buf, prop=FontProperties(size=fontsize), dpi=72, format="svg")
    except (ValueError, RuntimeError):
        return None
    return buf.getvalue().decode("utf-8")


def _img(tex: str, display: bool) -> str:
    svg = formula_svg(" ".join(tex.split()))
    if svg is None:
        return f"`{tex}`"
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    style = "display:block;margin:0.5em auto" if display else "vertical-align:middle"
    return f'<img class="math" src="{uri}" alt="{html.escape(tex, quote=True)}" style="{style}">'


def render_math(markdown: str) -> str:
    """The Markdown with every formula outside code replaced by an inline SVG image."""
    out, last = [], 0
    for code in _CODE.finditer(markdown):
        out.append(_render_text(markdown[last:code.start()]))
        out.append(code.group(0))
        last = code.end()
    out.append(_render_text(markdown[last:]))
    return "".join(out)


def _render_text(text: str) -> str:
    return _MATH.sub(lambda m: _img(m.group(1), True) if m.group(1) is not None else _img(m.group(2), False), text)


class RenderMathOffline(NbGraderPreprocessor):
    """Pre-render the formulas of every Markdown cell (see the module docstring)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "markdown" and "$" in cell.source:
            cell.source = render_math(cell.source)
        return cell, resources

"""Read a matplotlib figure as a person reads it: panels, their titles and labels, and what each
line is called — by its own label, or by the legend entry drawn for it however the legend was made.

`ax.legend(["Train", "Validation"])` never relabels the lines: matplotlib pairs the texts with the
axes' artists in order and draws *copies* of them in the legend box. So a legend entry is matched
to the line whose look (colour, line style, marker, width) its copy has, the first unused one in
drawing order — the same line a reader's eye would pick. A figure legend (`fig.legend(...)`) explains
every panel, so its entries are matched that way in each panel. Used by the kernel-side export and by the
checks, so both graders read a figure the same way (a figure rebuilt by `rehydrate.py` carries its
legends as explicit (line, text) pairs, which this reading maps back to the same lines).

A figure the verifier rebuilt carries, per line, whether the image the notebook displayed shows it
(`LineView.unseen`, from figure_evidence.py): checks must not count a line that the notebook never
showed, whatever its data say.

Nothing here raises on a strange figure: a line whose data are not numbers has `y = None`, an
artist whose look cannot be read matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .figure_evidence import unseen_reason


def _look(artist) -> tuple:
    try:
        from matplotlib.colors import to_rgba

        return (to_rgba(artist.get_color()), artist.get_linestyle(), str(artist.get_marker()),
                round(float(artist.get_linewidth()), 3))
    except Exception:
        return (id(artist),)


def legend_entries(legend, lines: list) -> list[tuple[str, object | None]]:
    """[(text, line or None)] for every entry of `legend`, lines chosen from `lines`."""
    if legend is None:
        return []
    handles = list(getattr(legend, "legend_handles", None) or getattr(legend, "legendHandles", []))
    texts = [str(t.get_text()) for t in legend.get_texts()]
    used: set[int] = set()
    out = []
    for handle, text in zip(handles, texts):
        match = None
        if handle is not None:
            look = _look(handle)
            same_look = [i for i, line in enumerate(lines) if i not in used and _look(line) == look]
            # a line that carries the entry's text as its own label is the one (fig.legend() with no
            # arguments collects labelled lines across panels); otherwise the first in drawing order
            named = [i for i in same_look if str(lines[i].get_label()) == text]
            match = (named or same_look or [None])[0]
        if match is not None:
            used.add(match)
        out.append((text, lines[match] if match is not None else None))
    return out


def _ydata(line) -> np.ndarray | None:
    try:
        y = np.asarray(line.get_ydata(), dtype=float)
    except (TypeError, ValueError):
        return None
    return y if y.ndim == 1 else None


def _xdata(line) -> np.ndarray | None:
    try:
        x = np.asarray(line.get_xdata(), dtype=float)
    except (TypeError, ValueError):
        return None
    return x if x.ndim == 1 else None


@dataclass
class LineView:
    line: object
    label: str                       # its own label ("" when matplotlib's "_child0" default)
    legend: list[str] = field(default_factory=list)   # legend texts drawn for it
    visible: bool = True
    x: np.ndarray | None = None      # None: not numbers
    y: np.ndarray | None = None
    unseen: str = ""                 # why the notebook's displayed image does not show this line
                                     # (a rebuilt figure checked by figure_evidence); "" when it does

    @property
    def names(self) -> list[str]:
        """What the figure calls this line: its label, then every legend text drawn for it."""
        return [n for n in [self.label, *self.legend] if n]


@dataclass
class PanelView:
    axes: object
    title: str                       # left, centre and right titles, joined
    xlabel: str
    ylabel: str
    has_legend: bool                 # a legend on the panel, or one on the figure
    lines: list[LineView]

    @property
    def shown_lines(self) -> list[LineView]:
        """Lines a reader can see (not hidden with set_visible(False))."""
        return [v for v in self.lines if v.visible]


def read_figure(fig) -> list[PanelView]:
    """Every panel of `fig` with its lines, each line with the names a reader sees for it."""
    panels = []
    for ax in fig.axes:
        lines = list(ax.get_lines())
        views = []
        for line in lines:
            label = str(line.get_label())
            views.append(LineView(line, "" if label.startswith("_") else label, visible=bool(line.get_visible()),
                                  x=_xdata(line), y=_ydata(line), unseen=unseen_reason(line)))
        by_id = {id(v.line): v for v in views}
        for text, line in legend_entries(ax.get_legend(), lines):
            if line is not None and text and not text.startswith("_"):
                by_id[id(line)].legend.append(text)
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t).strip()
        panels.append(PanelView(ax, title, str(ax.get_xlabel()), str(ax.get_ylabel()), ax.get_legend() is not None,
                                views))
    for legend in getattr(fig, "legends", []):
        # a figure legend explains every panel: in each one, an entry names the line that looks like its handle
        for panel in panels:
            by_id = {id(v.line): v for v in panel.lines}
            for text, line in legend_entries(legend, [v.line for v in panel.lines]):
                if line is not None and text and not text.startswith("_"):
                    by_id[id(line)].legend.append(text)
            panel.has_legend = True
    return panels

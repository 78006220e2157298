"""Kernel side of the clean verifier: write the variables a test cell reads to files.

`autograder grade` never believes what the student's kernel *says* about a test. Before each test
cell it asks the kernel to export the variables the cell's source names, as plain data: Keras
models as `.keras` files, `History` objects as numbers, DataFrames as columns, matplotlib figures
as what a reader sees (axes, titles, labels, lines and their data, legend entries), numbers,
strings and containers as JSON. A separate process that imports no student code then rebuilds
them (`rehydrate.py`) and runs the instructor's test code on them (`run_tests.py`).

Everything written here is student-controlled data: the verifier re-checks it against what it can
compute itself (models on data the student never had, replayed training, figure data against
histories). This module is loaded into the kernel as an IPython extension *before* any student
code runs, and keeps its own references to the library functions it reads figures with, so a
submission that patches, say, `Line2D.get_ydata` does not change what is exported.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import traceback

MANIFEST = "manifest.json"
MAX_DEPTH = 12
MAX_ITEMS = 10_000          # elements of one container / array exported
MAX_MODEL_BYTES = 200 * 2 ** 20

_ORIGINAL: dict = {}        # library functions captured at kernel start


def _capture_originals() -> None:
    try:
        from matplotlib.lines import Line2D
        from matplotlib.axes import Axes

        _ORIGINAL.update(xy=Line2D.get_xydata, label=Line2D.get_label, visible=Line2D.get_visible,
                         title=Axes.get_title, xlabel=Axes.get_xlabel, ylabel=Axes.get_ylabel)
    except Exception:           # matplotlib missing: figures are exported through their methods
        pass


# the notebook's images are the evidence the verifier checks exported figures against
# (figure_evidence.py): whole canvases, so an image pixel is a figure display coordinate
FULL_CANVAS = {"bbox_inches": None}


def _full_canvas_images(ipython) -> None:
    """Have the inline backend show whole figures (not cropped to their tight bounding box)."""
    if ipython is None:
        return
    try:
        ipython.config.InlineBackend.print_figure_kwargs = dict(FULL_CANVAS)
        from matplotlib_inline.config import InlineBackend

        if InlineBackend.initialized():           # already set up: change the live setting too
            InlineBackend.instance().print_figure_kwargs = dict(FULL_CANVAS)
    except Exception:           # no inline backend here: images are whatever the notebook shows
        pass


def load_ipython_extension(ipython) -> None:
    _capture_originals()
    _full_canvas_images(ipython)


class _Exporter:
    def __init__(self, dest: str, models_dir: str):
        self.dest, self.models_dir = dest, models_dir
        self.objects: dict[str, dict] = {}
        self.problems: list[str] = []

    # -- values ------------------------------------------------------------------------------
    def value(self, obj, depth: int = 0):
        if depth > MAX_DEPTH:
            return {"kind": "too_deep"}
        if obj is None or isinstance(obj, (bool, str)):
            return {"kind": "json", "value": obj}
        if isinstance(obj, int):
            return {"kind": "json", "value": obj} if abs(obj) < 2 ** 63 else {"kind": "other", "type": "int"}
        if isinstance(obj, float):   # np.float64 is a float too: its repr is "np.float64(...)", float's is a number
            return {"kind": "float", "value": repr(float(obj))}
        typename = type(obj).__module__ + "." + type(obj).__qualname__
        np = sys.modules.get("numpy")
        if np is not None and isinstance(obj, np.generic):
            return {"kind": "npscalar", "dtype": str(obj.dtype), "value": repr(obj.item())}
        if np is not None and isinstance(obj, np.ndarray):
            if obj.size > MAX_ITEMS or obj.dtype.kind not in "biuf":
                return {"kind": "other", "type": typename, "shape": list(obj.shape)}
            return {"kind": "ndarray", "dtype": str(obj.dtype), "shape": list(obj.shape),
                    "data": [repr(float(v)) if obj.dtype.kind == "f" else int(v) for v in obj.ravel()]}
        if isinstance(obj, dict):
            items = list(obj.items())[:MAX_ITEMS]
            return {"kind": "dict", "items": [[self.value(k, depth + 1), self.value(v, depth + 1)] for k, v in items]}
        if isinstance(obj, (list, tuple, set, frozenset, range)):
            seq = list(obj)[:MAX_ITEMS]
            kind = {list: "list", tuple: "tuple", range: "list"}.get(type(obj), "set" if isinstance(obj, (set, frozenset)) else "list")
            return {"kind": kind, "items": [self.value(v, depth + 1) for v in seq]}
        if type(obj).__name__ == "module" and hasattr(obj, "__name__"):
            return {"kind": "module", "name": obj.__name__}
        ref = self._heavy(obj, typename)
        if ref is not None:
            return ref
        if callable(obj):
            return {"kind": "callable", "name": getattr(obj, "__name__", type(obj).__name__)}
        return {"kind": "other", "type": typename}

    def _heavy(self, obj, typename: str):
        """Models, histories, tables and figures: stored once per object, referenced by id."""
        oid = str(id(obj))
        if oid in self.objects:
            return {"kind": "ref", "id": oid}
        keras = sys.modules.get("keras")
        pd = sys.modules.get("pandas")
        mfig = sys.modules.get("matplotlib.figure")
        entry = None
        try:
            if keras is not None and isinstance(obj, keras.Model):
                self.objects[oid] = {"kind": "pending"}
                entry = self._model(obj, oid)
            elif keras is not None and isinstance(obj, keras.callbacks.History):
                self.objects[oid] = {"kind": "pending"}
                entry = self._history(obj)
            elif pd is not None and isinstance(obj, pd.DataFrame):
                entry = self._frame(obj)
            elif pd is not None and isinstance(obj, pd.Series):
                entry = {"kind": "series", "name": self.value(obj.name), "index": self._index(obj.index),
                         "dtype": str(obj.dtype), "values": self.value(obj.tolist()[:MAX_ITEMS])}
            elif mfig is not None and isinstance(obj, mfig.Figure):
                entry = self._figure(obj)
        except Exception as exc:  # the student's object could not be exported: say so, go on
            entry = {"kind": "unexportable", "type": typename, "reason": f"{type(exc).__name__}: {exc}"[:300]}
        if entry is None:
            self.objects.pop(oid, None)
            return None
        self.objects[oid] = entry
        return {"kind": "ref", "id": oid}

    def _model(self, model, oid: str) -> dict:
        import numpy as np

        digest = hashlib.sha256()
        for w in model.weights:
            digest.update(np.asarray(w.numpy() if hasattr(w, "numpy") else w).tobytes())
        opt = getattr(model, "optimizer", None)
        if opt is not None and hasattr(opt, "iterations"):
            digest.update(str(int(np.asarray(opt.iterations))).encode())
        for part in (lambda: type(model).__name__, lambda: model.get_config(), lambda: type(opt).__name__,
                     lambda: opt.get_config()):
            try:                              # same weights, other architecture or optimizer: other file
                digest.update(json.dumps(part(), sort_keys=True, default=str).encode())
            except Exception:
                digest.update(b"?")
        name = f"{type(model).__name__}-{digest.hexdigest()[:20]}.keras"
        path = os.path.join(self.models_dir, name)
        if not os.path.exists(path):          # the same trained model is saved once per job
            tmp = path + ".tmp.keras"
            model.save(tmp)
            if os.path.getsize(tmp) > MAX_MODEL_BYTES:
                os.unlink(tmp)
                raise ValueError(f"the saved model is larger than {MAX_MODEL_BYTES >> 20} MiB")
            os.replace(tmp, path)
        return {"kind": "model", "file": name, "id": oid}

    def _history(self, h) -> dict:
        metrics = getattr(h, "history", None)
        data = {}
        if isinstance(metrics, dict):
            for key, series in list(metrics.items())[:50]:
                data[str(key)] = self.value(series)
        params = getattr(h, "params", None)
        model = getattr(h, "model", None)
        return {"kind": "history", "history": data, "params": self.value(params if isinstance(params, dict) else None),
                "epoch": self.value(getattr(h, "epoch", None)),
                "model": None if model is None else self.value(model)}

    def _index(self, index) -> dict:
        values = [list(v) if isinstance(v, tuple) else v for v in index.tolist()[:MAX_ITEMS]]
        return {"names": [self.value(n) for n in index.names], "values": self.value(values),
                "dtype": str(index.dtype), "multi": index.nlevels > 1}

    def _frame(self, df) -> dict:
        columns = []
        for i, col in enumerate(df.columns[:200]):
            series = df.iloc[:MAX_ITEMS, i]
            columns.append({"name": self.value(col), "dtype": str(series.dtype), "values": self.value(series.tolist())})
        return {"kind": "frame", "columns": columns, "index": self._index(df.index[:MAX_ITEMS])}

    def _figure(self, fig) -> dict:
        from matplotlib.axes import Axes
        from matplotlib.lines import Line2D

        from .figures import legend_entries

        get = lambda name, fallback: _ORIGINAL.get(name, fallback)  # noqa: E731
        title = get("title", Axes.get_title)
        axes, all_lines = [], []
        for a, ax in enumerate(fig.axes[:50]):
            lines = list(ax.get_lines())[:200]
            out_lines = []
            for line in lines:
                xy = [[float(x), float(y)] for x, y in list(get("xy", Line2D.get_xydata)(line))[:MAX_ITEMS]]
                out_lines.append({"label": str(get("label", Line2D.get_label)(line)),
                                  "data_coords": _in_data_coords(line, ax),
                                  "visible": bool(get("visible", Line2D.get_visible)(line)),
                                  "style": [line.get_color() if isinstance(line.get_color(), str) else list(line.get_color()),
                                            line.get_linestyle(), str(line.get_marker()), float(line.get_linewidth())],
                                  "xy": [[repr(x), repr(y)] for x, y in xy]})
                all_lines.append((line, a, len(out_lines) - 1))
            entries = None
            if ax.get_legend() is not None:
                index = {id(line): i for i, line in enumerate(lines)}
                entries = [{"text": text, "line": None if line is None else index[id(line)]}
                           for text, line in legend_entries(ax.get_legend(), lines)]
            axes.append({"position": [float(v) for v in ax.get_position().bounds],
                         "title": [str(title(ax, loc)) for loc in ("center", "left", "right")],
                         "xlabel": str(get("xlabel", Axes.get_xlabel)(ax)),
                         "ylabel": str(get("ylabel", Axes.get_ylabel)(ax)),
                         "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
                         "xlim": [float(v) for v in ax.get_xlim()], "ylim": [float(v) for v in ax.get_ylim()],
                         "lines": out_lines, "legend": entries})
        where = {id(line): [a, i] for line, a, i in all_lines}
        fig_legends = [[{"text": text, "line": None if line is None else where[id(line)]}
                        for text, line in legend_entries(legend, [l for l, _, _ in all_lines])]
                       for legend in list(fig.legends)[:10]]
        suptitle = getattr(fig, "_suptitle", None)
        return {"kind": "figure", "axes": axes, "legends": fig_legends,
                "suptitle": suptitle.get_text() if suptitle is not None else "",
                "size": [float(v) for v in fig.get_size_inches()], "dpi": float(fig.dpi)}


def _in_data_coords(line, ax) -> bool:
    """Is the line drawn at its data coordinates (not axhline's axes-fraction x, say)?"""
    try:
        return line.get_transform() == ax.transData
    except Exception:
        return False


def export(names, namespace: dict, dest: str, models_dir: str) -> str:
    """Write `names` from `namespace` to `dest`/manifest.json; returns "ok" or what went wrong.

    Called by the grader through a silent execute request before a test cell; never raises.
    """
    try:
        os.makedirs(dest, exist_ok=True)
        os.makedirs(models_dir, exist_ok=True)
        exporter = _Exporter(dest, models_dir)
        values = {}
        for name in names:
            if name in namespace:
                values[name] = exporter.value(namespace[name])
        manifest = {"names": values, "objects": exporter.objects}
        tmp = os.path.join(dest, MANIFEST + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(manifest, f)
        os.replace(tmp, os.path.join(dest, MANIFEST))
        return "ok"
    except Exception:
        return "export failed: " + traceback.format_exc(limit=3)[-500:]

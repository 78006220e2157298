"""Clean side of the verifier: rebuild a test cell's variables from what the kernel exported.

Only data is read: models with Keras's safe mode (no lambda code, no custom classes: a model that
needs them cannot be loaded, and every check that touches it fails with that reason), histories
as real `keras.callbacks.History` objects tied to the model object they trained, DataFrames with
their dtypes, figures redrawn on a fresh `Figure` (same panels, titles, labels, lines with their
data and look, legend entries pointing at the same lines), each line marked when no image the
notebook displayed before the test shows it (`figure_evidence.py`: the export could be forged,
the displayed image is what a reader saw). Functions come back as stubs that
cannot be called: the grader never runs student code.
"""

from __future__ import annotations

import importlib
import json
import os

from .snapshot import MANIFEST

# one verifier process decides every test cell of a notebook: a model file (named by its weights'
# digest) is loaded once and shared by the cells that read it (test code never changes a model)
_loaded_models: dict[str, object] = {}
_evidence: dict[str, object] = {}       # the same figure against the same images: checked once per process


class Unavailable:
    """Stands in for something the grader could not rebuild; any use fails with the reason."""

    def __init__(self, what: str, reason: str):
        object.__setattr__(self, "_what", what)
        object.__setattr__(self, "_reason", reason)

    def _fail(self, *args, **kwargs):
        raise AssertionError(f"{self._what} could not be read by the grader: {self._reason}")

    __getattr__ = __call__ = __iter__ = __len__ = __getitem__ = _fail

    def __repr__(self) -> str:
        return f"<{self._what}: {self._reason}>"


def _student_function(name: str):
    def stub(*args, **kwargs):
        raise AssertionError(f"the grader does not run your function {name}(); it checks what it produced")
    stub.__name__ = stub.__qualname__ = name
    return stub


class Rebuilder:
    def __init__(self, folder: str, models_dir: str, images: list[str] | None = None):
        """`images`: PNG files the notebook displayed before the test cell (figure evidence); None
        when the caller has none to give (figures are then rebuilt unchecked)."""
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
            self.manifest = json.load(f)
        self.models_dir = models_dir
        self.images = images
        self.built: dict[str, object] = {}

    def namespace(self) -> dict:
        return {name: self.value(v, name) for name, v in self.manifest.get("names", {}).items()}

    def value(self, v: dict, where: str = "a value"):
        kind = v.get("kind")
        if kind == "json":
            return v["value"]
        if kind == "float":
            return float(v["value"])
        if kind == "npscalar":
            import numpy as np
            return np.dtype(v["dtype"]).type(float(v["value"]) if np.dtype(v["dtype"]).kind == "f" else int(v["value"])
                                               if np.dtype(v["dtype"]).kind in "iu" else v["value"] == "True")
        if kind == "ndarray":
            import numpy as np
            data = [float(x) if isinstance(x, str) else x for x in v["data"]]
            return np.asarray(data, dtype=v["dtype"]).reshape(v["shape"])
        if kind == "dict":
            out = {}
            for k, item in v["items"]:
                key = self.value(k, where)
                out[key] = self.value(item, f"{where}[{key!r}]")
            return out
        if kind in ("list", "tuple", "set"):
            items = [self.value(item, where) for item in v["items"]]
            return {"list": list, "tuple": tuple, "set": set}[kind](items)
        if kind == "module":
            try:
                return importlib.import_module(v["name"])
            except Exception:
                return Unavailable(where, f"module {v['name']!r} is not installed for the grader")
        if kind == "callable":
            return _student_function(v.get("name", "function"))
        if kind == "ref":
            return self.ref(v["id"], where)
        if kind == "too_deep":
            return Unavailable(where, "it is nested too deeply")
        return Unavailable(where, f"a {v.get('type', kind)} is not something the grader can check")

    def ref(self, oid: str, where: str):
        if oid in self.built:
            return self.built[oid]
        entry = self.manifest["objects"].get(oid, {})
        kind = entry.get("kind")
        try:
            if kind == "model":
                obj = self._model(entry)
            elif kind == "history":
                obj = self._history(entry, where)
            elif kind == "frame":
                obj = self._frame(entry)
            elif kind == "series":
                obj = self._series(entry)
            elif kind == "figure":
                obj = self._figure(entry)
            elif kind == "unexportable":
                obj = Unavailable(where, f"it could not be exported from your notebook ({entry.get('reason')})")
            else:
                obj = Unavailable(where, f"unknown kind {kind!r}")
        except AssertionError as exc:
            obj = Unavailable(where, str(exc))
        except Exception as exc:
            obj = Unavailable(where, f"{type(exc).__name__}: {exc}"[:400])
        self.built[oid] = obj
        return obj

    # -- kinds ---------------------------------------------------------------------------------
    def _model(self, entry: dict):
        import keras

        path = os.path.join(self.models_dir, os.path.basename(entry["file"]))
        if path in _loaded_models:
            return _loaded_models[path]
        try:
            model = keras.saving.load_model(path, safe_mode=True, compile=True)
            _loaded_models[path] = model
            return model
        except Exception as exc:
            raise AssertionError(
                "the grader loads models in Keras's safe mode, with built-in layers only (no Lambda layers, "
                f"no custom layer, model or optimizer classes), and this one failed: {type(exc).__name__}: "
                f"{str(exc)[:300]}") from None

    def _history(self, entry: dict, where: str):
        import keras

        h = keras.callbacks.History()
        h.history = {k: self.value(v, where) for k, v in entry.get("history", {}).items()}
        params = self.value(entry.get("params") or {"kind": "json", "value": None}, where)
        h.params = params if isinstance(params, dict) else {}
        epoch = self.value(entry.get("epoch") or {"kind": "json", "value": None}, where)
        h.epoch = epoch if isinstance(epoch, list) else []
        model = entry.get("model")
        if model is not None:
            rebuilt = self.value(model, where)
            if isinstance(rebuilt, keras.Model):
                h.set_model(rebuilt)
        return h

    def _index(self, entry: dict):
        import pandas as pd

        values = self.value(entry["values"])
        names = [self.value(n) for n in entry["names"]]
        if entry.get("multi"):
            return pd.MultiIndex.from_tuples([tuple(v) for v in values], names=names)
        try:
            return pd.Index(values, dtype=entry.get("dtype"), name=names[0] if names else None)
        except (TypeError, ValueError):
            return pd.Index(values, name=names[0] if names else None)

    def _frame(self, entry: dict):
        import pandas as pd

        index = self._index(entry["index"])
        data = {}
        names = []
        for col in entry["columns"]:
            name = self.value(col["name"])
            values = self.value(col["values"])
            try:
                data[len(names)] = pd.Series(values, dtype=col["dtype"], index=index)
            except (TypeError, ValueError):
                data[len(names)] = pd.Series(values, index=index)
            names.append(name)
        df = pd.DataFrame(data, index=index)
        df.columns = names if names else df.columns
        return df

    def _series(self, entry: dict):
        import pandas as pd

        values = self.value(entry["values"])
        try:
            return pd.Series(values, index=self._index(entry["index"]), dtype=entry["dtype"], name=self.value(entry["name"]))
        except (TypeError, ValueError):
            return pd.Series(values, index=self._index(entry["index"]), name=self.value(entry["name"]))

    def _figure(self, entry: dict):
        from matplotlib.figure import Figure

        fig = Figure(figsize=entry.get("size") or None)
        all_lines = []
        for a, spec in enumerate(entry["axes"]):
            ax = fig.add_axes(spec["position"])
            made = []
            for i, line in enumerate(spec["lines"]):
                xy = [(float(x), float(y)) for x, y in line["xy"]]
                color, style, marker, width = (line.get("style") or [None, "-", "None", 1.5])
                color = tuple(color) if isinstance(color, list) else color
                (drawn,) = ax.plot([p[0] for p in xy], [p[1] for p in xy], label=line["label"],
                                   color=color, linestyle=style, marker=marker, linewidth=width)
                drawn.set_visible(line.get("visible", True))
                made.append(drawn)
                all_lines.append(((a, i), drawn))
            center, left, right = spec["title"]
            ax.set_title(center)
            if left:
                ax.set_title(left, loc="left")
            if right:
                ax.set_title(right, loc="right")
            ax.set_xlabel(spec["xlabel"])
            ax.set_ylabel(spec["ylabel"])
            for setter, scale in ((ax.set_xscale, spec.get("xscale")), (ax.set_yscale, spec.get("yscale"))):
                try:
                    setter(scale or "linear")
                except ValueError:
                    pass
            if spec.get("legend") is not None:
                pairs = [(made[e["line"]], e["text"]) for e in spec["legend"]
                         if e.get("line") is not None and 0 <= e["line"] < len(made)]
                ax.legend([p[0] for p in pairs], [p[1] for p in pairs])
        where = {tuple(k): line for k, line in all_lines}
        for legend in entry.get("legends", []):
            pairs = [(where[tuple(e["line"])], e["text"]) for e in legend
                     if e.get("line") is not None and tuple(e["line"]) in where]
            fig.legend([p[0] for p in pairs], [p[1] for p in pairs])
        if entry.get("suptitle"):
            fig.suptitle(entry["suptitle"])
        if self.images is not None:
            self._check_evidence(fig, entry, dict(all_lines))
        return fig

    def _check_evidence(self, fig, entry: dict, lines: dict) -> None:
        """Lines no displayed image shows keep their data but are marked with why (see figure_evidence)."""
        from .figure_evidence import check_figure, mark_lines

        key = json.dumps([entry, self.images], sort_keys=True, default=str)
        if key not in _evidence:      # every test cell that reads the figure rebuilds it
            images = []
            for path in self.images:
                try:
                    with open(path, "rb") as f:
                        images.append(f.read())
                except OSError:
                    pass
            _evidence[key] = check_figure(entry, images)
        evidence = _evidence[key]
        mark_lines(lines, evidence)
        fig._autograder_evidence = evidence

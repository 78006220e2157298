"""The optimizer playground: NumPy optimizers on 2-D surfaces, redrawn once per change, fast.

Why it is built this way:
- the steps come from day76_optimizers (checked against keras.optimizers in a test), so 4 optimizers
  x 200 steps cost milliseconds instead of the seconds eager Keras needed;
- one matplotlib Figure is kept and only its lines change; the contour background of each surface is
  drawn once and cached as an image, so a redraw is a few lines plus a PNG encode;
- the picture is an ipywidgets.Image whose value is replaced, never an Output widget: nbclient's
  stand-in for an Output widget writes to the kernel's shell channel while it waits on that same
  channel for the cell's reply, which can leave a headless run waiting until its timeout
  (jupyter/nbclient#312); an Image widget makes no such traffic;
- changing the surface resets the learning rates to that surface's defaults with the observers
  held back, so it is one redraw, not one per slider.
"""

from __future__ import annotations

import io
import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import day76_optimizers as opt

COLORS = {name: c for name, c in zip(opt.OPTIMIZERS, ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                       "#8c564b", "#e377c2", "#7f7f7f", "#17becf"])}
_GRID = 240


def _background(surface: opt.Surface) -> np.ndarray:
    """log of the loss above its minimum on a grid covering the view (what the colour map shows)."""
    xs, ys = np.linspace(*surface.xlim, _GRID), np.linspace(*surface.ylim, _GRID)
    XX, YY = np.meshgrid(xs, ys)
    Z = surface.f(XX, YY) - surface.f_min
    return np.log10(np.maximum(Z, 1e-6) + 1e-3)


_BACKGROUNDS: dict[str, np.ndarray] = {}


def background(name: str) -> np.ndarray:
    if name not in _BACKGROUNDS:
        _BACKGROUNDS[name] = _background(opt.SURFACES[name])
    return _BACKGROUNDS[name]


def run_all(surface, names, rates, steps, momentum=0.9, beta_1=0.9, beta_2=0.999, noise=0.0,
            schedule="constant", seed=0) -> dict:
    """{name: path} for every optimizer, each with its own learning rate from `rates`."""
    return {name: opt.trajectory(name, surface, rates[name], steps, momentum, beta_1, beta_2, noise, schedule, seed)
            for name in names}


def summary(surface, paths) -> dict:
    """{name: final loss above the minimum, or inf when the run diverged}."""
    s = opt.SURFACES[surface]
    return {name: (np.inf if opt.diverged(p) else s.loss(p[-1]) - s.f_min) for name, p in paths.items()}


class PlaygroundFigure:
    """One reusable figure: the surface with the paths (left) and loss above the minimum per step (right).

    Speed: everything that does not change between redraws (background image, axes, ticks, labels)
    is rendered once per (surface, steps) and kept as a pixel buffer; a redraw restores it and draws
    only the lines, the legend and the title on top (matplotlib's blitting), then encodes the PNG.
    """

    def __init__(self, dpi=72):
        self.fig = Figure(figsize=(11, 4.6), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        # Room at the bottom for the legend: it sits under the panels and never covers a path.
        self.fig.subplots_adjust(left=0.06, right=0.98, top=0.88, bottom=0.3, wspace=0.22)
        self.ax, self.ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        self.key, self.saved = None, None
        self.dynamic = []

    def _static(self, surface, steps):
        s = opt.SURFACES[surface]
        ax, ax_loss = self.ax, self.ax_loss
        ax.clear()
        ax_loss.clear()
        ax.imshow(background(surface), origin="lower", extent=(*s.xlim, *s.ylim), aspect="auto",
                  cmap="Greys_r", alpha=0.55, interpolation="bilinear")
        self.marks = [ax.plot(*m, "r*", ms=13, zorder=5, label="minimum" if k == 0 else None)[0]
                      for k, m in enumerate(s.minima)]
        self.marks.append(ax.plot(*s.start, "k*", ms=13, zorder=5, label="start")[0])
        ax.set(xlim=s.xlim, ylim=s.ylim, xlabel="x", ylabel="y", title=f"{surface}: paths")
        top = 10 ** np.ceil(np.log10(max(s.loss(s.start) - s.f_min, 1e-3)) + 1)
        ax_loss.set(yscale="log", xlim=(0, steps), ylim=(1e-16, top), xlabel="step", ylabel="f - f_min",
                    title="loss above the minimum (log scale)")
        ax_loss.grid(True, alpha=0.3)
        self.canvas.draw()
        self.saved = self.canvas.copy_from_bbox(self.fig.bbox)
        self.key = (surface, steps)

    def draw(self, surface, paths, rates, steps, title_extra=""):
        s = opt.SURFACES[surface]
        for artist in self.dynamic:        # the previous redraw's lines, legend and title
            artist.remove()
        self.dynamic = []
        if (surface, steps) != self.key:
            self._static(surface, steps)
        ends = summary(surface, paths)
        handles = list(self.marks[-2:]) if len(s.minima) == 1 else [self.marks[0], self.marks[-1]]
        for name, path in paths.items():
            status = "diverged" if np.isinf(ends[name]) else f"{ends[name]:.2g}"
            line, = self.ax.plot(path[:, 0], path[:, 1], "-", lw=1.4, color=COLORS[name], animated=True,
                                 label=f"{name} (lr {rates[name]:.3g}): {status}")
            gap = s.f(path[:, 0], path[:, 1]) - s.f_min
            curve, = self.ax_loss.plot(np.arange(len(path)), np.maximum(gap, 1e-16), color=COLORS[name], lw=1.3,
                                       animated=True)
            self.dynamic += [line, curve]
            handles.append(line)
        legend = self.fig.legend(handles, [h.get_label() for h in handles], loc="lower center", ncol=3, fontsize=9,
                                 frameon=False, bbox_to_anchor=(0.5, 0.0))
        legend.set_animated(True)
        title = self.fig.text(0.5, 0.96, f"{surface}: {steps} steps{title_extra}", ha="center", va="center",
                              fontsize=12, animated=True)
        self.dynamic += [legend, title]
        self.canvas.restore_region(self.saved)
        for line in self.dynamic[:-2]:
            line.axes.draw_artist(line)
        self.fig.draw_artist(legend)
        self.fig.draw_artist(title)
        return ends

    def png(self) -> bytes:
        """The current pixels as PNG (fast zlib level: the picture changes often, size matters little)."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def figure_png(surface="ill-conditioned quadratic", names=("SGD", "Momentum", "RMSprop", "Adam"), rates=None,
               steps=200, **kw) -> tuple[bytes, dict]:
    """Render one picture without widgets (headless runs, benchmarks); returns (PNG bytes, final losses)."""
    rates = {**opt.SURFACES[surface].rates, **(rates or {})}
    paths = run_all(surface, names, rates, steps, **kw)
    pf = PlaygroundFigure()
    ends = pf.draw(surface, paths, rates, steps)
    return pf.png(), ends


class Playground:
    """The widget UI. `self.draws` counts redraws and `self.last_seconds` times the last one."""

    def __init__(self, surface="ill-conditioned quadratic", names=("SGD", "Momentum", "RMSprop", "Adam"), steps=200):
        import ipywidgets as w

        style, wide = {"description_width": "120px"}, w.Layout(width="380px")
        self.surface = w.Dropdown(options=list(opt.SURFACES), value=surface, description="surface", style=style, layout=wide)
        self.names = w.SelectMultiple(options=opt.OPTIMIZERS, value=tuple(names), rows=9, description="optimizers",
                                      style=style, layout=w.Layout(width="380px"))
        self.rates = {name: w.FloatLogSlider(value=opt.SURFACES[surface].rates[name], base=10, min=-5, max=1.3, step=0.05,
                                             description=f"lr {name}", readout_format=".3g", continuous_update=False,
                                             style=style, layout=wide)
                      for name in opt.OPTIMIZERS}
        self.momentum = w.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="momentum (mu)",
                                      continuous_update=False, style=style, layout=wide)
        self.beta_1 = w.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="beta_1 (Adam family)",
                                    continuous_update=False, style=style, layout=wide)
        self.beta_2 = w.FloatSlider(value=0.999, min=0.9, max=0.9999, step=0.0001, readout_format=".4f",
                                    description="beta_2 (Adam family)", continuous_update=False, style=style, layout=wide)
        self.noise = w.FloatSlider(value=0.0, min=0.0, max=10.0, step=0.25, description="gradient noise (std)",
                                   continuous_update=False, style=style, layout=wide)
        self.schedule = w.Dropdown(options=list(opt.SCHEDULES), value="constant", description="lr schedule",
                                   style=style, layout=wide)
        self.steps = w.IntSlider(value=steps, min=10, max=1000, step=10, description="steps",
                                 continuous_update=False, style=style, layout=wide)
        self.image = w.Image(format="png", layout=w.Layout(width="800px"))
        self.status = w.HTML()
        self.figure = PlaygroundFigure()
        self.draws, self.last_seconds, self._holding = 0, 0.0, False

        for control in [self.names, self.momentum, self.beta_1, self.beta_2, self.noise, self.schedule, self.steps,
                        *self.rates.values()]:
            control.observe(self._changed, names="value")
        self.surface.observe(self._surface_changed, names="value")
        rate_box = w.VBox([self.rates[n] for n in opt.OPTIMIZERS])
        left = w.VBox([self.surface, self.names, self.momentum, self.beta_1, self.beta_2, self.noise, self.schedule,
                       self.steps])
        self.controls = w.HBox([left, rate_box])
        self.controls.add_class("optimizer-playground-controls")
        self.image.add_class("optimizer-playground-output")
        self.widget = w.VBox([self.controls, self.status, self.image])
        self.redraw()

    def _surface_changed(self, change):
        self._holding = True                     # one redraw for the surface and all its default rates
        try:
            for name, slider in self.rates.items():
                slider.value = opt.SURFACES[change["new"]].rates[name]
        finally:
            self._holding = False
        self.redraw()

    def _changed(self, change):
        if not self._holding:
            self.redraw()

    def redraw(self):
        start = time.perf_counter()
        surface, names = self.surface.value, list(self.names.value)
        rates = {n: s.value for n, s in self.rates.items()}
        paths = run_all(surface, names, rates, self.steps.value, self.momentum.value, self.beta_1.value,
                        self.beta_2.value, self.noise.value, self.schedule.value)
        extra = (f", noise {self.noise.value:g}" if self.noise.value else "") + \
                (f", {self.schedule.value.split(':')[0]}" if self.schedule.value != "constant" else "")
        self.ends = self.figure.draw(surface, paths, rates, self.steps.value, extra)
        self.image.value = self.figure.png()
        self.draws += 1
        self.last_seconds = time.perf_counter() - start
        self.status.value = f"<small>redraw {self.draws}: {1000 * self.last_seconds:.0f} ms</small>"


# --------------------------------------------------------------------------------------------------
# The quadratic lab (進階): gradient descent and momentum on f = 1/2 (x1^2 + kappa x2^2).
# --------------------------------------------------------------------------------------------------
def quadratic_lab_figure(kappa, lr, mu, steps=100, fig=None):
    """Left: |error| along each eigen-direction per step, GD vs momentum. Right: rate per step against lr."""
    import day76_theory as th

    if fig is None:
        fig = Figure(figsize=(12, 4.4), dpi=72)
        FigureCanvasAgg(fig)
    fig.clear()
    fig.subplots_adjust(left=0.07, right=0.78, top=0.88, bottom=0.14, wspace=0.28)
    ax, ax_rate = fig.subplots(1, 2)
    lams = [1.0, float(kappa)]
    gd = np.abs(th.run_quadratic(lams, lr, 0.0, [1.0, 1.0], steps))
    hb = np.abs(th.run_quadratic(lams, lr, mu, [1.0, 1.0], steps))
    for path, name, style in [(gd, "GD", "-"), (hb, f"momentum mu={mu:.2f}", "--")]:
        for i, color in [(0, "tab:blue"), (1, "tab:red")]:
            ax.semilogy(np.arange(len(path)), np.maximum(path[:, i], 1e-300), style, color=color, lw=1.5,
                        label=f"{name}, lambda={lams[i]:g}")
    ax.set(title=f"error along each eigen-direction (kappa={kappa:g})", xlabel="step", ylabel="|x_i|",
           ylim=(1e-12, 1e3), xlim=(0, steps))
    ax.grid(True, alpha=0.3)
    grid = np.geomspace(1e-3, 2.5 * 2 / kappa, 300)
    ax_rate.plot(grid, [th.gd_rate(g, lams) for g in grid], color="k", label="GD: max |1 - lr lambda|")
    ax_rate.plot(grid, [th.momentum_rate(g, mu, lams) for g in grid], "--", color="tab:purple",
                 label=f"momentum (mu={mu:.2f})")
    ax_rate.axvline(2 / kappa, color="tab:red", ls=":", label="2 / lambda_max (GD limit)")
    best_lr, best_rate = th.optimal_gd(1.0, kappa)
    ax_rate.plot([best_lr], [best_rate], "ko", ms=6, label="best GD step 2/(1+kappa)")
    ax_rate.axvline(lr, color="tab:green", lw=2, alpha=0.6, label=f"your lr = {lr:.3g}")
    ax_rate.set(xscale="log", ylim=(0, 1.5), title="rate per step (below 1 converges)", xlabel="learning rate",
                ylabel="error multiplied per step")
    ax_rate.grid(True, alpha=0.3)
    handles = ax.get_legend_handles_labels()[0] + ax_rate.get_legend_handles_labels()[0]
    fig.legend(handles, [h.get_label() for h in handles], loc="center left", bbox_to_anchor=(0.79, 0.5),
               fontsize=8, frameon=False)
    return fig


class QuadraticLab:
    """Sliders for the condition number, the learning rate and the momentum; one Image redraw per change."""

    def __init__(self, kappa=20.0, lr=0.09, mu=0.9):
        import ipywidgets as w

        style, wide = {"description_width": "150px"}, w.Layout(width="420px")
        self.kappa = w.FloatLogSlider(value=kappa, base=10, min=0, max=3, step=0.05, description="condition number kappa",
                                      readout_format=".3g", continuous_update=False, style=style, layout=wide)
        self.lr = w.FloatLogSlider(value=lr, base=10, min=-4, max=0.5, step=0.02, description="learning rate",
                                   readout_format=".3g", continuous_update=False, style=style, layout=wide)
        self.mu = w.FloatSlider(value=mu, min=0.0, max=0.99, step=0.01, description="momentum mu",
                                continuous_update=False, style=style, layout=wide)
        self.image = w.Image(format="png", layout=w.Layout(width="900px"))
        self.fig = Figure(figsize=(12, 4.4), dpi=72)
        FigureCanvasAgg(self.fig)
        self.draws = 0
        for control in (self.kappa, self.lr, self.mu):
            control.observe(lambda change: self.redraw(), names="value")
        controls = w.VBox([self.kappa, self.lr, self.mu])
        controls.add_class("quadratic-lab-controls")
        self.image.add_class("quadratic-lab-output")
        self.widget = w.VBox([controls, self.image])
        self.redraw()

    def redraw(self):
        quadratic_lab_figure(self.kappa.value, self.lr.value, self.mu.value, fig=self.fig)
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()
        self.draws += 1


def html_player(frames: list[bytes], interval_ms: int = 120, title: str = "animation") -> str:
    """A self-contained HTML/JavaScript player for PNG frames: play, pause, step, a slider.

    Why not matplotlib's to_jshtml: its buttons load their icons (Font Awesome) from a CDN, so
    offline they are blank. Here the buttons are plain text and the frames are embedded, so the
    player needs nothing from the network.
    """
    import base64
    import uuid

    uid = "player" + uuid.uuid4().hex[:10]
    sources = ",".join('"data:image/png;base64,%s"' % base64.b64encode(f).decode("ascii") for f in frames)
    last = len(frames) - 1
    return f"""
<div class="day76-player" id="{uid}" title="{title}">
  <img id="{uid}-img" src="data:image/png;base64,{base64.b64encode(frames[0]).decode('ascii')}" style="max-width:100%"><br>
  <button id="{uid}-play" type="button">&#9654; play</button>
  <button id="{uid}-pause" type="button">&#10074;&#10074; pause</button>
  <button id="{uid}-prev" type="button">&#8592; step</button>
  <button id="{uid}-next" type="button">step &#8594;</button>
  <input id="{uid}-slider" type="range" min="0" max="{last}" value="0" style="width:300px; vertical-align:middle">
  <span id="{uid}-label">frame 1 / {last + 1}</span>
</div>
<script>
(function() {{
  var frames = [{sources}], i = 0, timer = null;
  var img = document.getElementById("{uid}-img"), slider = document.getElementById("{uid}-slider"),
      label = document.getElementById("{uid}-label");
  function show(k) {{ i = Math.max(0, Math.min({last}, k)); img.src = frames[i]; slider.value = i;
                     label.textContent = "frame " + (i + 1) + " / {last + 1}"; }}
  function pause() {{ if (timer) {{ clearInterval(timer); timer = null; }} }}
  function play() {{ pause(); if (i >= {last}) show(0);
                    timer = setInterval(function() {{ if (i >= {last}) pause(); else show(i + 1); }}, {interval_ms}); }}
  document.getElementById("{uid}-play").onclick = play;
  document.getElementById("{uid}-pause").onclick = pause;
  document.getElementById("{uid}-prev").onclick = function() {{ pause(); show(i - 1); }};
  document.getElementById("{uid}-next").onclick = function() {{ pause(); show(i + 1); }};
  slider.oninput = function() {{ pause(); show(parseInt(slider.value, 10)); }};
}})();
</script>
"""

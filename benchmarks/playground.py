"""Median redraw time of the lesson's optimizer playground, before and after issue 14, in one run.

One redraw = what a student waits for after moving a control: 4 optimizers x 200 steps on the
ill-conditioned quadratic, the figure rendered to PNG.

- before: the first playground (commit 463b36b): each step a real keras.optimizers apply_gradients
  on a keras.Variable with a GradientTape, then a fresh matplotlib figure with a 25-level contour;
  its code is reproduced below (only plt.show() replaced by rendering to PNG, as the inline backend does).
- after: course/day76_playground.Playground.redraw(): NumPy optimizers (checked against Keras to 1e-12
  in tests/test_lessons.py), one figure kept, its static part cached, the PNG put in an Image widget.

Prints both medians and their ratio; the target for "after" is under 0.1 s.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
COURSE = Path(__file__).resolve().parent.parent / "course"
sys.path.insert(0, str(COURSE))

STEPS, NAMES = 200, ["SGD", "Momentum", "RMSprop", "Adam"]


def old_redraw():
    """The pre-issue-14 playground redraw (Keras-driven), rendered to PNG."""
    import keras
    import matplotlib.pyplot as plt
    import numpy as np
    import tensorflow as tf

    f = lambda x, y: 0.5 * (x**2 + 20.0 * y**2)
    start, xlim, ylim, lr = (-4.5, 1.5), (-5, 5), (-2, 2), 0.08

    def make_optimizer(name):
        if name == "SGD":
            return keras.optimizers.SGD(learning_rate=lr)
        if name == "Momentum":
            return keras.optimizers.SGD(learning_rate=lr, momentum=0.9)
        if name == "RMSprop":
            return keras.optimizers.RMSprop(learning_rate=lr)
        return keras.optimizers.Adam(learning_rate=lr, beta_1=0.9, beta_2=0.999)

    def keras_trajectory(optimizer):
        point = keras.Variable(np.array(start, dtype="float64"), dtype="float64")
        path = [point.numpy().copy()]
        for _ in range(STEPS):
            with tf.GradientTape() as tape:
                loss = f(point[0], point[1])
            optimizer.apply_gradients([(tape.gradient(loss, point), point)])
            path.append(point.numpy().copy())
            if not np.all(np.isfinite(path[-1])) or np.abs(path[-1]).max() > 1e3:
                break
        return np.array(path)

    xs, ys = np.linspace(*xlim, 300), np.linspace(*ylim, 300)
    XX, YY = np.meshgrid(xs, ys)
    ZZ = f(XX, YY)
    fig, ax = plt.subplots(figsize=(7.5, 5.5), dpi=80)
    shifted = ZZ - ZZ.min() + 1e-3
    ax.contour(XX, YY, shifted, levels=np.geomspace(shifted.min() * 10, shifted.max(), 25), cmap="viridis", linewidths=0.7)
    for i, name in enumerate(NAMES):
        path = keras_trajectory(make_optimizer(name))
        ax.plot(path[:, 0], path[:, 1], "-o", ms=2, lw=1.3, label=f"{name} (loss {float(f(*path[-1])):.3g})")
    ax.plot(*start, "k*", ms=14, label="start")
    ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y", title="ill-conditioned quadratic")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def time_calls(fn, repeats):
    """[(wall seconds, CPU seconds of this process)] per call; CPU time is what a shared machine does not inflate."""
    times = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return times


def main() -> int:
    import day76_playground as pg

    old_repeats = int(os.environ.get("BENCH_OLD_REPEATS", "3"))
    old_redraw()                                        # warm-up: TensorFlow import and first tracing
    before = time_calls(old_redraw, old_repeats)

    playground = pg.Playground(names=NAMES, steps=STEPS)  # first draw caches the static background
    values = iter([0.05, 0.07, 0.09, 0.08, 0.06] * 5)

    def move_slider():                                  # a student dragging SGD's learning-rate slider
        playground.rates["SGD"].value = next(values)

    after = time_calls(move_slider, 25)
    assert playground.draws == 26, "every change must redraw exactly once"
    surface_times = []
    for name in ["Rosenbrock", "Beale", "saddle point", "ill-conditioned quadratic"]:
        start = time.perf_counter()
        playground.surface.value = name                 # new background + nine default rates: one redraw
        surface_times.append(time.perf_counter() - start)

    b, a = statistics.median(t for t, _ in before), statistics.median(t for t, _ in after)
    b_cpu, a_cpu = statistics.median(c for _, c in before), statistics.median(c for _, c in after)
    print(f"playground redraw, {len(NAMES)} optimizers x {STEPS} steps, figure to PNG ({os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}):")
    print(f"  before (Keras-driven, fresh figure): median {b:.2f} s wall, {b_cpu:.2f} s CPU over {len(before)} redraws")
    print(f"  after  (NumPy optimizers, cached figure): median {a * 1000:.0f} ms wall, {a_cpu * 1000:.0f} ms CPU over "
          f"{len(after)} redraws (target < 100 ms: {'met' if a < 0.1 else 'NOT met on this run'}); a surface change: "
          f"median {statistics.median(surface_times) * 1000:.0f} ms wall")
    print(f"  speed-up: {b / a:.0f}x wall, {b_cpu / a_cpu:.0f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())

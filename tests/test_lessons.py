"""The two lesson notebooks and their helper modules (course/day76_*.py).

Every claim in the lessons is backed by an assertion in the cell that computes it, so "runs
without an error" here means "the numbers still say what the prose says". On top of that:
the NumPy optimizers that drive the playground take exactly the steps of keras.optimizers; the
playground redraws once per change and never uses an Output widget (the cause of a headless run
that once sat idle for ten minutes, see day76_playground's docstring); every exercise check says
what is wrong; answers are collapsed; no lesson cell writes to stderr; no output points at the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
COURSE = REPO / "course"
LESSONS = ["Day76-Optimizer_example.ipynb", "Day76-Optimizer_advanced.ipynb"]
sys.path.insert(0, str(COURSE))   # the lessons import their helpers from course/, as a student's kernel does

import day76_exercises as exercises  # noqa: E402
import day76_optimizers as npopt  # noqa: E402
import day76_playground as playground  # noqa: E402
import day76_theory as theory  # noqa: E402

# TensorFlow's own C++ start-up lines (absl, oneDNN, CUDA probing, CPU features). They are a known
# environment issue handled at the root elsewhere; anything else on stderr is a defect of a lesson cell.
TF_STARTUP_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:.]+\s+\d+ (port|cudart_stub|cuda_executor|cuda_diagnostics|cpu_feature_guard|cuda_dnn|cuda_fft|cuda_blas)\.cc:\d+\].*"
    r"|To enable the following instructions: .*in other operations, rebuild TensorFlow with the appropriate compiler flags\."
    r"|E0000 .*cuInit.*|.*failed call to cuInit.*)$")


def execute_notebook(path: Path, workdir: Path, timeout_per_cell: int = 300):
    """Run a notebook with nbclient in a copy of course/ (helpers included); returns (notebook, seconds).

    The per-cell timeout is far above any cell's need, so a stall fails in minutes, not hours.
    """
    from nbclient import NotebookClient

    for helper in COURSE.glob("day76_*.py"):
        shutil.copy2(helper, workdir / helper.name)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout_per_cell, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def errors_in(nb) -> list[str]:
    return [f"cell {i}: {out.ename}: {out.evalue}"
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.output_type == "error"]


def stderr_lines(nb) -> list[tuple[int, str]]:
    return [(i, line) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.output_type == "stream" and out.name == "stderr"
            for line in out.text.splitlines() if line.strip()]


def count_outputs(nb, mime: str) -> int:
    return sum(mime in out.get("data", {}) for cell in code_cells(nb) for out in cell.get("outputs", []))


def all_output_text(nb) -> str:
    parts = []
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            for mime, value in out.get("data", {}).items():
                if not mime.startswith("image/"):
                    parts.append(value if isinstance(value, str) else str(value))
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------------
# The committed notebooks
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_is_committed_without_outputs(name):
    nb = nbformat.read(COURSE / name, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert dirty == [], f"{name}: code cells {dirty} have outputs or execution counts; strip them before committing"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_is_offline_and_has_no_stale_api(name):
    """No download at run time except the opt-in CIFAR-10 cell, and no Keras-2 spellings outside the 'old code' box."""
    nb = nbformat.read(COURSE / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "cifar10" in cell.metadata.get("tags", []):
            continue
        assert "load_data(" not in cell.source and "urlopen" not in cell.source, cell.source[:200]
        assert "history.history['acc']" not in cell.source and 'history["acc"]' not in cell.source
        assert "to_jshtml" not in cell.source, "matplotlib's jshtml player loads its icons from a CDN"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_has_four_checked_exercises_with_collapsed_answers(name):
    nb = nbformat.read(COURSE / name, as_version=4)
    answers = [c for c in code_cells(nb) if "answer" in c.metadata.get("tags", [])]
    checks = [c for c in code_cells(nb) if "exercises.check_" in c.source and c not in answers]
    assert len(checks) >= 4 and len(answers) >= 4, f"{name}: {len(checks)} checks, {len(answers)} answers"
    for cell in answers:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"{name}: answer cell {cell.id} is not collapsed"
        assert "assert exercises.check_" in cell.source, f"{name}: answer cell {cell.id} does not prove itself with the check"


@pytest.mark.parametrize("name", LESSONS)
def test_legends_are_placed_off_the_data(name):
    """Every legend is put outside the axes (legend_outside, or a figure legend below the panels)."""
    nb = nbformat.read(COURSE / name, as_version=4)
    for cell in code_cells(nb):
        for call in re.findall(r"\.legend\(([^\n]*)", cell.source):
            assert "bbox_to_anchor" in call or 'loc="lower center"' in call, f"{name}: legend({call}) may cover data"
        assert 'loc="best"' not in cell.source


# --------------------------------------------------------------------------------------------------
# The helper modules
# --------------------------------------------------------------------------------------------------
def _keras_twin(name, lr, **kw):
    import keras

    if name == "SGD":
        return keras.optimizers.SGD(lr)
    if name in ("Momentum", "Nesterov"):
        return keras.optimizers.SGD(lr, momentum=kw.get("momentum", 0.9), nesterov=name == "Nesterov")
    if name == "AdaGrad":
        return keras.optimizers.Adagrad(lr)
    if name == "RMSprop":
        return keras.optimizers.RMSprop(lr)
    if name == "Adadelta":
        return keras.optimizers.Adadelta(lr)
    if name in ("Adam", "AMSGrad"):
        return keras.optimizers.Adam(lr, beta_1=kw.get("beta_1", 0.9), beta_2=kw.get("beta_2", 0.999), amsgrad=name == "AMSGrad")
    if name == "Nadam":
        return keras.optimizers.Nadam(lr, beta_1=kw.get("beta_1", 0.9), beta_2=kw.get("beta_2", 0.999))
    raise AssertionError(name)


@pytest.mark.parametrize("name", npopt.OPTIMIZERS)
@pytest.mark.parametrize("surface", ["Beale", "Rosenbrock"])
def test_numpy_optimizers_take_the_steps_of_keras_optimizers(name, surface):
    """The playground's optimizers against keras.optimizers: same gradients, 300 steps, float64, 1e-12."""
    import keras
    import tensorflow as tf

    s = npopt.SURFACES[surface]
    lr = s.rates[name] / 10    # a stable rate for 300 steps on both surfaces
    kw = {"momentum": 0.8, "beta_1": 0.85, "beta_2": 0.99} if name in ("Momentum", "Nesterov", "Adam", "AMSGrad", "Nadam") else {}
    mine = npopt.make(name, lr, **kw)
    theirs = _keras_twin(name, lr, **kw)
    theta = s.start.copy()
    variable = keras.Variable(theta.copy(), dtype="float64")
    for step in range(300):
        g = s.grad(theta)
        theta = mine.step(theta, g)
        theirs.apply_gradients([(tf.constant(g), variable)])
        assert np.max(np.abs(theta - variable.numpy())) <= 1e-12, f"{name} drifts from Keras at step {step}"
    assert np.all(np.isfinite(theta))


def test_playground_schedule_matches_a_keras_schedule():
    """The playground's '1/t decay' is Keras's InverseTimeDecay(lr, decay_steps=20, decay_rate=1)."""
    import keras
    import tensorflow as tf

    s = npopt.SURFACES["Beale"]
    path = npopt.trajectory("Adam", s, 0.1, 200, schedule="1/t decay: lr / (1 + t/20)")
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=20, decay_rate=1.0)
    optimizer, variable, theta = keras.optimizers.Adam(schedule), keras.Variable(s.start.copy(), dtype="float64"), s.start.copy()
    for step in range(200):
        optimizer.apply_gradients([(tf.constant(s.grad(variable.numpy())), variable)])
        assert np.max(np.abs(path[step + 1] - variable.numpy())) <= 1e-9, f"schedules disagree at step {step}"


@pytest.mark.parametrize("surface", list(npopt.SURFACES))
def test_surface_gradients_match_tensorflow(surface):
    import tensorflow as tf

    s = npopt.SURFACES[surface]
    for point in [s.start, np.array([0.7, -0.3]), np.array([1.3, 0.9])]:
        p = tf.Variable(point, dtype=tf.float64)
        with tf.GradientTape() as tape:
            loss = s.f(p[0], p[1])
        np.testing.assert_allclose(tape.gradient(loss, p).numpy(), s.grad(point), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("surface", list(npopt.SURFACES))
def test_default_rates_are_good_for_their_surface(surface):
    """Each default rate ends (after 200 steps) within 10x of the best loss on the grid 10^(k/4)."""
    s = npopt.SURFACES[surface]
    grid = [10 ** (k / 4) for k in range(-20, 5)]

    def gap(name, lr):
        path = npopt.trajectory(name, s, lr, 200)
        return np.inf if npopt.diverged(path) else s.loss(path[-1]) - s.f_min

    for name in npopt.OPTIMIZERS:
        best = min(gap(name, lr) for lr in grid)
        assert gap(name, s.rates[name]) <= max(10 * best, best + 1e-6), f"{surface}: {name}'s default rate {s.rates[name]}"


def test_playground_redraws_once_per_change_without_an_output_widget():
    import ipywidgets as widgets

    pg = playground.Playground()
    assert pg.draws == 1 and bytes(pg.image.value).startswith(b"\x89PNG")
    pg.surface.value = "Rosenbrock"                    # resets nine learning-rate sliders: still one redraw
    assert pg.draws == 2
    assert pg.rates["Adam"].value == pytest.approx(npopt.SURFACES["Rosenbrock"].rates["Adam"], rel=0.02)
    first = bytes(pg.image.value)
    pg.rates["SGD"].value = 0.001
    pg.noise.value = 2.0
    pg.schedule.value = "cosine decay to 0"
    pg.names.value = ("SGD", "Adam", "AMSGrad")
    assert pg.draws == 6 and bytes(pg.image.value) != first

    def tree(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from tree(child)

    assert not any(isinstance(w, widgets.Output) for w in tree(pg.widget)), \
        "an Output widget makes nbclient write to the shell channel while it waits on it (jupyter/nbclient#312)"
    lab = playground.QuadraticLab()
    lab.kappa.value = 100
    assert lab.draws == 2


def test_playground_figure_reports_divergence():
    png, ends = playground.figure_png("ill-conditioned quadratic", ["SGD"], rates={"SGD": 0.2}, steps=50)
    assert png.startswith(b"\x89PNG") and np.isinf(ends["SGD"])


def test_offline_player_needs_no_network():
    frames = [playground.figure_png(steps=s)[0] for s in (10, 20)]
    html = playground.html_player(frames)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), "the player must not load anything from the network"
    assert html.count("data:image/png;base64,") == 3 and "<script>" in html and "play" in html


def test_quadratic_theory_matches_simulation():
    for kappa in [5.0, 20.0, 300.0]:
        lr, mu, rate = theory.optimal_momentum(1.0, kappa)
        assert theory.momentum_rate(lr, mu, [1.0, kappa]) == pytest.approx(rate, rel=1e-5)
        lr_gd, rate_gd = theory.optimal_gd(1.0, kappa)
        path = theory.run_quadratic([1.0, kappa], lr_gd, 0.0, [1.0, 1.0], 50)
        assert path[-1, 0] == pytest.approx(rate_gd**50, rel=1e-9)
    A = theory.random_spd(8, np.geomspace(1, 100, 8))
    b = np.ones(8)
    residual_form = theory.cg_residual(A, b, np.zeros(8), 8)
    np.testing.assert_allclose(residual_form, theory.cg_hessian(lambda x: A @ x - b, lambda x: A, np.zeros(8), 8), rtol=1e-6, atol=1e-9)
    assert np.linalg.norm(A @ residual_form[-1] - b) < 1e-8      # n steps reach the minimum


# Each exercise check: unanswered, wrong (with a specific reason) and right.
CHECK_CASES = [
    (lambda v: exercises.check_diagnosis(v, {"A": "good", "B": "diverging"}), {"A": "good", "B": "oscillating"},
     "curve B", {"A": "good", "B": "diverging"}),
    (exercises.check_divergence_rate, 0.05, "still converges", 0.1),
    (lambda v: exercises.check_momentum_choice(*v) if v else exercises.check_momentum_choice(None, None), (0.05, 0.9),
     "flat direction", (0.13358, 0.4026)),
    (exercises.check_amsgrad, npopt.Adam, "like plain Adam", npopt.AMSGrad),
    (exercises.check_rmsprop_first_step, 3.16, "no bias correction", 10.0),
    (exercises.check_momentum_limit, 0.1, "still converges", 0.19),
    (exercises.check_gd_steps, 100, "691", 691),
    (exercises.check_cg_beta, lambda g, H, d: 0.0, "not A-conjugate", lambda g, H, d: (g @ H @ d) / (d @ H @ d)),
]


@pytest.mark.parametrize("check, wrong, reason, right", CHECK_CASES)
def test_exercise_checks_say_what_is_wrong(check, wrong, reason, right, capsys):
    assert not check(None)
    assert "not answered yet" in capsys.readouterr().out
    assert not check(wrong)
    out = capsys.readouterr().out
    assert out.startswith("✘") and reason in out, out
    assert check(right)
    assert capsys.readouterr().out.startswith("✔")


# --------------------------------------------------------------------------------------------------
# Executed top to bottom
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=LESSONS)
def executed_lesson(request, tmp_path_factory):
    nb, seconds = execute_notebook(COURSE / request.param, tmp_path_factory.mktemp("lesson-run"))
    print(f"\n{request.param}: executed in {seconds:.1f} s")
    return request.param, nb


@pytest.mark.slow
def test_lesson_runs_top_to_bottom_without_errors(executed_lesson):
    name, nb = executed_lesson
    assert errors_in(nb) == [], f"{name} raised errors"
    figures = {"Day76-Optimizer_example.ipynb": 8, "Day76-Optimizer_advanced.ipynb": 11}[name]
    assert count_outputs(nb, "image/png") >= figures, f"{name} should draw its {figures} figures"
    # interactive parts are real ipywidgets, and headless runs still show static pictures
    assert count_outputs(nb, "application/vnd.jupyter.widget-view+json") >= 1
    widget_models = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert not [m for m in widget_models.values() if m.get("model_name") == "OutputModel"], "no Output widgets (nbclient#312)"
    text = all_output_text(nb)
    # every exercise: the student's check says "not answered yet", the collapsed answer passes its check
    for cell in code_cells(nb):
        printed = "".join(o.get("text", "") for o in cell.outputs)
        if "answer" in cell.metadata.get("tags", []):
            assert "✔" in printed, f"{name}: answer cell {cell.id} did not pass its check: {printed}"
        elif cell.source.startswith("exercises.check_") or "\nexercises.check_" in cell.source:
            assert printed.startswith("✘"), f"{name}: check cell {cell.id} should flag the unanswered exercise: {printed}"
    if name == "Day76-Optimizer_example.ipynb":
        default_cell = next(c for c in code_cells(nb) if c.source.startswith("png, ends = figure_png("))
        assert any("image/png" in o.get("data", {}) for o in default_cell.outputs)
        assert "CIFAR-10 section skipped (RUN_CIFAR10 = False)." in text
    else:
        html = "".join(o.get("data", {}).get("text/html", "") for c in code_cells(nb) for o in c.outputs)
        assert "day76-player" in html, "the Beale animation is an HTML/JS player with embedded frames"


@pytest.mark.slow
def test_no_output_points_at_the_network(executed_lesson):
    """Offline means offline: no URL in any output (the animation player, tables and widgets included)."""
    name, nb = executed_lesson
    urls = re.findall(r"(?:https?:)?//(?:[a-z0-9-]+\.)+[a-z]{2,}[^\s\"'<>]*", all_output_text(nb), flags=re.I)
    assert urls == [], f"{name}: outputs reference the network: {urls[:5]}"


@pytest.mark.slow
def test_no_lesson_cell_writes_to_stderr(executed_lesson):
    """Warnings, deprecations and log lines are noise the student did not cause. TensorFlow's own C++ start-up
    lines are a known environment issue, tracked by the next test, and ignored here."""
    name, nb = executed_lesson
    noise = [(i, line) for i, line in stderr_lines(nb) if not TF_STARTUP_LINE.match(line)]
    assert noise == [], f"{name}: stderr from lesson cells: {noise[:10]}"


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="known issue: TensorFlow's C++ start-up lines (absl, oneDNN, CUDA probe) reach "
                                        "stderr at import; removed at the root by the environment work, not by the lessons")
def test_tensorflow_start_up_lines_are_gone(executed_lesson):
    name, nb = executed_lesson
    startup = [line for _, line in stderr_lines(nb) if TF_STARTUP_LINE.match(line)]
    assert startup == [], f"{name}: TensorFlow start-up lines on stderr: {startup[:4]}"


@pytest.mark.slow
def test_cifar10_switch_explains_itself_without_network(tmp_path):
    """RUN_CIFAR10 = True on a machine without internet prints a clear explanation, not a traceback.

    The download is pointed at a closed port on loopback, so this never touches the network, and
    KERAS_HOME is an empty directory, so no cached copy is found.
    """
    nb = nbformat.read(COURSE / "Day76-Optimizer_example.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "cifar10" in c.metadata.get("tags", []))
    code = "RUN_CIFAR10 = True\nCIFAR10_EPOCHS = 1\nCIFAR10_SUBSET = 100\n" + cell.source
    closed = "http://127.0.0.1:9"
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    env.update(http_proxy=closed, https_proxy=closed, HTTP_PROXY=closed, HTTPS_PROXY=closed,
               KERAS_HOME=str(tmp_path / "keras-home"), HOME=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3",
               MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Could not load CIFAR-10" in result.stdout
    assert "needs an internet connection" in result.stdout
    assert "Traceback" not in result.stdout
    assert not list((tmp_path / "keras-home").rglob("*.tar.gz")), "nothing may be downloaded"

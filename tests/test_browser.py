"""The student's view, for real: JupyterLab on loopback, driven by Debian's headless Chromium.

What a student does, through the UI: open the lesson, Run All, look at the figures, move a control
of the optimizer playground and see the figure redraw; open the homework and run its set-up; and,
for the instructor, the solution version (nbgrader's generate_solution) runs top to bottom.
Screenshots go to artifacts/browser/ (gitignored) so a failure can be looked at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser.jupyterlab import running_jupyterlab
from browser.notebook_page import CHROMIUM, NotebookPage, error_outputs

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "browser"
EXAMPLE = "course/Day76-Optimizer_example.ipynb"
HW_NOTEBOOK = "Day76-Optimizer_HW.ipynb"
HW_RELEASE = REPO / "homework" / "release" / "day76" / HW_NOTEBOOK
HW_SOURCE = REPO / "homework" / "source" / "day76" / HW_NOTEBOOK
HW_CONFIG = REPO / "homework" / "nbgrader_config.py"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (as root: apt-get install -y chromium)"),
]


def _generate_solution(homework_copy: Path) -> Path:
    """nbgrader generate_solution day76 in a copy of the course root; returns the solution notebook.

    Execution inside nbgrader is switched off: the browser test runs the solution itself, in Lab.
    """
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    for args in (["db", "assignment", "add", "day76"],     # generate_solution needs the assignment in the gradebook
                 ["generate_solution", "day76", "--force", "--Execute.enabled=False"]):
        result = subprocess.run([nbgrader, *args], cwd=homework_copy, env=env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            break
    solution = homework_copy / "solution" / "day76" / HW_NOTEBOOK
    assert result.returncode == 0 and solution.exists(), (
        f"nbgrader generate_solution failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return solution


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory) -> Path:
    """A temporary copy of what a student and an instructor open: the lessons and the homework."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(REPO / "course", root / "course", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if HW_RELEASE.exists():
        (root / "homework" / "release" / "day76").mkdir(parents=True)
        shutil.copy2(HW_RELEASE, root / "homework" / "release" / "day76" / HW_NOTEBOOK)
    return root


@pytest.fixture(scope="module")
def lab(lab_root, tmp_path_factory):
    with running_jupyterlab(lab_root, tmp_path_factory.mktemp("jupyter-state"), ARTIFACTS / "jupyterlab.log") as server:
        yield server



@pytest.fixture
def new_page(browser, lab):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()
    lab.shutdown_all_kernels()   # the next test starts with the CPU to itself


def _image_src(page, selector: str) -> str:
    return page.locator(selector).first.get_attribute("src") or ""


def _wait_for_new_src(page, selector: str, before: str, timeout_ms: int = 120_000) -> str:
    page.wait_for_function(
        """([sel, before]) => { const img = document.querySelector(sel);
                                return img && img.getAttribute('src') && img.getAttribute('src') !== before; }""",
        arg=[selector, before], timeout=timeout_ms)
    return _image_src(page, selector)


def _slider(controls, label: str):
    return controls.locator(".widget-slider", has_text=label).first


def _run_all_with_collapsed_answers(nb: NotebookPage, notebook_file: Path, timeout_s: float = 900) -> list[str]:
    """Run All, then wait until every code cell ran. A cell whose input is collapsed (the exercises' worked
    answers) shows no prompt in Lab, so those are counted from the file instead of read from the screen."""
    cells = [c for c in json.loads(notebook_file.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    visible = sum(not c.get("metadata", {}).get("jupyter", {}).get("source_hidden") for c in cells)
    nb.menu("Run", "Run All Cells")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompts = nb.prompts()
        done = [p for p in prompts if p.strip("[]: ").isdigit()]
        if len(prompts) == len(cells) and len(done) == visible and not any("*" in p for p in prompts):
            nb.wait_for_kernel_idle(timeout_s=max(5.0, deadline - time.monotonic()))
            return prompts
        time.sleep(0.5)
    nb.screenshot("timeout-execution")
    raise TimeoutError(f"{nb.path}: cells still running after {timeout_s:.0f} s: {nb.prompts()}")


def test_example_lesson_runs_and_its_playground_redraws(lab, new_page):
    nb = NotebookPage(new_page, lab, EXAMPLE, ARTIFACTS).open()
    prompts = _run_all_with_collapsed_answers(nb, REPO / EXAMPLE)
    assert all(p.strip("[]: ").isdigit() for p in prompts if p.strip()), prompts

    saved = nb.save()
    assert error_outputs(saved) == []
    assert nb.error_texts_on_screen() == []
    # static figures (default playground, momentum, noise, init, loss curves, comparison, sweep, ...) + the widget's picture
    assert nb.output_images().count() >= 9
    nb.screenshot("example-after-run-all")

    picture = "img.optimizer-playground-output"
    controls = new_page.locator(".optimizer-playground-controls")
    controls.scroll_into_view_if_needed()
    assert controls.locator(".widget-dropdown select").first.is_visible()
    assert controls.locator(".widget-slider").count() >= 9 + 5, "a learning rate per optimizer, plus mu, betas, noise, steps"
    new_page.locator(picture).first.wait_for(state="visible", timeout=120_000)
    before = _image_src(new_page, picture)
    assert before
    nb.element_screenshot(picture, "example-playground-default")

    # the surface: one redraw, and every optimizer's learning rate jumps to its Beale default
    controls.locator(".widget-dropdown select").first.select_option("Beale")
    after_surface = _wait_for_new_src(new_page, picture, before)
    nb.wait_for_kernel_idle()
    adam_rate = _slider(controls, "lr Adam").locator(".widget-readout").inner_text()
    assert float(adam_rate) == pytest.approx(1.78, rel=0.01)
    nb.element_screenshot(picture, "example-playground-beale")

    # the new sliders: gradient noise, then SGD's own learning rate (keyboard on the slider handle)
    for label, key, presses in [("gradient noise", "ArrowRight", 4), ("lr SGD", "ArrowLeft", 3)]:
        slider = _slider(controls, label)
        readout_before = slider.locator(".widget-readout").inner_text()
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        for _ in range(presses):
            handle.press(key)
        new_page.wait_for_function(
            """([el, before]) => el.textContent.trim() !== before""",
            arg=[slider.locator(".widget-readout").element_handle(), readout_before], timeout=30_000)
        after_surface = _wait_for_new_src(new_page, picture, after_surface)
        nb.wait_for_kernel_idle()
    assert float(_slider(controls, "gradient noise").locator(".widget-readout").inner_text()) == pytest.approx(1.0)
    nb.element_screenshot(picture, "example-playground-noise-and-sgd-rate")

    # an exercise check, as a student does it: type the answer, run the cell, run the check below it.
    # The check cell is found by its output; the answer cell is the code cell just above it (Lab creates a
    # cell's editor only once it scrolls into view, so its source text is not searchable before).
    code_cells = new_page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
    texts = code_cells.all_inner_texts()
    check_index = next(i for i, t in enumerate(texts) if "not answered yet: set sgd_diverges_from" in t)
    exercise, check = code_cells.nth(check_index - 1), code_cells.nth(check_index)

    def answer(text: str) -> None:
        exercise.scroll_into_view_if_needed()
        editor = exercise.locator(".cm-content").first
        editor.wait_for(timeout=60_000)
        editor.click()
        new_page.keyboard.press("Control+a")
        new_page.keyboard.type(text)
        new_page.keyboard.press("Shift+Enter")      # runs the answer cell, selects the check cell
        new_page.keyboard.press("Shift+Enter")      # runs the check

    answer("sgd_diverges_from = 0.3")
    check.locator(".jp-OutputArea-output", has_text="already diverged").first.wait_for(timeout=60_000)
    assert "✘" in check.locator(".jp-OutputArea-output").first.inner_text()
    nb.wait_for_kernel_idle()
    answer("sgd_diverges_from = 2 / 20")
    check.locator(".jp-OutputArea-output", has_text="✔").first.wait_for(timeout=60_000)
    check.scroll_into_view_if_needed()
    nb.screenshot("example-exercise-check")


@pytest.mark.skipif(not HW_RELEASE.exists(), reason="homework not yet in the repo")
def test_homework_student_version_setup_cells_run(lab, new_page):
    release = json.loads(HW_RELEASE.read_text(encoding="utf-8"))
    code_cells = [c for c in release["cells"] if c["cell_type"] == "code"]
    first_answer = next(i for i, c in enumerate(code_cells) if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    assert first_answer >= 1, "the student version should start with set-up code before the first answer cell"

    nb = NotebookPage(new_page, lab, f"homework/release/day76/{HW_NOTEBOOK}", ARTIFACTS).open()
    prompts = nb.run_all_above(first_answer, timeout_s=600)
    assert all(p.strip("[]: ").isdigit() for p in prompts[:first_answer]), prompts
    assert not any(p.strip("[]: ").isdigit() for p in prompts[first_answer:]), "only the set-up cells should have run"
    saved = nb.save()
    assert error_outputs(saved, cell_indices=range(first_answer)) == []
    new_page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").first.scroll_into_view_if_needed()
    nb.screenshot("homework-student-setup")


@pytest.mark.skipif(not (HW_SOURCE.exists() and HW_CONFIG.exists()), reason="homework not yet in the repo")
def test_homework_solution_version_runs(lab, new_page, tmp_path):
    shutil.copy2(HW_CONFIG, tmp_path / "nbgrader_config.py")
    shutil.copytree(REPO / "homework" / "source", tmp_path / "source")
    solution = _generate_solution(tmp_path)
    (lab.root_dir / "homework" / "solution" / "day76").mkdir(parents=True, exist_ok=True)
    shutil.copy2(solution, lab.root_dir / "homework" / "solution" / "day76" / HW_NOTEBOOK)

    nb = NotebookPage(new_page, lab, f"homework/solution/day76/{HW_NOTEBOOK}", ARTIFACTS).open()
    prompts = nb.run_all(timeout_s=1200)
    assert prompts and all(p.strip("[]: ").isdigit() for p in prompts), prompts
    saved = nb.save()
    assert error_outputs(saved) == []
    assert nb.error_texts_on_screen() == []
    nb.screenshot("homework-solution-after-run-all")

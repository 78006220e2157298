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
from pathlib import Path

import pytest

from browser.jupyterlab import running_jupyterlab
from browser.notebook_page import CHROMIUM, NotebookPage, error_outputs, launch_chromium

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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, lab):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()
    lab.shutdown_all_kernels()   # the next test starts with the CPU to itself


def test_example_lesson_runs_and_its_playground_redraws(lab, new_page):
    nb = NotebookPage(new_page, lab, EXAMPLE, ARTIFACTS).open()
    prompts = nb.run_all(timeout_s=900)
    assert prompts and all(p.strip("[]: ").isdigit() for p in prompts), prompts

    saved = nb.save()
    assert error_outputs(saved) == []
    assert nb.error_texts_on_screen() == []
    # Figures: the schedule, the default playground, the comparison and the sweep (static PNGs),
    # plus the playground widget's own figure.
    assert nb.output_images().count() >= 5
    nb.screenshot("example-after-run-all")

    controls = new_page.locator(".optimizer-playground-controls")
    controls.scroll_into_view_if_needed()
    assert controls.locator(".widget-dropdown select").is_visible()
    assert controls.locator(".widget-slider").count() >= 5
    figure = new_page.locator(".optimizer-playground-output img").first
    figure.wait_for(state="visible", timeout=120_000)
    before = figure.get_attribute("src")
    assert before and before.startswith("data:image/png")
    nb.element_screenshot(".optimizer-playground-output", "example-playground-default")

    controls.locator(".widget-dropdown select").select_option("Beale")
    new_page.wait_for_function(
        """(before) => { const img = document.querySelector('.optimizer-playground-output img');
                         return img && img.getAttribute('src') !== before; }""",
        arg=before, timeout=120_000)
    nb.wait_for_kernel_idle()
    after = new_page.locator(".optimizer-playground-output img").first.get_attribute("src")
    assert after and after != before
    # The dropdown also moved the learning-rate slider to Beale's default (0.01).
    readout = controls.locator(".widget-slider", has_text="learning_rate").locator(".widget-readout").inner_text()
    assert float(readout) == pytest.approx(0.01)
    nb.element_screenshot(".optimizer-playground-output", "example-playground-beale")
    nb.screenshot("example-playground-beale-page")


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

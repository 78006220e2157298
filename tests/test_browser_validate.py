"""Validate tells the truth: the Validate button in JupyterLab (headless Chromium) and `nbgrader validate`
pass a correct notebook and fail an incorrect one with the public test's own message.

The notebooks are the student's: the released homework with the reference answers typed into the
answer cells (and, for the incorrect one, the 作業1 figure left out). They run with the settings the
student edition ships (its nbgrader_config.py: 10-minute cells, not nbgrader's 30 s) and the kernel
`make lab` starts. Screenshots of both dialogs go to artifacts/validate/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.student_edition import write_student_edition
from browser.jupyterlab import running_jupyterlab
from browser.notebook_page import CHROMIUM, NotebookPage

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "validate"
ASSIGNMENT = "day76"
PASSED = "Success! Your notebook passes all the tests."
# the public test's own message when fig_optimizers is missing
MISSING_FIGURE = "`fig_optimizers` is not defined"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")

pytestmark = [pytest.mark.slow]


def answered(course: Course, leave_out: set[str] = frozenset()) -> nbformat.NotebookNode:
    """The release with each answer cell's reference code typed in (grade ids in `leave_out` stay as released)."""
    from nbgrader.preprocessors import ClearSolutions

    clear = ClearSolutions(config=course.config)
    delimiters = (clear.begin_solution_delimeter, clear.end_solution_delimeter)
    source = {c.metadata.get("nbgrader", {}).get("grade_id"): c
              for c in nbformat.read(course.source_notebook(), as_version=4).cells}
    nb = nbformat.read(course.release_notebook(), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution") or meta.get("grade_id") in leave_out:
            continue
        if cell.cell_type == "markdown":     # the reflection, in the student's words, never the model answer
            cell.source = "Adam and RMSprop ended higher than SGD in my table; smaller batches did more updates per epoch."
            continue
        lines = source[meta["grade_id"]].source.splitlines()
        cell.source = "\n".join(l for l in lines if not any(d in l for d in delimiters))
    return nb


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.load(REPO / "homework", ASSIGNMENT)


@pytest.fixture(scope="module")
def edition(course, tmp_path_factory) -> Path:
    """The student edition with a correct and an incorrect copy of the homework."""
    edition = write_student_edition(course, tmp_path_factory.mktemp("validate") / "edition")
    nbformat.write(answered(course), edition / "homework" / "correct.ipynb")
    nbformat.write(answered(course, leave_out={"p1_plot"}), edition / "homework" / "incorrect.ipynb")
    return edition


def _validate_cli(notebook: Path, cwd: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"} | env_extra
    return subprocess.run([NBGRADER, "validate", str(notebook)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1500)


def test_nbgrader_validate_in_the_student_edition(edition):
    """What the README tells students to type, in the edition's folder (its nbgrader_config.py)."""
    good = _validate_cli(edition / "homework" / "correct.ipynb", edition, {})
    assert PASSED in good.stdout, good.stdout[-3000:] + good.stderr[-3000:]
    bad = _validate_cli(edition / "homework" / "incorrect.ipynb", edition, {})
    assert "VALIDATION FAILED ON 1 CELL(S)" in bad.stdout, bad.stdout[-3000:]
    assert f"AssertionError: {MISSING_FIGURE}" in bad.stdout


def test_nbgrader_validate_of_the_solution_passes_in_this_repository(course, tmp_path):
    """The instructor's check: the solution (hidden tests included) validates in homework/ with the
    students' kernel (`make validate NB=...`), no TensorFlow stderr in the hidden-test cells."""
    shutil.copy2(course.root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(course.root / "source", tmp_path / "source")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for args in (["db", "assignment", "add", ASSIGNMENT], ["generate_solution", ASSIGNMENT, "--force", "--Execute.enabled=False"]):
        done = subprocess.run([NBGRADER, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    solution = tmp_path / "solution" / ASSIGNMENT / course.notebook
    result = _validate_cli(solution, tmp_path, {"JUPYTER_PATH": str(REPO / "jupyter")})
    assert PASSED in result.stdout, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def lab(edition, tmp_path_factory):
    # as the edition's `make lab` sets them: its kernel, and Lab without nbgrader's instructor tools
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    os.environ["JUPYTER_PATH"] = str(edition / "jupyter")
    os.environ["JUPYTER_CONFIG_PATH"] = str(edition / "jupyter" / "config")
    try:
        with running_jupyterlab(edition, tmp_path_factory.mktemp("jupyter-state"), ARTIFACTS / "jupyterlab.log") as server:
            yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value



def _click_validate(lab, browser, path: str, screenshot: str) -> str:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        nb = NotebookPage(page, lab, path, ARTIFACTS).open()
        # the student's Lab: Validate, but none of nbgrader's grading tools
        assert page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 0
        assert page.get_by_text("Create Assignment", exact=True).count() == 0
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").get_by_text("Validate", exact=True).click()
        # the whole notebook runs (a minute or two here); any answer ends the wait, including an error
        page.wait_for_function(
            """() => { const d = document.querySelector('.jp-Dialog');
                       return d && /Success!|VALIDATION FAILED|error|failed/i.test(d.innerText)
                              && !/Validating/.test(d.innerText); }""", timeout=1_200_000)
        text = page.locator(".jp-Dialog").first.inner_text()
        if page.locator(".jp-Dialog pre").count():          # a failure: show its message, not only the cell
            page.locator(".jp-Dialog pre").last.scroll_into_view_if_needed()
        nb.screenshot(screenshot)
        return text
    finally:
        context.close()
        lab.shutdown_all_kernels()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")
def test_validate_button_passes_a_correct_notebook(lab, browser):
    text = _click_validate(lab, browser, "homework/correct.ipynb", "validate-pass")
    assert PASSED in text, text
    assert (ARTIFACTS / "validate-pass.png").stat().st_size > 10_000


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")
def test_validate_button_fails_an_incorrect_notebook_with_the_public_tests_message(lab, browser):
    text = _click_validate(lab, browser, "homework/incorrect.ipynb", "validate-fail")
    assert "The following cell failed" in text and "Public test for 作業2" not in text, text   # only 作業1 failed
    assert f"AssertionError: {MISSING_FIGURE}" in text
    assert "Timeout" not in text and PASSED not in text

"""The student edition: a repository students can clone that holds no answer.

The instructor's repository keeps `source/` (solutions, hidden tests, the model answer and its
rubric) and example submissions, so it stays private. `write_student_edition` builds what students
get instead, from the course's own configuration (`c.StudentEdition.*` in nbgrader_config.py):

    lessons/            the lesson folders named in c.StudentEdition.lessons, copied as they are
    <homework_dir>/     the released assignment (release/<assignment>/), as nbgrader generated it
    README.md           the student path only (template student_README.md.j2)
    Makefile            `make lab` (template student_Makefile.j2): the pinned environment, JupyterLab
    requirements.lock   the instructor's pins, so students get the grader's numbers
    nbgrader_config.py  what Validate needs: the course's Execute and IgnorePattern settings
    jupyter/            the kernel JupyterLab starts, the workspace `make lab` opens, and the
                        Lab settings that leave out nbgrader's instructor tools

Before it returns, every file written is checked against every line of every solution and
hidden-test region of `source/` (found with nbgrader's own delimiters, as nbgrader finds them): an
edition that would leak one is deleted and the call fails, naming the file and the line.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from traitlets import List, Unicode
from traitlets.config import Configurable

from .course import Course, CourseError

TEMPLATES = Path(__file__).resolve().parent / "templates"

# What a student's kernel runs with: ipykernel's own kernel, except that what C++ libraries write
# straight to file descriptor 2 (TensorFlow's start-up and graph-rewrite logs) goes to the terminal
# running JupyterLab instead of appearing as red text under a cell. Python's warnings and errors
# still show in the notebook.
KERNEL_ARGUMENT = "--IPKernelApp.capture_fd_output=False"
KERNEL_SPEC = {
    "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}", KERNEL_ARGUMENT],
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "metadata": {"debugger": True},
}
# nbgrader's instructor tools (formgrader, Create Assignment, course and assignment lists) are off in
# the student's JupyterLab; the Validate button stays. Read through JUPYTER_CONFIG_PATH=jupyter/config.
STUDENT_LAB_PAGE_CONFIG = {"disabledExtensions": {
    f"@jupyter/nbgrader:{name}": True
    for name in ("formgrader", "create-assignment", "course-list", "assignment-list", "menu")}}
STUDENT_SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": {
    f"nbgrader.server_extensions.{name}": False for name in ("formgrader", "course_list", "assignment_list")}}}
# Sections of the course's config that Validate uses (timeouts, stderr handling).
VALIDATE_SECTIONS = ("Execute", "IgnorePattern")


class StudentEdition(Configurable):
    """`c.StudentEdition.*` in the course's nbgrader_config.py: what goes into the student edition."""

    lessons = List(Unicode(), help="Lesson folders, relative to the course root, copied into the "
                                   "edition under their own names (e.g. ['../course']).").tag(config=True)
    lab_opens = List(Unicode(), help="Notebooks `make lab` opens besides the homework, as paths inside "
                                     "the edition (e.g. ['course/Lesson.ipynb']).").tag(config=True)
    homework_dir = Unicode("homework", help="Folder of the edition that holds the released assignment.").tag(config=True)
    requirements = Unicode("", help="Pinned requirements file, relative to the course root, copied as "
                                    "requirements.lock (e.g. '../requirements.lock').").tag(config=True)
    title = Unicode("", help="Heading of the edition's README (default: the course title).").tag(config=True)
    hand_in = Unicode("", help="How students hand the homework in, for the README (Markdown).").tag(config=True)
    python = Unicode("3.11", help="The Python version the pinned requirements are for.").tag(config=True)
    ignore = List(Unicode(), default_value=[".ipynb_checkpoints", "__pycache__", "*.pyc", ".DS_Store"],
                  help="File and folder name patterns never copied.").tag(config=True)


class StudentEditionError(CourseError):
    """The edition cannot be written as asked (bad target, missing release, a leak)."""


@dataclass(frozen=True)
class Leak:
    path: str
    line: str


# ---- what must never leave the instructor's repository ---------------------------------------
def _delimiters(course: Course) -> list[tuple[str, str]]:
    """(begin, end) pairs nbgrader uses for solution and hidden-test regions, from the course config."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    solutions = ClearSolutions(config=course.config)
    hidden = ClearHiddenTests(config=course.config)
    return [(solutions.begin_solution_delimeter, solutions.end_solution_delimeter),
            (hidden.begin_test_delimeter, hidden.end_test_delimeter)]


def _notebook_lines(notebooks) -> set[str]:
    return {line.strip() for nb in notebooks for cell in nbformat.read(nb, as_version=4).cells
            for line in cell.source.splitlines()}


def secret_lines(course: Course, public_notebooks=()) -> set[str]:
    """Every line inside a solution or hidden-test region of the course's source notebooks.

    A line opens or closes a region when it contains the delimiter (nbgrader matches the same way).
    Lines are compared stripped; blank lines, lines that also appear in the released notebooks (what
    nbgrader leaves in the student version, such as a markdown fence) and lines of the lesson
    notebooks in `public_notebooks` (published by design: `plt.show()`, the model a lesson teaches)
    are not secrets.
    """
    regions = _delimiters(course)
    secrets: set[str] = set()
    for notebook in sorted((course.root / "source").rglob("*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            inside = None
            for line in cell.source.splitlines():
                if inside is None:
                    inside = next((end for begin, end in regions if begin in line), None)
                elif inside in line:
                    inside = None
                elif line.strip():
                    secrets.add(line.strip())
    public = _notebook_lines(sorted((course.root / "release").rglob("*.ipynb")))
    return secrets - public - _notebook_lines(public_notebooks)


def find_leaks(edition: Path, secrets: set[str]) -> list[Leak]:
    """Lines of files in `edition` that are secret lines (the whole stripped line must match)."""
    leaks = []
    for path in sorted(edition.rglob("*")):
        if not path.is_file() or ".git" in path.relative_to(edition).parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        lines = text.splitlines()
        if path.suffix == ".ipynb":
            lines = [line for cell in nbformat.reads(text, as_version=4).cells for line in cell.source.splitlines()]
        for line in lines:
            if line.strip() in secrets:
                leaks.append(Leak(path.relative_to(edition).as_posix(), line.strip()))
    return leaks


# ---- writing the edition -----------------------------------------------------------------------
def _ignore(patterns):
    def ignore(_folder, names):
        return {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}
    return ignore


def _notebook_title(path: Path) -> str:
    """The first Markdown heading of a notebook (what the README lists it as)."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def _validate_config(course: Course) -> str:
    """nbgrader_config.py for the edition: the course's Validate settings, literally."""
    lines = ["# What `nbgrader validate` and JupyterLab's Validate button read in this folder: the same",
             "# timeouts and stderr handling the course's grader uses.",
             "c = get_config()  # noqa: F821 (provided by nbgrader)", ""]
    for section in VALIDATE_SECTIONS:
        for key, value in sorted(course.config.get(section, {}).items()):
            lines.append(f"c.{section}.{key} = {value!r}")
    # No kernel arguments here: the Validate button starts kernels from jupyter/kernels/ (which
    # already passes KERNEL_ARGUMENT; a second copy makes ipykernel refuse to start).
    return "\n".join(lines + [""])


def _workspace(workspace_id: str, paths: list[str]) -> dict:
    """A JupyterLab workspace with `paths` open side by side (the first one focused)."""
    ids = [f"notebook:{p}" for p in paths]
    return {
        "data": {
            "layout-restorer:data": {
                "main": {
                    "dock": {"type": "split-area", "orientation": "horizontal",
                             "sizes": [1 / len(ids)] * len(ids),
                             "children": [{"type": "tab-area", "currentIndex": 0, "widgets": [i]} for i in ids]},
                    "current": ids[0],
                },
                "down": {"size": 0, "widgets": []},
                "left": {"collapsed": True, "visible": True, "widgets": ["filebrowser", "running-sessions", "table-of-contents"]},
                "right": {"collapsed": True, "visible": True, "widgets": []},
                "relativeSizes": [0, 1, 0],
                "top": {"simpleVisibility": True},
            },
            **{i: {"data": {"path": p, "factory": "Notebook"}} for i, p in zip(ids, paths)},
        },
        "metadata": {"id": workspace_id},
    }


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise StudentEditionError(f"{target} is a file: give a folder for the student edition")
    if target.is_dir() and any(target.iterdir()):
        if (target / ".git").exists():
            raise StudentEditionError(f"{target} is a git repository: the edition is written to a new folder "
                                      "(copy it into your student repository afterwards), never over a repository")
        if not force:
            raise StudentEditionError(f"{target} is not empty: give a new folder, or --force to replace an "
                                      "earlier student edition there")
        if not (target / "jupyter" / "kernels" / "python3" / "kernel.json").is_file():
            raise StudentEditionError(f"{target} is not empty and is not an earlier student edition: "
                                      "--force only replaces an edition; give a new folder")


def write_student_edition(course: Course, target: Path, force: bool = False) -> Path:
    """Write the student edition of `course` into `target` (a new or empty folder); returns it."""
    settings = StudentEdition(config=course.config)
    target = Path(target).resolve()
    if course.root == target or course.root in target.parents:
        raise StudentEditionError(f"{target} is inside the course folder {course.root}: write the edition elsewhere")
    _check_target(target, force)
    release = course.root / "release" / course.assignment
    if not (release / course.notebook).is_file():
        raise StudentEditionError(f"{release / course.notebook} does not exist: generate the student version first "
                                  f"(`nbgrader generate_assignment {course.assignment}` in {course.root})")
    if not settings.lessons:
        raise StudentEditionError(f"no lessons configured: set c.StudentEdition.lessons in {course.root / 'nbgrader_config.py'}")
    lesson_dirs = [(course.root / rel).resolve() for rel in settings.lessons]
    for folder in lesson_dirs:
        if not folder.is_dir():
            raise StudentEditionError(f"lesson folder {folder} (c.StudentEdition.lessons) does not exist")
        if folder == course.root or course.root in folder.parents or folder in course.root.parents:
            raise StudentEditionError(f"lesson folder {folder} contains or is inside the course folder: "
                                      "it would copy source/ into the edition")
    requirements = (course.root / settings.requirements).resolve() if settings.requirements else None
    if requirements is None or not requirements.is_file():
        raise StudentEditionError(f"the pinned requirements ({requirements or 'c.StudentEdition.requirements'}) "
                                  "do not exist: set c.StudentEdition.requirements to the lock file")

    secrets = secret_lines(course, [nb for folder in lesson_dirs for nb in sorted(folder.rglob("*.ipynb"))
                                    if ".ipynb_checkpoints" not in nb.parts])
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    try:
        ignore = _ignore(settings.ignore)
        lessons = []
        for folder in lesson_dirs:
            shutil.copytree(folder, target / folder.name, ignore=ignore)
            for nb in sorted((target / folder.name).rglob("*.ipynb")):
                rel = nb.relative_to(target).as_posix()
                lessons.append({"path": rel, "title": _notebook_title(nb)})
        lessons.sort(key=lambda lesson: lesson["path"] not in settings.lab_opens)   # the one make lab opens first
        shutil.copytree(release, target / settings.homework_dir, ignore=ignore)
        homework = f"{settings.homework_dir}/{course.notebook}"
        shutil.copy2(requirements, target / "requirements.lock")
        (target / "nbgrader_config.py").write_text(_validate_config(course), encoding="utf-8")

        kernel = target / "jupyter" / "kernels" / "python3" / "kernel.json"
        kernel.parent.mkdir(parents=True)
        kernel.write_text(json.dumps(KERNEL_SPEC, indent=1) + "\n", encoding="utf-8")
        labconfig = target / "jupyter" / "config" / "labconfig"
        labconfig.mkdir(parents=True)
        (labconfig / "page_config.json").write_text(json.dumps(STUDENT_LAB_PAGE_CONFIG, indent=1) + "\n", encoding="utf-8")
        (target / "jupyter" / "config" / "jupyter_server_config.json").write_text(
            json.dumps(STUDENT_SERVER_CONFIG, indent=1) + "\n", encoding="utf-8")
        workspace_id = re.sub(r"[^a-z0-9-]+", "-", course.assignment.lower()).strip("-") or "course"
        opens = [p for p in settings.lab_opens if (target / p).is_file()] + [homework]
        (target / "jupyter" / f"{workspace_id}.jupyterlab-workspace").write_text(
            json.dumps(_workspace(workspace_id, opens), indent=1) + "\n", encoding="utf-8")
        (target / ".gitignore").write_text(".venv/\n.ipynb_checkpoints/\n__pycache__/\n", encoding="utf-8")

        env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                          keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
        values = {"title": settings.title or course.title, "lessons": lessons, "homework": homework,
                  "assignment": course.assignment, "hand_in": settings.hand_in, "python": settings.python,
                  "workspace": workspace_id, "opens": opens}
        (target / "README.md").write_text(env.get_template("student_README.md.j2").render(**values), encoding="utf-8")
        (target / "Makefile").write_text(env.get_template("student_Makefile.j2").render(**values), encoding="utf-8")

        leaks = find_leaks(target, secrets)
        if leaks:
            shown = "\n".join(f"  {leak.path}: {leak.line[:100]}" for leak in leaks[:10])
            raise StudentEditionError(f"the edition would contain {len(leaks)} line(s) of solutions or hidden tests "
                                      f"(nothing was written):\n{shown}")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target

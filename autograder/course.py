"""The course being graded, as its own `nbgrader_config.py` describes it.

Nothing in the grading machinery names a course: every command finds the course folder (the one
holding `nbgrader_config.py`; by default the current directory, a parent of it, or `./homework`),
loads its config the way nbgrader does, and reads the course description from the `Course`
section:

    c.Course.assignment = "hw1"                 # graded when a command names no assignment
    c.Course.notebook = "HW1.ipynb"             # the file students submit
    c.Course.parts = {"Part 1": ["test_a", ...]}  # graded cells summed per part in reports
    c.Course.verifier = "mycourse.verify"       # module with the clean-process verifier (optional)

Data in, data out: `Course.load(...)` returns a frozen description that tests can also build
directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from traitlets import Dict, Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(ValueError):
    """The course cannot be used as asked (not found, unknown assignment, not set up yet)."""


class CourseSettings(Configurable):
    """`c.Course.*` in nbgrader_config.py: what the course is, for the autograder's commands."""

    @classmethod
    def section_names(cls) -> list[str]:
        return ["Course"]             # the config section is `c.Course`, not the class name

    assignment = Unicode("", help="Assignment a command grades when none is named.").tag(config=True)
    notebook = Unicode("", help="File name of the assignment's notebook (what students submit).").tag(config=True)
    title = Unicode("", help="Human title of the assignment, for summaries and reports.").tag(config=True)
    parts = Dict(help="Part name -> list of grade ids summed as that part in feedback and reports.").tag(config=True)
    verifier = Unicode("", help="Python module with the course's clean-process verifier "
                                "(EXPORTS and verify()); empty: hidden tests run in the kernel only.").tag(config=True)


def find_course_root(start: Path | None = None) -> Path:
    """The course folder for a command run in `start` (default: the current directory)."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    if (start / "homework" / CONFIG_FILE).is_file():
        return start / "homework"
    raise CourseError(f"no nbgrader course found from {start}: run the command in the course folder "
                      f"(the one with {CONFIG_FILE}) or pass --course DIR")


def load_config(course_root: Path) -> Config:
    """The course's nbgrader_config.py, loaded as nbgrader loads it (empty when there is none)."""
    path = Path(course_root) / CONFIG_FILE
    if not path.exists():
        return Config()
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


@dataclass(frozen=True)
class Course:
    root: Path
    assignment: str
    notebook: str
    title: str = ""
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    verifier: str = ""
    config: Config = field(default_factory=Config, compare=False, repr=False)

    @classmethod
    def load(cls, root: Path | str | None = None, assignment: str | None = None,
             require_source: bool = True) -> "Course":
        """Read the course at `root` (found from the current directory when None)."""
        root = Path(root).resolve() if root else find_course_root()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} is not an nbgrader course (no {CONFIG_FILE}): pass the course folder "
                              "with --course DIR")
        config = load_config(root)
        settings = CourseSettings(config=config)
        name = assignment or settings.assignment
        if not name:
            raise CourseError(f"which assignment? name it on the command line, or set c.Course.assignment "
                              f"in {root / CONFIG_FILE}")
        course = cls(root=root, assignment=name, notebook=settings.notebook or "",
                     title=settings.title or name,
                     parts={k: tuple(v) for k, v in settings.parts.items()},
                     verifier=settings.verifier, config=config)
        if require_source and not (root / "source" / name).is_dir():
            known = sorted(p.name for p in (root / "source").iterdir() if p.is_dir()) \
                if (root / "source").is_dir() else []
            raise CourseError(f"assignment {name!r} is not in {root / 'source'}: "
                              + (f"the course has {', '.join(known)}" if known else "the course has no assignments"))
        if not course.notebook:
            notebooks = sorted(p.name for p in (root / "source" / name).glob("*.ipynb")) \
                if (root / "source" / name).is_dir() else []
            if len(notebooks) == 1:
                course = cls(**{**course.__dict__, "notebook": notebooks[0]})
        return course

    # ---- nbgrader's folders -------------------------------------------------------------
    @property
    def db_url(self) -> str:
        """The gradebook as nbgrader would open it (honours CourseDirectory.db_url)."""
        return self.coursedir().db_url

    def coursedir(self):
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        if "root" not in self.config.get("CourseDirectory", {}):
            coursedir.root = str(self.root)
        return coursedir

    def source_notebook(self) -> Path:
        return self.root / "source" / self.assignment / self.notebook

    def release_notebook(self) -> Path:
        return self.root / "release" / self.assignment / self.notebook

    def submitted_dir(self, student: str) -> Path:
        return self.root / "submitted" / student / self.assignment

    def submitted_notebook(self, student: str) -> Path:
        return self.submitted_dir(student) / self.notebook

    def autograded_dir(self, student: str) -> Path:
        return self.root / "autograded" / student / self.assignment

    def autograded_notebook(self, student: str) -> Path:
        return self.autograded_dir(student) / self.notebook

    def gradebook_path(self) -> Path | None:
        url = self.db_url
        return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None

    def require_gradebook(self) -> None:
        """Fail with what to do when the assignment was never generated (no gradebook entry)."""
        from nbgrader.api import Gradebook, MissingEntry

        path = self.gradebook_path()
        hint = (f"run `nbgrader generate_assignment {self.assignment} --force` in {self.root} first "
                "(it records the assignment and its tests in the gradebook)")
        if path is not None and not path.exists():
            raise CourseError(f"{self.root} has no gradebook yet: {hint}")
        with Gradebook(self.db_url, self.coursedir().course_id) as gb:
            try:
                gb.find_assignment(self.assignment)
            except MissingEntry:
                raise CourseError(f"the gradebook does not know assignment {self.assignment!r}: {hint}") from None

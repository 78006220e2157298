"""One grading run: make jobs, reuse cached results, run the rest, record each as it arrives.

The coordinator is the only writer of the course's gradebook and autograded folder. Results are
cached before they are recorded, so a run killed half-way resumes where it stopped, and an
unchanged submission is never executed twice unless `force` is set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from ..sandbox.limits import Limits
from .cache import ResultCache
from .course_files import load_config, make_jobs
from .jobs import GradingResult
from .settings import GradeSettings, secrets_from_environment
from .record import already_recorded, record_result, scores

CACHE_DIR = ".autograder-cache"


@dataclass
class RunSummary:
    assignment: str
    results: dict[str, GradingResult] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)     # students actually run this time
    reused: list[str] = field(default_factory=list)       # students served from the cache
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def grader_errors(self) -> dict[str, str]:
        return {s: r.grader_error for s, r in self.results.items() if r.grader_error}

    def report(self) -> dict:
        return {
            "assignment": self.assignment,
            "seconds": round(self.seconds, 2),
            "students": {
                s: {"score": self.scores.get(s, (None, None))[0],
                    "max_score": self.scores.get(s, (None, None))[1],
                    "graded": r.ok, "reasons": r.reasons, "cached": s in self.reused,
                    "grader_error": r.grader_error, "verified": r.verified,
                    "seconds": round(r.seconds, 2), "worker": r.worker}
                for s, r in sorted(self.results.items())},
        }


def grade_assignment(course_root: Path, assignment: str, *, runner, students: list[str] | None = None,
                     sandbox: bool = True, force: bool = False, limits: Limits | None = None,
                     verify: bool | None = None, secret_env: dict[str, str] | None = None,
                     extra_config: str = "", progress: bool = True,
                     on_result: Callable[[GradingResult], None] | None = None) -> RunSummary:
    """Grade `assignment`'s submissions. `verify` and `secret_env` default to the course's
    c.Grade.verify and the values of the c.Grade.secret_env variables set in this environment."""
    start = time.monotonic()
    course_root = Path(course_root).resolve()
    settings = GradeSettings(config=load_config(course_root))
    verify = settings.verify if verify is None else verify
    secret_env = secrets_from_environment(settings) if secret_env is None else secret_env
    jobs, coursedir = make_jobs(course_root, assignment, students=students, sandbox=sandbox,
                                limits=limits, verify=verify, secret_env=secret_env,
                                extra_config=extra_config)
    config = load_config(course_root)
    cache = ResultCache(course_root / CACHE_DIR)
    summary = RunSummary(assignment)

    def take(result: GradingResult, cached: bool) -> None:
        if not cached and not result.grader_error:
            cache.put(result)                 # first: a kill after this loses nothing
        if not (cached and already_recorded(result, coursedir)):
            record_result(result, coursedir, config)
        summary.results[result.student] = result
        (summary.reused if cached else summary.executed).append(result.student)
        if on_result:
            on_result(result)

    todo = []
    for job in jobs:
        hit = None if force else cache.get(job.key, job.student)
        if hit is not None:
            take(hit, cached=True)
        else:
            todo.append(job)

    bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), unit="submission",
               desc=f"grading {assignment}", disable=not progress, dynamic_ncols=True)
    try:
        for result in runner.run(todo):
            take(result, cached=False)
            bar.set_postfix_str(f"{result.student}: {'ok' if result.ok else 'FAILED'}", refresh=False)
            bar.update(1)
    finally:
        bar.close()

    summary.scores = {s: v for s, v in scores(coursedir, assignment).items() if s in summary.results}
    summary.seconds = time.monotonic() - start
    return summary
